"""The Grants API (WG1-02 §8) for a registration's cds_client_admin token: list with filters, read,
and PATCH (close, narrow the scope, or ask for a wider one, which waits for the customer). And a
protected read for consent tokens: the service points their grants cover, through the access gate.
"""

from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from meters.models import Premise
from portal.cds import paging
from portal.cds.api import ADMIN_ERRORS, NOT_FOUND, ClientAdminView
from portal.cds.errors import CdsError
from portal.cds.serializers import AdminErrorSerializer

from . import direct_grants, grant_filters
from .models import DataKind, OAuthGrant
from .services import AgreementError, direct_access, grants, terminate_agreement

STATUSES = [
    "active",
    "future",
    "pending",
    "partial",
    "needs_authorization",
    "needs_sub_grants",
    "delayed",
    "stopped",
    "errored",
    "disabled",
    "suspended",
    "revoked",
    "closed",
    "expired",
]


class GrantSerializer(serializers.Serializer):
    grant_id = serializers.CharField()
    uri = serializers.URLField()
    replacing = serializers.ListField(child=serializers.CharField())
    replaced_by = serializers.ListField(child=serializers.CharField())
    parent = serializers.CharField(allow_null=True)
    children = serializers.ListField(child=serializers.CharField())
    created = serializers.DateTimeField()
    modified = serializers.DateTimeField()
    not_before = serializers.DateTimeField(allow_null=True)
    not_after = serializers.DateTimeField(allow_null=True)
    eta = serializers.DateTimeField(allow_null=True)
    expires = serializers.DateTimeField(allow_null=True)
    status = serializers.ChoiceField(choices=STATUSES)
    client_id = serializers.CharField()
    cds_client_uri = serializers.URLField()
    scope = serializers.CharField()
    authorization_details = serializers.ListField(child=serializers.DictField())
    receipt_confirmations = serializers.ListField(child=serializers.CharField())
    enabled_scope = serializers.CharField(allow_blank=True)
    enabled_authorization_details = serializers.ListField(child=serializers.DictField())


class GrantListSerializer(serializers.Serializer):
    grants = GrantSerializer(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


CLOSABLE = ["closed"]


class GrantUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CLOSABLE, required=False)
    scope = serializers.CharField(required=False)
    authorization_details = serializers.ListField(child=serializers.DictField(), required=False)


def grant_object(request, grant: OAuthGrant) -> dict:
    agreement = grant.agreement
    status = grants.status_of(grant)
    live = status not in grants.NO_ACCESS
    details = grants.echoed_details(grant)
    return {
        "grant_id": agreement.number,
        "uri": request.build_absolute_uri(reverse("cds-grant", args=[agreement.number])),
        "replacing": [],
        "replaced_by": [],
        "parent": None,
        "children": [],
        "created": grant.created_at,
        "modified": max(grant.modified_at, agreement.updated_at),
        "not_before": None,
        "not_after": agreement.ends_at,
        "eta": None,
        "expires": agreement.ends_at,
        "status": status,
        "client_id": grant.client.client_id,
        "cds_client_uri": request.build_absolute_uri(reverse("cds-client", args=[grant.client.client_id])),
        "scope": grant.requested_scope or grant.scope,
        "authorization_details": details,
        "receipt_confirmations": [grant.receipt_confirmation],
        "enabled_scope": grant.scope if live else "",
        "enabled_authorization_details": details if live else [],
    }


def _ids_parameter(name: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, description="Space-separated values to keep.")


class GrantAdminView(ClientAdminView):
    def grants(self):
        """The registration's consent grants (a direct-access grant is found by `direct_grants`)."""
        return (
            OAuthGrant.objects.filter(client__registration=self.registration)
            .select_related("agreement", "client")
            .annotate(modified=Greatest("modified_at", "agreement__updated_at"))
        )


