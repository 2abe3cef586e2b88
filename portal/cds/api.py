"""The registration endpoint (RFC 7591 the CDS way) and the client admin APIs: Clients,
Credentials and Messages (WG1-02 §4-§7). The Grants API is in agreements.grants_api.

The admin APIs take a bearer token obtained by client credentials with `cds_client_admin`; a
token sees the clients, credentials and messages of its own registration only."""

import json

from django.conf import settings
from django.db.models import F
from django.http import QueryDict
from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from oauth2_provider.contrib.rest_framework import OAuth2Authentication, TokenHasScope
from rest_framework import exceptions, permissions, status
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.views import APIView

from . import clients, credentials, messages, paging, registration, representations, scopes
from .errors import CdsError
from .models import ClientMessage, ClientRegistration, Credential
from .serializers import (
    AdminErrorSerializer,
    ClientListSerializer,
    ClientSerializer,
    ClientUpdateSerializer,
    CredentialCreateSerializer,
    CredentialListSerializer,
    CredentialSerializer,
    CredentialUpdateSerializer,
    MessageCreateSerializer,
    MessageListSerializer,
    MessageSerializer,
    MessageUpdateSerializer,
    OAuthErrorSerializer,
    RegistrationRequestSerializer,
    RegistrationResponseSerializer,
)

TAG = "cds client admin"


