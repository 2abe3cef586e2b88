"""Checking an authorization request before anybody logs in (WG3-01 §3.4, RFC 9126, RFC 9396).

Used by the pushed-authorization endpoint and by the consent page. oauthlib (through
django-oauth-toolkit's server) checks the OAuth parts; this module adds what CDS asks for: the
client's `cds_default_*` values for missing parameters, PKCE with S256 only, and the
`authorization_details` rules. Problems are either fatal (bad client, redirect URI or response
type: shown on a page, never redirected) or sent back to the client's redirect URI.
"""

import json
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.oauth2.rfc6749 import errors as oauth_errors

from portal.models import OAuthClient

from . import rar, scopes
from .errors import CdsError
from .models import PushedAuthorizationRequest

# Parameters an authorization request may carry (RFC 6749, 7636, 9126, 9396, CDS).
PARAMETERS = (
    "client_id",
    "response_type",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "authorization_details",
    "cds_grant_id",
    "prompt",
)


class AuthorizationProblem(Exception):
    """`fatal` problems are shown to the person; others go back to `redirect_uri`."""

    def __init__(
        self, error: str, description: str, *, fatal: bool = False, redirect_uri: str = "", state=None, client=None
    ):
        super().__init__(description)
        self.client = client
        self.error = error
        self.description = description
        self.fatal = fatal or not redirect_uri
        self.redirect_uri = redirect_uri
        self.state = state


@dataclass
class AuthorizationRequest:
    client: OAuthClient
    parameters: dict
    scopes: list[str]
    redirect_uri: str
    state: str | None
    code_challenge: str
    # Entries with defaults applied, one per consent scope, in scope order.
    authorization_details: list[dict] = field(default_factory=list)
    grant_id: str = ""

    @property
    def credentials(self) -> dict:
        """What django-oauth-toolkit needs to issue the code."""
        return {
            "client_id": self.client.client_id,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "state": self.state,
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
        }


def _client(client_id) -> OAuthClient:
    client = OAuthClient.objects.filter(client_id=client_id).first() if isinstance(client_id, str) else None
    if client is None or not client.is_usable(None):
        raise AuthorizationProblem("invalid_client", "This application is unknown or disabled.", fatal=True)
    return client


def _with_defaults(client: OAuthClient, parameters: dict) -> dict:
    """Missing parameters fall back to the client's cds_default_* values (WG3-01 §3.4)."""
    filled = {key: value for key, value in parameters.items() if key in PARAMETERS and value not in (None, "")}
    if "redirect_uri" not in filled and client.default_redirect_uri:
        filled["redirect_uri"] = client.default_redirect_uri
    if "authorization_details" not in filled and "scope" not in filled and client.default_authorization_details:
        filled["authorization_details"] = json.dumps(client.default_authorization_details)
    if "scope" not in filled:
        typed = []
        if "authorization_details" in filled:
            try:
                typed = [entry.get("type") for entry in json.loads(filled["authorization_details"])]
            except (ValueError, AttributeError, TypeError):
                typed = []
        chosen = [scope for scope in typed if isinstance(scope, str)] or client.default_scope.split()
        if chosen:
            filled["scope"] = " ".join(dict.fromkeys(chosen))
    return filled


def validate(parameters: dict) -> AuthorizationRequest:
    """The checked request, or AuthorizationProblem."""
    client = _client(parameters.get("client_id"))
    filled = _with_defaults(client, parameters)
    server = OAuthLibMixin.get_oauthlib_core().server
    uri = f"/oauth/authorize/?{urlencode(filled)}"
    try:
        requested, credentials = server.validate_authorization_request(uri, http_method="GET")
    except oauth_errors.FatalClientError as error:
        raise AuthorizationProblem(
            error.error, error.description or "The redirect URI is not registered.", fatal=True
        ) from None
    except oauth_errors.OAuth2Error as error:
        fatal = error.error in ("unsupported_response_type", "invalid_client", "unauthorized_client")
        raise AuthorizationProblem(
            error.error,
            error.description or "The authorization request is invalid.",
            fatal=fatal,
            redirect_uri=filled.get("redirect_uri", ""),
            state=filled.get("state"),
            client=client,
        ) from None
    redirect_uri, state = credentials["redirect_uri"], credentials.get("state")

    def refuse(error, description):
        return AuthorizationProblem(error, description, redirect_uri=redirect_uri, state=state, client=client)

    if credentials.get("code_challenge_method") != "S256" or not credentials.get("code_challenge"):
        raise refuse("invalid_request", "PKCE with code_challenge_method S256 is required (plain is refused).")
    if not requested:
        raise refuse("invalid_scope", "Ask for at least one scope.")
    if any(not scopes.SCOPES.get(scope) or not scopes.SCOPES[scope].is_consent for scope in requested):
        raise refuse("invalid_scope", "Only customer-consent scopes are asked for through this page.")
    try:
        given = rar.parse(filled.get("authorization_details"), allowed_types=set(requested))
        entries = {entry["type"]: rar.with_defaults(entry) for entry in given}
        details = [entries.get(scope) or rar.with_defaults({"type": scope}) for scope in requested]
        rar.check_consent_rules(details, now=timezone.now())
    except CdsError as error:
        raise refuse(error.code, error.message) from None
    for entry in details:
        if entry.get("purpose") and entry["purpose"] not in (client.purposes or {}):
            raise refuse(
                "invalid_authorization_details", f"{entry['type']}.purpose is not one of the client's purposes."
            )
    return AuthorizationRequest(
        client=client,
        parameters=filled,
        scopes=list(requested),
        redirect_uri=redirect_uri,
        state=state,
        code_challenge=credentials["code_challenge"],
        authorization_details=details,
        grant_id=filled.get("cds_grant_id", ""),
    )


def push(*, client: OAuthClient, parameters: dict) -> PushedAuthorizationRequest:
    """Keep a checked request for `CDS_PAR_EXPIRES_SECONDS`; its request_uri works once."""
    if "request_uri" in parameters:
        raise AuthorizationProblem("invalid_request", "request_uri may not be pushed.", fatal=True)
    if parameters.get("client_id", client.client_id) != client.client_id:
        raise AuthorizationProblem("invalid_request", "client_id differs from the authenticated client.", fatal=True)
    kept = {key: value for key, value in parameters.items() if key in PARAMETERS}
    kept["client_id"] = client.client_id
    validate(kept)
    return PushedAuthorizationRequest.objects.create(
        reference=secrets.token_urlsafe(32),
        client=client,
        parameters=kept,
        expires_at=timezone.now() + timedelta(seconds=settings.CDS_PAR_EXPIRES_SECONDS),
    )


def pushed_parameters(*, client_id, request_uri) -> tuple[PushedAuthorizationRequest, dict]:
    """The parameters behind a request_uri, for the client that pushed them."""
    reference = request_uri.removeprefix(PushedAuthorizationRequest.PREFIX) if isinstance(request_uri, str) else ""
    pushed = PushedAuthorizationRequest.objects.filter(reference=reference).select_related("client").first()
    if (
        pushed is None
        or pushed.client.client_id != client_id
        or pushed.used_at is not None
        or pushed.expires_at <= timezone.now()
    ):
        raise AuthorizationProblem(
            "invalid_request_uri", "This authorization link has expired or was already used.", fatal=True
        )
    return pushed, dict(pushed.parameters)


def mark_used(pushed: PushedAuthorizationRequest | None) -> None:
    if pushed is not None:
        PushedAuthorizationRequest.objects.filter(pk=pushed.pk, used_at__isnull=True).update(used_at=timezone.now())