class GrantListView(GrantAdminView):
    @extend_schema(
        tags=["cds client admin"],
        summary="List grants",
        description="Consent grants and staff-approved direct-access grants of the registration's clients.",
        operation_id="cds_grants_list",
        parameters=[
            *(
                _ids_parameter(name)
                for name in ("grant_ids", "parents", "statuses", "client_ids", "scopes", "receipt_confirmations")
            ),
            OpenApiParameter("after", str, description="Created at or after this datetime."),
            OpenApiParameter("before", str, description="Created at or before this datetime."),
            OpenApiParameter("page", int, description="Page number (100 per page)."),
        ],
        responses={200: GrantListSerializer, **ADMIN_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        queryset = grant_filters.filtered(grant_filters.grants_of(self.registration), request, timezone.now())
        items, next_link, previous_link = paging.paginate(request, queryset)
        objects = [
            direct_grants.approval_object(request, item.direct_access)
            if item.is_direct
            else grant_object(request, item.grant)
            for item in items
        ]
        return Response({"grants": objects, "next": next_link, "previous": previous_link})


class GrantView(GrantAdminView):
    def get_grant(self, grant_id) -> OAuthGrant:
        grant = self.grants().filter(agreement__number=grant_id).first()
        if grant is None:
            raise self.not_found("grant")
        return grant

    @extend_schema(
        tags=["cds client admin"],
        summary="Read a grant",
        operation_id="cds_grant_read",
        responses={200: GrantSerializer, **ADMIN_ERRORS, **NOT_FOUND},
    )
    def get(self, request, grant_id, *args, **kwargs):
        direct = direct_grants.find(request, registration=self.registration, grant_id=grant_id)
        if direct is not None:  # a staff-approved direct-access grant or one of its sub-grants
            return Response(direct)
        return Response(grant_object(request, self.get_grant(grant_id)))

    @extend_schema(
        tags=["cds client admin"],
        summary="Close a grant or change its scope",
        description=(
            "`status` may only become `closed` (the agreement ends and its tokens are revoked). A narrower "
            "`scope` applies at once; a wider one sets `needs_authorization` until the customer approves an "
            "authorization request with `cds_grant_id`. `authorization_details` may only drop entries."
        ),
        request=GrantUpdateSerializer,
        responses={200: GrantSerializer, 409: OpenApiResponse(AdminErrorSerializer), **ADMIN_ERRORS, **NOT_FOUND},
    )
    def patch(self, request, grant_id, *args, **kwargs):
        data = request.data if isinstance(request.data, dict) else None
        if data is None:
            raise CdsError("invalid", "Send a JSON object.")
        if direct_grants.is_sub_grant_id(grant_id) and direct_grants.find(
            request, registration=self.registration, grant_id=grant_id
        ):
            raise CdsError(
                "customer_answers",
                "Aggregation consent is given or declined by its customer, not through the Grants API.",
                status_code=403,
            )
        approval = direct_grants.approval_for(registration=self.registration, grant_id=grant_id)
        if approval is not None:
            return Response(direct_grants.approval_object(request, self._close_direct(request, approval, data)))
        grant = self.get_grant(grant_id)
        unknown = set(data) - {"status", "scope", "authorization_details"}
        if unknown:
            raise CdsError(
                "invalid",
                f"Not changeable: {', '.join(sorted(unknown))}.",
                fields={key: ["Not changeable."] for key in unknown},
            )
        client = request.auth.application
        if "authorization_details" in data:
            kept = {entry.get("type") for entry in data["authorization_details"] or [] if isinstance(entry, dict)}
            if not isinstance(data["authorization_details"], list) or not kept <= set(grant.scope.split()):
                raise CdsError("invalid", "authorization_details may only drop entries of this grant.")
            if "scope" not in data:
                data = {**data, "scope": " ".join(item for item in grant.scope.split() if item in kept)}
        if "scope" in data:
            grants.change_scope(client=grant.client, grant=grant, scope=data["scope"])
        if "status" in data:
            if data["status"] != "closed":
                raise CdsError("invalid", "status: only closed may be set.", fields={"status": ["Only closed."]})
            if grants.status_of(grant) in grants.NO_ACCESS:
                raise CdsError("not_active", "This grant has already ended.", status_code=409)
            try:
                grants.close_grant(client=client, grant=grant)
            except AgreementError as error:
                raise CdsError(error.code, error.message, status_code=error.status_code) from None
        return Response(grant_object(request, self.get_grant(grant_id)))

    @staticmethod
    def _close_direct(request, approval, data: dict):
        """A direct-access grant is staff's to change (scope, data sets, premises, dates): its
        client may only close it, giving up the access (the agreement is terminated by the third
        party and the tokens stop)."""
        if set(data) != {"status"}:
            raise CdsError(
                "staff_approved",
                "A direct-access grant is changed by MeterGate staff; its client may only close it.",
                fields={key: ["Not changeable."] for key in sorted(set(data) - {"status"})},
                status_code=403,
            )
        if data["status"] != "closed":
            raise CdsError("invalid", "status: only closed may be set.", fields={"status": ["Only closed."]})
        if direct_access.status_of(approval) in grants.NO_ACCESS:
            raise CdsError("not_active", "This grant has already ended.", status_code=409)
        client = request.auth.application
        try:
            terminate_agreement(
                by=None,
                agreement=approval.agreement,
                reason=f"Closed by {client.name} through the Grants API.",
                third_party=client.third_party,
            )
        except AgreementError as error:
            raise CdsError(error.code, error.message, status_code=error.status_code) from None
        approval.agreement.refresh_from_db()
        return approval


# --- The protected read of a consent token ----------------------------------------------------


class HasLiveGrant(permissions.BasePermission):
    message = "Use an access token issued under a customer's grant."

    def has_permission(self, request, view):
        token = request.auth
        if token is None or not hasattr(token, "application"):
            return False
        view.token_grants = [grant for grant in grants.token_grants(token) if grants.is_live(grant)]
        return bool(view.token_grants)


class ServicePointSerializer(serializers.Serializer):
    servicepoint_number = serializers.CharField()
    servicepoint_address = serializers.CharField()
    grant_id = serializers.CharField()
    usage_from = serializers.DateTimeField(allow_null=True)
    usage_until = serializers.DateTimeField(allow_null=True)


class ServicePointListSerializer(serializers.Serializer):
    service_points = ServicePointSerializer(many=True)


class AuthorizedServicePointsView(APIView):
    """The service points the token's grants cover and the usage window the access gate allows
    now (a MeterGate extension until the CDS customer-data APIs arrive)."""

    authentication_classes = [OAuth2Authentication]
    permission_classes = [HasLiveGrant]

    def rows(self, request, premises) -> list[dict]:
        now = timezone.now()
        rows = []
        for grant in self.token_grants:
            for premise in premises.filter(agreements=grant.agreement).order_by("esiid"):
                decision = grants.token_may_read(
                    access_token=request.auth,
                    premise=premise,
                    kind=DataKind.DAILY,
                    start=grant.agreement.data_from or now,
                    end=now,
                )
                window = decision.window if decision.allowed and DataKind.DAILY in grant.agreement.data_kinds else None
                rows.append(
                    {
                        "servicepoint_number": premise.esiid,
                        "servicepoint_address": ", ".join(
                            part for part in (premise.service_address, premise.city) if part
                        ),
                        "grant_id": grant.agreement.number,
                        "usage_from": window[0] if window else None,
                        "usage_until": window[1] if window else None,
                    }
                )
        return rows

    @extend_schema(
        tags=["cds consent"],
        summary="Service points this token's grants cover",
        operation_id="cds_authorized_service_points_list",
        responses={
            200: ServicePointListSerializer,
            401: OpenApiResponse(AdminErrorSerializer),
            403: OpenApiResponse(AdminErrorSerializer),
        },
    )
    def get(self, request, *args, **kwargs):
        return Response({"service_points": self.rows(request, Premise.objects.all())})


class AuthorizedServicePointView(AuthorizedServicePointsView):
    @extend_schema(
        tags=["cds consent"],
        summary="One service point this token's grants cover",
        operation_id="cds_authorized_service_point_read",
        responses={
            200: ServicePointSerializer,
            401: OpenApiResponse(AdminErrorSerializer),
            403: OpenApiResponse(AdminErrorSerializer),
            404: OpenApiResponse(AdminErrorSerializer),
        },
    )
    def get(self, request, esiid, *args, **kwargs):
        rows = self.rows(request, Premise.objects.filter(esiid=esiid))
        if not rows:
            raise CdsError("not_found", "No such service point under this token's grants.", status_code=404)
        return Response(rows[0])
