"""The authorization endpoint as the customer sees it (WG3-01 §3.4): the request is checked before
login (a bad client, redirect URI or response type shows an error page and never redirects), the
customer logs in, then one form: requester, one section per scope, the service points to share,
the purpose, Approve / Decline. Approving creates the grant (an agreement) and redirects with
the code; declining returns `access_denied`."""

import hashlib
import json
import secrets

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.common import add_params_to_uri

from portal.cds import authorization
from portal.cds.models import PushedAuthorizationRequest
from portal.selectors import rating_summary
from portal.views import safe_next_url

from . import consent_text
from .models import OAuthGrant
from .services import AgreementError, grants

SESSION_KEY = "oauth_consents"
PROMPT_LOGIN_KEY = "oauth_prompt_login_for"
MAX_PENDING = 5


def error_redirect(request, client, redirect_uri: str, error: str, description: str, state=None):
    """Back to the client with an OAuth error (and `iss`, RFC 9207)."""
    params = [("error", error), ("error_description", description)]
    if state:
        params.append(("state", state))
    params.append(("iss", oauth2_settings.oauth2_authorization_server_issuer(request)))
    return OAuth2ResponseRedirect(add_params_to_uri(redirect_uri, params), client.get_allowed_schemes())


def error_page(request, error: str, description: str, *, status: int = 400, **context):
    return render(
        request,
        "agreements/consent/error.html",
        {"error": error, "description": description, **context},
        status=status,
    )


def _request_key(parameters: dict) -> str:
    return hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()[:32]


