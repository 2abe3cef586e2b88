"""Credentials (client secrets): create, authenticate, show once, expire.

An expiry at or before now means the secret is compromised: it stops working at once and every
token obtained with it is revoked (WG1-02 §7.6).
"""

from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import revoke_access_token

from . import messages, secrets
from .errors import CdsError, invalid
from .models import Credential, CredentialToken


def create_credential(*, client, reveal_now: bool = True, announce: bool = True) -> tuple[Credential, str]:
    """A new secret for `client`. With `reveal_now` the caller shows the secret and it is never
    stored readable; otherwise it is sealed until the Credentials API shows it once."""
    secret = secrets.new_secret()
    with transaction.atomic():
        credential = Credential.objects.create(
            client=client,
            secret_checksum=secrets.checksum(secret),
            secret_hint=secret[-4:],
            pending_secret="" if reveal_now else secrets.seal(secret),
        )
        if announce and client.registration_id:
            messages.notify(
                registration=client.registration,
                name="Credential created",
                description=f"A new client secret (…{credential.secret_hint}) was created for client "
                f"{client.client_id}.",
                related_type="credential",
                related_id=credential.credential_id,
            )
    return credential, secret


def reveal(credential: Credential) -> str | None:
    """The secret if it was never shown, emptying the sealed copy; None afterwards."""
    if not credential.pending_secret:
        return None
    secret = secrets.unseal(credential.pending_secret)
    Credential.objects.filter(pk=credential.pk).update(pending_secret="")
    credential.pending_secret = ""
    return secret


def authenticate(client, secret: str) -> Credential | None:
    """The client's active credential holding `secret`, if any."""
    credential = Credential.objects.filter(client=client, secret_checksum=secrets.checksum(secret)).first()
    if credential is None or not credential.is_active():
        return None
    return credential


def expires_at_epoch(credential: Credential) -> int:
    """`client_secret_expires_at`: epoch seconds, 0 for never; a disabled client's secrets
    expired when it was disabled (WG1-02 §7.1)."""
    moments = [moment for moment in (credential.expires_at, credential.revoked_at) if moment is not None]
    if credential.client.disabled_at is not None:
        moments.append(credential.client.disabled_at)
    return int(min(moments).timestamp()) if moments else 0


def set_expiry(*, credential: Credential, expires_at) -> Credential:
    """Move the expiry earlier (never later); an expiry at or before now revokes the secret and
    its tokens. `expires_at` is epoch seconds, 0 meaning never."""
    if isinstance(expires_at, bool) or not isinstance(expires_at, int) or expires_at < 0:
        raise invalid("client_secret_expires_at", "Give a whole number of seconds since 1970, or 0.")
    now = timezone.now()
    current = expires_at_epoch(credential)
    if credential.revoked_at is not None:
        raise CdsError("credential_revoked", "This credential is revoked; create a new one.", status_code=409)
    if expires_at == 0:
        if current != 0:
            raise invalid("client_secret_expires_at", "An expiry may be moved earlier, never removed.")
        return credential
    try:
        moment = datetime.fromtimestamp(expires_at, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise invalid("client_secret_expires_at", "That time is out of range.") from None
    if current and moment > datetime.fromtimestamp(current, tz=UTC):
        raise invalid("client_secret_expires_at", "An expiry may be moved earlier, never later.")
    with transaction.atomic():
        credential = Credential.objects.select_for_update().get(pk=credential.pk)
        if moment <= now:
            revoke(credential=credential, at=now)
        else:
            credential.expires_at = moment
            credential.save(update_fields=["expires_at", "updated_at"])
            _announce(
                credential, f"Client secret …{credential.secret_hint} now expires at {moment:%Y-%m-%d %H:%M} UTC."
            )
    return credential


def revoke(*, credential: Credential, at=None) -> None:
    """Stop the secret now and revoke every access and refresh token obtained with it."""
    at = at or timezone.now()
    with transaction.atomic():
        credential.expires_at = at
        credential.revoked_at = at
        credential.save(update_fields=["expires_at", "revoked_at", "updated_at"])
        uses = CredentialToken.objects.filter(credential=credential).select_related("access_token")
        for use in list(uses):
            revoke_access_token(use.access_token)
        _announce(credential, f"Client secret …{credential.secret_hint} expired; its tokens are revoked.")


def _announce(credential: Credential, text: str) -> None:
    if credential.client.registration_id:
        messages.notify(
            registration=credential.client.registration,
            name="Credential changed",
            description=text,
            related_type="credential",
            related_id=credential.credential_id,
        )


def record_token_use(*, credential: Credential, access_token) -> None:
    CredentialToken.objects.update_or_create(access_token=access_token, defaults={"credential": credential})
