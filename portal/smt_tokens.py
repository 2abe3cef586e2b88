"""Bearer tokens of the Smart Meter Texas customer API (`usage.smt_api`): what a customer's home
tool (the `smart-meter-texas` client, Home Assistant) gets for the customer's e-mail and password.

They are django-oauth-toolkit access tokens of one dedicated client, made on first use, so they
sit in the table every other token uses, hashed at rest (COMPLIANT_BCP_RFC9700_TOKEN_STORAGE)
and visible in the admin. A token lapses SMT_TOKEN_IDLE after its last use: each use moves its
`expires` on. They carry no scope and name an audience (`AUDIENCE`, a URN) that no request URI
ever matches, so django-oauth-toolkit refuses them on every other API: they open only the SMT API.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from oauth2_provider.models import AccessToken, set_token_value

from . import login_lock
from .models import OAuthClient, User

CLIENT_NAME = "Smart Meter Texas customer API"
AUDIENCE = "urn:metergate:smt-customer-api"


def checksum(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _client() -> OAuthClient:
    return dedicated_client(CLIENT_NAME)


def dedicated_client(name: str) -> OAuthClient:
    """A dedicated client of MeterGate's own token endpoints (this one, the SMT v2 API's), made
    on first use. Nobody gets tokens from it through /oauth/token/: its secret is random and never
    shown, and it may ask for no scope."""
    client = OAuthClient.objects.filter(name=name, third_party=None).order_by("pk").first()
    if client is None:
        client = OAuthClient.objects.create(
            name=name,
            client_type=OAuthClient.CLIENT_CONFIDENTIAL,
            authorization_grant_type=OAuthClient.GRANT_CLIENT_CREDENTIALS,
            client_secret=secrets.token_urlsafe(48),
            allowed_scopes="",
        )
    return client


def _tokens() -> QuerySet:
    return AccessToken.objects.filter(application__name=CLIENT_NAME, application__third_party=None, user__isnull=False)


def issue_token(*, user: User) -> str:
    """A new token for `user`; the raw value is returned once and only its hash is stored."""
    raw = secrets.token_urlsafe(32)
    token = AccessToken(
        user=user,
        application=_client(),
        expires=timezone.now() + settings.SMT_TOKEN_IDLE,
        scope="",
        resource=[AUDIENCE],
    )
    set_token_value(token, raw)
    token.save()
    return raw


def log_in(request, *, email: str, password: str) -> str:
    """A token for a customer's e-mail and password, behind the portal's brute-force lock. Staff and
    third-party users get the same refusal as a wrong password: this API is for customers only."""
    user = login_lock.check_password_login(request, email=email, password=password)
    if user.role != User.Role.CUSTOMER:
        raise login_lock.InvalidCredentials()
    return issue_token(user=user)


def user_for_token(raw: str) -> User | None:
    """The customer a live token belongs to, moving its expiry on; None for an unknown, lapsed or
    revoked token, or one of an account that was deactivated."""
    if not raw:
        return None
    now = timezone.now()
    with transaction.atomic():
        token = _tokens().select_related("user").filter(token_checksum=checksum(raw), expires__gt=now).first()
        if token is None or not token.user.is_active:
            return None
        # Conditional, so a token revoked or lapsed meanwhile is not brought back.
        if not _tokens().filter(pk=token.pk, expires__gt=now).update(expires=now + settings.SMT_TOKEN_IDLE):
            return None
    return token.user


def live_tokens(*, user: User) -> QuerySet:
    return _tokens().filter(user=user, expires__gt=timezone.now()).order_by("-created")


def revoke_tokens(*, user: User) -> int:
    """Sign every home tool of `user` out (their next call gets 401). Returns how many were live."""
    live = live_tokens(user=user).count()
    _tokens().filter(user=user).delete()
    return live