def site_of(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


class RegistrationThrottle(AnonRateThrottle):
    """Registration is open to programs (no captcha, WG1-02 §12.2) but rate limited."""

    scope = "cds_registration"

    def get_rate(self):
        return settings.CDS_REGISTRATION_RATE


@extend_schema(
    tags=["cds registration"],
    summary="Register a client set (RFC 7591, CDS WG1-02 §4)",
    description=(
        "The scope must include `cds_client_admin`; scopes without a description and scopes reserved for "
        "the utility are refused with 400. The answer is the admin client with its secret, shown once. "
        "The other clients (a client per scope group, a grant admin client) and their credentials are "
        "listed by the Clients and Credentials APIs. Data clients start in the sandbox."
    ),
    request=RegistrationRequestSerializer,
    responses={
        201: RegistrationResponseSerializer,
        400: OpenApiResponse(OAuthErrorSerializer, description="invalid_client_metadata"),
        415: OpenApiResponse(OAuthErrorSerializer, description="Send application/json."),
        429: OpenApiResponse(OAuthErrorSerializer, description="Too many registrations from this address; try later."),
    },
    auth=[],
)
class RegistrationView(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [RegistrationThrottle]

    def handle_exception(self, exc):
        # An OAuth endpoint: even parse errors and throttling answer the RFC 7591 way.
        if isinstance(exc, exceptions.APIException):
            error = "temporarily_unavailable" if isinstance(exc, exceptions.Throttled) else "invalid_client_metadata"
            response = Response({"error": error, "error_description": str(exc.detail)}, status=exc.status_code)
            if isinstance(exc, exceptions.Throttled) and exc.wait:
                response["Retry-After"] = str(int(exc.wait))
            return response
        return super().handle_exception(exc)

    def post(self, request, *args, **kwargs):
        data = request.data
        if not isinstance(data, dict):
            return _oauth_error(CdsError("invalid_client_metadata", "Send the client metadata as a JSON object."))
        try:
            registered = registration.register(
                scope=data.get("scope"),
                submitted=data,
                source=ClientRegistration.Source.DYNAMIC,
                site=site_of(request),
            )
        except CdsError as error:
            return _oauth_error(error)
        admin = registered.admin_client
        body = representations.client_object(request, admin)
        body["client_secret"] = registered.secrets[admin.client_id]
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


def _oauth_error(error: CdsError) -> Response:
    return Response({"error": error.code, "error_description": error.message}, status=error.status_code)


# --- The client admin APIs ------------------------------------------------------------------


class IsClientAdmin(permissions.BasePermission):
    """The token's client is the admin client of a registration."""

    message = "Use a token of your registration's cds_client_admin client."

    def has_permission(self, request, view):
        client = getattr(request.auth, "application", None)
        return client is not None and client.registration_id is not None and clients.is_admin(client)


ADMIN_ERRORS = {
    400: OpenApiResponse(AdminErrorSerializer, description="Invalid input; `fields` holds the messages."),
    401: OpenApiResponse(AdminErrorSerializer, description="No or an expired bearer token."),
    403: OpenApiResponse(AdminErrorSerializer, description="The token lacks cds_client_admin."),
}
NOT_FOUND = {404: OpenApiResponse(AdminErrorSerializer, description="Not one of your registration's.")}


class _HeadersOnly:
    """The request as django-oauth-toolkit sees it when checking a bearer token: an empty body,
    so a large message body is never read before the view has bounded it."""

    POST = QueryDict()

    def __init__(self, request):
        self.__dict__["_wrapped"] = request

    def __getattr__(self, name):
        return getattr(self._wrapped, name)

    def __setattr__(self, name, value):
        setattr(self._wrapped, name, value)


class BearerHeaderAuthentication(OAuth2Authentication):
    """Bearer tokens in the Authorization header (RFC 6750 §2.1, the only place RFC 9700 allows)."""

    def authenticate(self, request):
        return super().authenticate(_HeadersOnly(request))


class BearerHeaderScheme(DjangoOAuthToolkitScheme):
    """The OpenAPI security scheme: the same OAuth2 flows as every other endpoint."""

    target_class = "portal.cds.api.BearerHeaderAuthentication"
    name = "oauth2ClientAdmin"


class ClientAdminView(APIView):
    authentication_classes = [BearerHeaderAuthentication]
    permission_classes = [TokenHasScope, IsClientAdmin]
    required_scopes = [scopes.CLIENT_ADMIN]

    @property
    def registration(self) -> ClientRegistration:
        return self.request.auth.application.registration

    def not_found(self, what: str):
        return CdsError("not_found", f"No such {what}.", status_code=404)


def _ids_parameter(name: str, noun: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, description=f"Space-separated {noun} to keep.")


PAGE = OpenApiParameter("page", int, description="Page number (100 per page).")


class ClientListView(ClientAdminView):
    @extend_schema(
        tags=[TAG],
        summary="List your clients",
        operation_id="cds_clients_list",
        parameters=[_ids_parameter("client_ids", "client_ids"), PAGE],
        responses={200: ClientListSerializer, **ADMIN_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        queryset = self.registration.clients.order_by(F("cds_modified").desc(nulls_last=True), "-pk")
        client_ids = paging.id_list(request, "client_ids")
        if client_ids is not None:
            queryset = queryset.filter(client_id__in=client_ids)
        items, next_link, previous_link = paging.paginate(request, queryset)
        return Response(
            {
                "clients": [representations.client_object(request, client) for client in items],
                "next": next_link,
                "previous": previous_link,
            }
        )


class ClientView(ClientAdminView):
    def get_client(self, client_id):
        client = self.registration.clients.filter(client_id=client_id).first()
        if client is None:
            raise self.not_found("client")
        return client

    @extend_schema(
        tags=[TAG],
        summary="Read a client",
        operation_id="cds_client_read",
        responses={200: ClientSerializer, **ADMIN_ERRORS, **NOT_FOUND},
    )
    def get(self, request, client_id, *args, **kwargs):
        return Response(representations.client_object(request, self.get_client(client_id)))

    @extend_schema(
        tags=[TAG],
        summary="Replace a client's settings (RFC 7592 PUT)",
        description="Fields left out return to their defaults. 202 when a wider scope waits for staff review.",
        request=ClientUpdateSerializer,
        responses={200: ClientSerializer, 202: ClientSerializer, **ADMIN_ERRORS, **NOT_FOUND},
    )
    def put(self, request, client_id, *args, **kwargs):
        client = self.get_client(client_id)
        # As the client last read it: JSON, datetimes as strings.
        current = json.loads(json.dumps(representations.client_object(request, client), cls=JSONEncoder))
        client, waiting = clients.update_client(
            client=client, data=request.data, current=current, site=site_of(request)
        )
        return Response(
            representations.client_object(request, client),
            status=status.HTTP_202_ACCEPTED if waiting else status.HTTP_200_OK,
        )


class CredentialListView(ClientAdminView):
    @extend_schema(
        tags=[TAG],
        summary="List credentials",
        operation_id="cds_credentials_list",
        description="Secrets MeterGate made for you are shown in the first answer that lists them, then never again.",
        parameters=[
            _ids_parameter("credential_ids", "credential_ids"),
            _ids_parameter("client_ids", "client_ids"),
            OpenApiParameter("after", str, description="Created at or after this datetime."),
            OpenApiParameter("before", str, description="Created at or before this datetime."),
            PAGE,
        ],
        responses={200: CredentialListSerializer, **ADMIN_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        queryset = (
            Credential.objects.filter(client__registration=self.registration)
            .select_related("client")
            .order_by("-updated_at", "-pk")
        )
        for name, field in (("credential_ids", "credential_id__in"), ("client_ids", "client__client_id__in")):
            values = paging.id_list(request, name)
            if values is not None:
                queryset = queryset.filter(**{field: values})
        after, before = paging.moment(request, "after"), paging.moment(request, "before")
        if after:
            queryset = queryset.filter(created_at__gte=after)
        if before:
            queryset = queryset.filter(created_at__lte=before)
        items, next_link, previous_link = paging.paginate(request, queryset)
        return Response(
            {
                "credentials": [representations.credential_object(request, item) for item in items],
                "next": next_link,
                "previous": previous_link,
            }
        )

    @extend_schema(
        tags=[TAG],
        summary="Create a credential",
        description="The new secret is in this answer only.",
        request=CredentialCreateSerializer,
        responses={201: CredentialSerializer, **ADMIN_ERRORS},
    )
    def post(self, request, *args, **kwargs):
        data = request.data if isinstance(request.data, dict) else {}
        client = self.registration.clients.filter(client_id=str(data.get("client_id", ""))).first()
        if client is None:
            raise CdsError("invalid", "client_id: not one of your clients.", fields={"client_id": ["Unknown client."]})
        credential, secret = credentials.create_credential(client=client)
        response = Response(representations.credential_object(request, credential, secret=secret), status=201)
        response["Cache-Control"] = "no-store"
        return response


class CredentialView(ClientAdminView):
    def get_credential(self, credential_id):
        credential = (
            Credential.objects.filter(client__registration=self.registration, credential_id=credential_id)
            .select_related("client")
            .first()
        )
        if credential is None:
            raise self.not_found("credential")
        return credential

    @extend_schema(
        tags=[TAG],
        summary="Read a credential",
        operation_id="cds_credential_read",
        responses={200: CredentialSerializer, **ADMIN_ERRORS, **NOT_FOUND},
    )
    def get(self, request, credential_id, *args, **kwargs):
        return Response(representations.credential_object(request, self.get_credential(credential_id)))

    @extend_schema(
        tags=[TAG],
        summary="Move a credential's expiry earlier",
        description="An expiry at or before now revokes the secret and every token obtained with it.",
        request=CredentialUpdateSerializer,
        responses={200: CredentialSerializer, 409: OpenApiResponse(AdminErrorSerializer), **ADMIN_ERRORS, **NOT_FOUND},
    )
    def patch(self, request, credential_id, *args, **kwargs):
        credential = self.get_credential(credential_id)
        data = request.data if isinstance(request.data, dict) else {}
        if "client_secret_expires_at" in data:
            credential = credentials.set_expiry(credential=credential, expires_at=data["client_secret_expires_at"])
        return Response(representations.credential_object(request, credential))


PARTS = {
    "outstanding": lambda queryset: queryset.filter(
        status__in=[ClientMessage.Status.OPEN, ClientMessage.Status.PENDING]
    ),
    "unread": lambda queryset: queryset.filter(read=False),
    "read": lambda queryset: queryset.filter(read=True),
}


class MessageListView(ClientAdminView):
    @extend_schema(
        tags=[TAG],
        summary="List messages in three parts",
        operation_id="cds_messages_list",
        description="`outstanding` (open or pending), `unread` and `read`; each pages on its own through its links.",
        parameters=[
            _ids_parameter("message_ids", "message_ids"),
            OpenApiParameter("list", str, enum=list(PARTS), description="Page through one part only."),
            PAGE,
        ],
        responses={200: MessageListSerializer, **ADMIN_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        queryset = self.registration.messages.select_related("previous").order_by("-updated_at", "-pk")
        message_ids = paging.id_list(request, "message_ids")
        if message_ids is not None:
            queryset = queryset.filter(message_id__in=message_ids)
        only = request.GET.get("list")
        if only is not None and only not in PARTS:
            raise CdsError("invalid", "list: choose outstanding, unread or read.", fields={"list": ["Unknown part."]})
        body = {}
        for part, narrow in PARTS.items():
            items, next_link, previous_link = [], None, None
            if only in (None, part):
                page = paging.page_number(request) if only == part else 1
                items, next_link, previous_link = paging.paginate(
                    request, narrow(queryset), page=page, extra={"list": part}
                )
            body[part] = [representations.message_object(request, message) for message in items]
            body[f"{part}_next"], body[f"{part}_previous"] = next_link, previous_link
        return Response(body)

    @extend_schema(
        tags=[TAG],
        summary="Send a message",
        description="private_message, production_request, support_request, grant_request or client_submission.",
        request=MessageCreateSerializer,
        responses={
            201: MessageSerializer,
            409: OpenApiResponse(AdminErrorSerializer),
            413: OpenApiResponse(AdminErrorSerializer, description="Attachments above 10 MB."),
            **ADMIN_ERRORS,
        },
    )
    def post(self, request, *args, **kwargs):
        message = messages.send_from_client(client=request.auth.application, data=self._body(request))
        return Response(representations.message_object(request, message), status=201)

    @staticmethod
    def _body(request) -> dict:
        """The JSON body, read here because attachments may reach 10 MB, above Django's default
        limit on request bodies; the bound is checked first instead."""
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > messages.MAX_BODY_BYTES:
            raise CdsError("content_too_large", "The message is too large.", status_code=413)
        try:
            data = json.loads(request._request.read(messages.MAX_BODY_BYTES + 1) or b"null")
        except (ValueError, UnicodeDecodeError):
            raise CdsError("invalid", "Send the message as a JSON object.") from None
        if not isinstance(data, dict):
            raise CdsError("invalid", "Send the message as a JSON object.")
        return data


class MessageView(ClientAdminView):
    def get_message(self, message_id):
        message = self.registration.messages.filter(message_id=message_id).select_related("previous").first()
        if message is None:
            raise self.not_found("message")
        return message

    @extend_schema(
        tags=[TAG],
        summary="Read a message",
        operation_id="cds_message_read",
        responses={200: MessageSerializer, **ADMIN_ERRORS, **NOT_FOUND},
    )
    def get(self, request, message_id, *args, **kwargs):
        return Response(representations.message_object(request, self.get_message(message_id)))

    @extend_schema(
        tags=[TAG],
        summary="Mark a message read or unread",
        description="Only `read` changes; other fields are ignored.",
        request=MessageUpdateSerializer,
        responses={200: MessageSerializer, **ADMIN_ERRORS, **NOT_FOUND},
    )
    def patch(self, request, message_id, *args, **kwargs):
        message = self.get_message(message_id)
        data = request.data if isinstance(request.data, dict) else {}
        if "read" in data:
            message = messages.set_read(message=message, read=data["read"])
        return Response(representations.message_object(request, message))
