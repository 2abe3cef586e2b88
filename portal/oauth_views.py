"""OAuth endpoints MeterGate adds to django-oauth-toolkit's: pushed authorization requests
(RFC 9126) and an introspection endpoint (RFC 7662) that answers a client about its own tokens
only."""

import json

from django.conf import settings
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.views import IntrospectTokenView as BaseIntrospectTokenView
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.common import Request as OauthlibRequest

from .cds import authorization


def authenticated_client(view: OAuthLibMixin, request):
    """The client that authenticated this request (Basic or body credentials), or None."""
    core = view.get_oauthlib_core()
    uri, method, body, headers = core._extract_params(request)
    oauth_request = OauthlibRequest(uri, method, body, headers)
    if core.server.request_validator.authenticate_client(oauth_request):
        return oauth_request.client
    return None


def oauth_error(error: str, description: str, status: int = 400) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["Cache-Control"] = "no-store"
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="oauth"'
    return response


@method_decorator(csrf_exempt, name="dispatch")
class PushedAuthorizationRequestView(OAuthLibMixin, View):
    """POST the authorization request's parameters with client authentication; get back a
    `request_uri` to send the customer's browser to the authorization endpoint with."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        client = authenticated_client(self, request)
        if client is None:
            return oauth_error("invalid_client", "Client authentication failed.", status=401)
        duplicated = [key for key, values in request.POST.lists() if len(values) > 1]
        if duplicated:
            return oauth_error("invalid_request", f"Parameters given twice: {', '.join(duplicated)}.")
        try:
            pushed = authorization.push(client=client, parameters=request.POST.dict())
        except authorization.AuthorizationProblem as problem:
            return oauth_error(problem.error, problem.description)
        response = JsonResponse(
            {"request_uri": pushed.request_uri, "expires_in": settings.CDS_PAR_EXPIRES_SECONDS}, status=201
        )
        response["Cache-Control"] = "no-store"
        return response


class IntrospectTokenView(BaseIntrospectTokenView):
    """RFC 7662 for clients: a client learns about its own tokens; anybody else's read as
    inactive. A bearer token with the `introspection` scope (resource servers) sees all."""

    def authenticate_client(self, request):
        self.requester = authenticated_client(self, request)
        return self.requester is not None

    def _answer(self, token_value):
        response = self.get_token_response(token_value)
        requester = getattr(self, "requester", None)
        if requester is None or response.status_code != 200:
            return response
        data = json.loads(response.content)
        if data.get("active") and data.get("client_id") != requester.client_id:
            return JsonResponse({"active": False})
        return response

    def get(self, request, *args, **kwargs):
        return self._answer(request.GET.get("token"))

    def post(self, request, *args, **kwargs):
        return self._answer(request.POST.get("token"))
