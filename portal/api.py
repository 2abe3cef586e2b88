"""Accounts API: provisioning of label partners and customers by the utility's systems, and the
pieces every provisioning endpoint shares (permission, pagination, the upsert view)."""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from oauth2_provider.contrib.rest_framework import OAuth2Authentication, TokenHasScope
from rest_framework import generics, permissions
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from meters.provisioning import OPERATIONS, Operation

from .models import LabelPartner, User
from .serializers import (
    CustomerDetailOutputSerializer,
    CustomerListOutputSerializer,
    CustomerUpsertInputSerializer,
    CustomerUpsertOutputSerializer,
    ErrorSerializer,
    LabelPartnerDetailOutputSerializer,
    LabelPartnerListOutputSerializer,
    LabelPartnerUpsertInputSerializer,
    LabelPartnerUpsertOutputSerializer,
)

TAG = "provisioning"


class IsUtilitySystem(permissions.BasePermission):
    """The token belongs to a client of the utility itself, never to a third party's client, even
    one that was (wrongly) given the provisioning scope."""

    message = "Only the utility's own systems may provision accounts."

    def has_permission(self, request, view):
        application = getattr(request.auth, "application", None)
        return application is not None and application.third_party_id is None


class ProvisioningPagination(CursorPagination):
    """Cursor pagination: stable `next` links over tables of millions of rows, no COUNT(*)."""

    ordering = "pk"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class ProvisioningMixin:
    # Machine-to-machine only: a browser session never carries the provisioning scope.
    authentication_classes = [OAuth2Authentication]
    permission_classes = [TokenHasScope, IsUtilitySystem]
    required_scopes = ["provisioning"]


class ProvisioningListView(ProvisioningMixin, generics.ListAPIView):
    pagination_class = ProvisioningPagination


class ProvisioningRecordView(ProvisioningMixin, APIView):
    """GET one record by its external id; PUT creates it (201) or brings it to the given state
    (200). The same PUT twice leaves the same state."""

    operation: Operation
    queryset = None
    lookup_field: str
    detail_output_serializer: type
    upsert_output_serializer: type

    def get(self, request, **kwargs):
        instance = get_object_or_404(self.queryset, **{self.lookup_field: kwargs[self.operation.key]})
        return Response(self.detail_output_serializer(instance).data)

    def put(self, request, **kwargs):
        result = self.operation.run(request.data, key=kwargs[self.operation.key])
        return Response(self.upsert_output_serializer(result.instance).data, status=201 if result.created else 200)


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; `fields` holds the messages per field."),
    401: OpenApiResponse(ErrorSerializer, description="No or an expired access token."),
    403: OpenApiResponse(
        ErrorSerializer, description="The token lacks the `provisioning` scope or is not the utility's own."
    ),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such record.")}
CONFLICT = {409: OpenApiResponse(ErrorSerializer, description="The request conflicts with the current state.")}


def record_schema(*, key: str, key_help: str, noun: str, input_serializer, upsert_output, detail_output):
    """The OpenAPI description of a ProvisioningRecordView (GET and PUT)."""
    parameter = OpenApiParameter(key, str, OpenApiParameter.PATH, description=key_help)
    return extend_schema_view(
        get=extend_schema(
            tags=[TAG],
            summary=f"Read a {noun}",
            description=f"The {noun} with this {key}, as last provisioned.",
            parameters=[parameter],
            responses={200: detail_output, **ERRORS, **NOT_FOUND},
        ),
        put=extend_schema(
            tags=[TAG],
            summary=f"Create or update a {noun}",
            description=(
                f"Upsert by {key}: 201 when created, 200 when it existed (changed or not). Fields left out "
                "take their defaults, so the same request twice leaves the same state."
            ),
            parameters=[parameter],
            request=input_serializer,
            responses={200: upsert_output, 201: upsert_output, **ERRORS, **CONFLICT},
        ),
    )


# --- Label partners ------------------------------------------------------------------------------


@record_schema(
    key="code",
    key_help="The label partner's code (a slug).",
    noun="label partner",
    input_serializer=LabelPartnerUpsertInputSerializer,
    upsert_output=LabelPartnerUpsertOutputSerializer,
    detail_output=LabelPartnerDetailOutputSerializer,
)
class LabelPartnerView(ProvisioningRecordView):
    operation = OPERATIONS["label_partners"]
    queryset = LabelPartner.objects.all()
    lookup_field = "code"
    detail_output_serializer = LabelPartnerDetailOutputSerializer
    upsert_output_serializer = LabelPartnerUpsertOutputSerializer


@extend_schema(tags=[TAG], summary="List label partners", responses={200: LabelPartnerListOutputSerializer, **ERRORS})
class LabelPartnerListView(ProvisioningListView):
    queryset = LabelPartner.objects.all()
    serializer_class = LabelPartnerListOutputSerializer


# --- Customers -----------------------------------------------------------------------------------


@record_schema(
    key="external_account_id",
    key_help="The utility's customer account id.",
    noun="customer",
    input_serializer=CustomerUpsertInputSerializer,
    upsert_output=CustomerUpsertOutputSerializer,
    detail_output=CustomerDetailOutputSerializer,
)
class CustomerView(ProvisioningRecordView):
    operation = OPERATIONS["customers"]
    queryset = User.objects.filter(external_account_id__isnull=False).select_related("label_partner")
    lookup_field = "external_account_id"
    detail_output_serializer = CustomerDetailOutputSerializer
    upsert_output_serializer = CustomerUpsertOutputSerializer


class CustomerFilter(django_filters.FilterSet):
    external_account_id = django_filters.CharFilter()
    email = django_filters.CharFilter(lookup_expr="iexact")
    label_partner = django_filters.CharFilter(field_name="label_partner__code", help_text="Label partner code.")

    class Meta:
        model = User
        fields = ["external_account_id", "email", "label_partner"]


@extend_schema(tags=[TAG], summary="List customers", responses={200: CustomerListOutputSerializer, **ERRORS})
class CustomerListView(ProvisioningListView):
    queryset = User.objects.filter(external_account_id__isnull=False).select_related("label_partner")
    serializer_class = CustomerListOutputSerializer
    filterset_class = CustomerFilter