@method_decorator(never_cache, name="dispatch")
class ConsentView(OAuthLibMixin, View):
    http_method_names = ["get", "post"]

    # --- the request, checked before login ---------------------------------------------------

    def _parameters(self, source) -> tuple[object, dict]:
        """The parameters behind this request: pushed (RFC 9126) or in the query string."""
        if source.get("request_uri"):
            return authorization.pushed_parameters(client_id=source.get("client_id"), request_uri=source["request_uri"])
        duplicated = [key for key, values in source.lists() if len(values) > 1 and key in authorization.PARAMETERS]
        if duplicated:
            raise authorization.AuthorizationProblem(
                "invalid_request", f"Parameters given twice: {', '.join(duplicated)}.", fatal=True
            )
        return None, {key: value for key, value in source.items() if key in authorization.PARAMETERS}

    def _checked(self, source):
        pushed, parameters = self._parameters(source)
        checked = authorization.validate(parameters)
        grant = None
        if checked.grant_id:
            try:
                grant = grants.check_reauthorization(client=checked.client, grant_id=checked.grant_id)
            except AgreementError as error:
                raise authorization.AuthorizationProblem(
                    error.code,
                    error.message,
                    redirect_uri=checked.redirect_uri,
                    state=checked.state,
                    client=checked.client,
                ) from None
        return pushed, parameters, checked, grant

    def problem(self, request, problem: authorization.AuthorizationProblem):
        if problem.fatal or problem.client is None:
            return error_page(request, problem.error, problem.description)
        return error_redirect(
            request, problem.client, problem.redirect_uri, problem.error, problem.description, problem.state
        )

    # --- GET: check, log in, show the form ---------------------------------------------------

    def get(self, request, *args, **kwargs):
        try:
            pushed, parameters, checked, grant = self._checked(request.GET)
        except authorization.AuthorizationProblem as problem:
            return self.problem(request, problem)
        key = _request_key(parameters)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if "login" in parameters.get("prompt", "").split() and request.session.get(PROMPT_LOGIN_KEY) != key:
            # prompt=login: log in again even with a session (WG1-02 §8.3).
            logout(request)
            request.session[PROMPT_LOGIN_KEY] = key
            return redirect_to_login(request.get_full_path())
        request.session.pop(PROMPT_LOGIN_KEY, None)
        try:
            grants.check_consenter(customer=request.user, client=checked.client)
            if grant is not None:
                grants.check_reauthorization(client=checked.client, grant_id=checked.grant_id, customer=request.user)
        except AgreementError as error:
            if error.code == "cds_grant_id_invalid_user":
                return error_redirect(
                    request, checked.client, checked.redirect_uri, error.code, error.message, checked.state
                )
            return self._refused(request, checked, error)
        offered, include_future = grants.offered_premises(
            customer=request.user, authorization_details=checked.authorization_details
        )
        if not offered:
            if any(entry.get("error_if_no_preselections") for entry in checked.authorization_details):
                return error_redirect(
                    request,
                    checked.client,
                    checked.redirect_uri,
                    "no_preselections",
                    "None of the customer's service points match the preselections.",
                    checked.state,
                )
            return self._nothing_to_share(request, checked, parameters, pushed)
        consent_id = self._remember(request, parameters, pushed, grant)
        return render(
            request,
            "agreements/consent/form.html",
            self._context(request, checked, consent_id, offered, include_future),
        )

    def _remember(self, request, parameters, pushed, grant) -> str:
        pending = request.session.get(SESSION_KEY, {})
        if len(pending) >= MAX_PENDING:
            oldest = sorted(pending, key=lambda key: pending[key]["at"])[: len(pending) - MAX_PENDING + 1]
            for key in oldest:
                pending.pop(key)
        consent_id = secrets.token_urlsafe(16)
        pending[consent_id] = {
            "parameters": parameters,
            "pushed": pushed.pk if pushed else None,
            "grant": grant.pk if grant else None,
            "user": request.user.pk,
            "at": timezone.now().timestamp(),
        }
        request.session[SESSION_KEY] = pending
        return consent_id

    def _context(self, request, checked, consent_id, offered, include_future, error=""):
        client = checked.client
        third_party = client.third_party
        details = checked.authorization_details
        purpose = grants.purpose_of(client, details)
        return {
            "client": client,
            "third_party": third_party,
            "rating": rating_summary(third_party),
            "sections": consent_text.sections(details),
            "premises": [consent_text.premise_row(premise) for premise in offered],
            "include_future": include_future,
            "read_only": any(entry.get("allow_scope_modifications") is False for entry in details),
            "purpose": purpose,
            "consent_id": consent_id,
            "customer": request.user,
            "switch_next": request.get_full_path(),
            "error": error,
        }

    def _refused(self, request, checked, error: AgreementError):
        decline = add_params_to_uri(
            checked.redirect_uri,
            [("error", "access_denied"), ("error_description", error.message)]
            + ([("state", checked.state)] if checked.state else [])
            + [("iss", oauth2_settings.oauth2_authorization_server_issuer(request))],
        )
        return error_page(
            request,
            error.code,
            error.message,
            status=403,
            client=checked.client,
            decline_url=decline,
            switch_next=request.get_full_path(),
        )

    def _nothing_to_share(self, request, checked, parameters, pushed):
        consent_id = self._remember(request, parameters, pushed, None)
        return render(
            request,
            "agreements/consent/nothing.html",
            {"client": checked.client, "consent_id": consent_id, "switch_next": request.get_full_path()},
        )

    # --- POST: approve or decline ------------------------------------------------------------

    def post(self, request, *args, **kwargs):
        pending = request.session.get(SESSION_KEY, {})
        stored = pending.pop(request.POST.get("consent_id", ""), None)
        request.session[SESSION_KEY] = pending
        if stored is None or not request.user.is_authenticated or stored["user"] != request.user.pk:
            return error_page(
                request,
                "consent_expired",
                "This consent form was already answered or has expired. Go back to the application and start again.",
            )
        try:
            checked = authorization.validate(stored["parameters"])
        except authorization.AuthorizationProblem as problem:
            return self.problem(request, problem)
        pushed = PushedAuthorizationRequest.objects.filter(pk=stored["pushed"]).first()
        if request.POST.get("action") != "approve":
            authorization.mark_used(pushed)
            return error_redirect(
                request, checked.client, checked.redirect_uri, "access_denied", "The customer declined.", checked.state
            )
        premise_ids = [int(value) for value in request.POST.getlist("premise") if value.isdigit()]
        include_future = request.POST.get("include_future") == "1"
        try:
            with transaction.atomic():
                if stored["grant"]:
                    grant = grants.reauthorize_grant(
                        by=request.user,
                        grant=OAuthGrant.objects.select_related("client", "agreement").get(pk=stored["grant"]),
                        scope_ids=checked.scopes,
                        authorization_details=checked.authorization_details,
                        premise_ids=premise_ids,
                        include_future=include_future,
                    )
                else:
                    grant = grants.create_grant(
                        by=request.user,
                        client=checked.client,
                        scope_ids=checked.scopes,
                        authorization_details=checked.authorization_details,
                        premise_ids=premise_ids,
                        include_future=include_future,
                    )
                credentials = {**checked.credentials, "cds_grant_ids": [grant.pk]}
                uri, _headers, _body, _status = self.create_authorization_response(
                    request=request, scopes=" ".join(checked.scopes), credentials=credentials, allow=True
                )
                authorization.mark_used(pushed)
        except AgreementError as error:
            return self._retry(request, checked, stored, error)
        except OAuthToolkitError as error:
            return error_redirect(
                request,
                checked.client,
                checked.redirect_uri,
                error.oauthlib_error.error,
                error.oauthlib_error.description or "",
                checked.state,
            )
        return OAuth2ResponseRedirect(uri, checked.client.get_allowed_schemes())

    def _retry(self, request, checked, stored, error: AgreementError):
        offered, include_future = grants.offered_premises(
            customer=request.user, authorization_details=checked.authorization_details
        )
        pushed = PushedAuthorizationRequest.objects.filter(pk=stored["pushed"]).first()
        grant = OAuthGrant.objects.filter(pk=stored["grant"]).first() if stored["grant"] else None
        consent_id = self._remember(request, stored["parameters"], pushed, grant)
        context = self._context(request, checked, consent_id, offered, include_future, error=error.message)
        return render(request, "agreements/consent/form.html", context, status=400)


@require_POST
def switch_customer(request):
    """ "Not you?": log out and come back to the same authorization request after logging in."""
    next_url = safe_next_url(request, request.POST.get("next")) or "/"
    logout(request)
    return redirect_to_login(next_url)
