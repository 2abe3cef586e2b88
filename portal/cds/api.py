"""The registration endpoint (RFC 7591 the CDS way, WG1-02 §4) and what every admin API shares:
bearer-token authentication and the `cds_client_admin` base view. The Clients, Credentials and
Messages APIs are in `admin_api`, the Grants API in agreements.grants_api.

The admin APIs take a bearer token obtained by client credentials with `cds_client_admin`; a
token sees the clients, credentials and messages of its own registration only."""

from django.conf import settings
from django.http import QueryDict
from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from oauth2_provider.contrib.rest_framework import OAuth2Authentication, TokenHasScope
from rest_framework import exceptions, permissions, status
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from . import clients, registration, representations, scopes
from .errors import CdsError
from .models import ClientRegistration
from .serializers import (
    AdminErrorSerializer,
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


def ids_parameter(name: str, noun: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, description=f"Space-separated {noun} to keep.")


PAGE = OpenApiParameter("page", int, description="Page number (100 per page).")
