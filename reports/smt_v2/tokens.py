"""Bearer tokens of the Smart Meter Texas v2 third-party API: what an API user gets from
`/v2/token/` for its username (the portal e-mail) and password.

Like the customer API's tokens (portal.smt_tokens) they are django-oauth-toolkit access tokens of
one dedicated client, hashed at rest, with no scope and an audience no other API accepts. Unlike
them they live a fixed hour (SMT's `expiresIn` "3600"): the caller asks for a new one.
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from oauth2_provider.models import AccessToken, set_token_value

from portal import login_lock, smt_tokens
from portal.models import User

from ..models_smt import SmtApiUser

CLIENT_NAME = "Smart Meter Texas v2 third-party API"
AUDIENCE = "urn:metergate:smt-v2-api"


def lifetime() -> timedelta:
    return timedelta(seconds=getattr(settings, "SMT_V2_TOKEN_SECONDS", 3600))


def log_in(request, *, username: str, password: str, now: datetime | None = None) -> tuple[str, AccessToken]:
    """A new token for an active API user's credentials (behind the portal's brute-force lock);
    any other account gets the same refusal as a wrong password."""
    user = login_lock.check_password_login(request, email=username, password=password)
    api_user = SmtApiUser.objects.select_related("third_party").filter(user=user).first()
    if api_user is None or not api_user.third_party.is_active or user.third_party != api_user.third_party:
        raise login_lock.InvalidCredentials()
    raw = secrets.token_urlsafe(32)
    token = AccessToken(
        user=user,
        application=smt_tokens.dedicated_client(CLIENT_NAME),
        expires=(now or timezone.now()) + lifetime(),
        scope="",
        resource=[AUDIENCE],
    )
    set_token_value(token, raw)
    token.save()
    return raw, token


def user_for_token(raw: str) -> User | None:
    """The API user of a live token; None for an unknown, expired or revoked one, or one whose
    user was deactivated or is no longer an API user."""
    if not raw:
        return None
    token = (
        AccessToken.objects.select_related("user")
        .filter(application__name=CLIENT_NAME, application__third_party=None, token_checksum=smt_tokens.checksum(raw))
        .filter(expires__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active or not SmtApiUser.objects.filter(user=token.user).exists():
        return None
    return token.user
