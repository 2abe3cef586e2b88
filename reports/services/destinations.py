"""A third party's delivery settings: only its admins change them; the FTPS password and the
SFTP login key are stored encrypted and never shown back (MeterGate makes the SFTP key; its
public half is shown for the third party's authorized keys); the SFTP host key is pinned; a PGP
public key makes files go as SMT's encrypted ZIPs. "Test connection" logs in and writes a file."""

from django.db import transaction
from django.utils import timezone

from portal.models import ThirdParty, User

from .. import secrets
from ..delivery import DeliveryError, destination_for, test_connection
from ..delivery_pgp import expired_key_reason
from ..delivery_sftp import generate_private_key, load_private_key, parse_public_key_line
from ..models import DeliveryDestination
from ..pgp import PgpError, PublicKey, read_public_key
from ._common import ReportError, acting_third_party, require_admin


@transaction.atomic
def save_delivery_settings(
    *,
    by: User | None,
    third_party: ThirdParty | None = None,
    backend: str,
    host: str = "",
    port: int = 21,
    username: str = "",
    password: str | None = None,
    folder: str = "",
    host_key: str = "",
    private_key: str | None = None,
    pgp_public_key: str | None = None,
    remove_pgp_key: bool = False,
) -> DeliveryDestination:
    """Create or change the third party's destination. `password`, `private_key` and
    `pgp_public_key` None (or empty) keep the stored ones; SFTP without a login key gets a new one."""
    third_party = acting_third_party(by, third_party)
    require_admin(by, third_party)
    remote = (DeliveryDestination.Backend.FTPS, DeliveryDestination.Backend.SFTP)
    if backend not in (*remote, DeliveryDestination.Backend.FOLDER):
        message = "Choose SFTP, FTPS or the local folder; object storage is set up by the utility."
        raise ReportError("invalid_backend", message, fields={"backend": [message]})
    destination = DeliveryDestination.objects.select_for_update().filter(third_party=third_party).first()
    destination = destination or DeliveryDestination(third_party=third_party)
    errors = {}
    if backend in remote:
        label = DeliveryDestination.Backend(backend).name
        if not host.strip():
            errors["host"] = [f"Give the {label} server's host name."]
        if not username.strip():
            errors["username"] = [f"Give the {label} user name."]
        if not 1 <= int(port) <= 65535:
            errors["port"] = ["A port is 1 to 65535."]
    if backend == DeliveryDestination.Backend.FTPS and not (password or destination.password_encrypted):
        errors["password"] = ["Give the FTPS password."]
    if backend == DeliveryDestination.Backend.SFTP:
        errors.update(_sftp_key_errors(host_key, private_key))
    pgp = _read_pgp_key(pgp_public_key, third_party, errors) if pgp_public_key and pgp_public_key.strip() else None
    if errors:
        raise ReportError("invalid_settings", next(iter(errors.values()))[0], fields=errors)
    folder = folder.strip()
    if backend == DeliveryDestination.Backend.FOLDER and (".." in folder.split("/") or folder.startswith("/")):
        raise ReportError("invalid_folder", "Give a folder inside the reports folder.", fields={"folder": ["Invalid."]})
    destination.backend = backend
    destination.host, destination.port, destination.username = host.strip(), int(port), username.strip()
    destination.folder = folder
    if password:
        destination.password_encrypted = secrets.encrypt(password)
    if backend == DeliveryDestination.Backend.SFTP:
        destination.ssh_host_key = " ".join(parse_public_key_line(host_key))
        if private_key and private_key.strip():
            destination.ssh_private_key_encrypted = secrets.encrypt(private_key.strip() + "\n")
        elif not destination.ssh_private_key_encrypted:
            destination.ssh_private_key_encrypted = secrets.encrypt(generate_private_key())
    if pgp is not None:
        destination.pgp_public_key = pgp_public_key.strip() + "\n"
        destination.pgp_fingerprint, destination.pgp_expires_at = pgp.fingerprint, pgp.expires_at
    elif remove_pgp_key:
        destination.pgp_public_key, destination.pgp_fingerprint, destination.pgp_expires_at = "", "", None
    destination.updated_by = by
    destination.last_tested_at, destination.last_test_ok, destination.last_test_message = None, None, ""
    destination.save()
    return destination


def _sftp_key_errors(host_key: str, private_key: str | None) -> dict:
    errors = {}
    try:
        parse_public_key_line(host_key)
    except ValueError as error:
        errors["host_key"] = [f"Pin the SFTP server's host key. {error}"]
    if private_key and private_key.strip():
        try:
            load_private_key(private_key.strip() + "\n")
        except ValueError as error:
            errors["private_key"] = [str(error)]
    return errors


def _read_pgp_key(armored: str, third_party: ThirdParty, errors: dict) -> PublicKey | None:
    try:
        key = read_public_key(armored)
    except PgpError as error:
        errors["pgp_public_key"] = [error.message]
        return None
    reason = expired_key_reason(fingerprint=key.fingerprint, expires_at=key.expires_at, owner=third_party.name)
    if reason:
        errors["pgp_public_key"] = [reason]
    elif not key.can_encrypt:
        errors["pgp_public_key"] = [f"The key {key.fingerprint} has no encryption (sub)key."]
    return key


def test_delivery_settings(*, by: User | None, third_party: ThirdParty | None = None) -> DeliveryDestination:
    """Try the destination now and record the outcome (shown next to the settings)."""
    third_party = acting_third_party(by, third_party)
    require_admin(by, third_party)
    destination = destination_for(third_party)
    try:
        ok, message = True, test_connection(destination)
    except DeliveryError as error:
        ok, message = False, error.message
    destination.last_tested_at, destination.last_test_ok, destination.last_test_message = (
        timezone.now(),
        ok,
        message[:500],
    )
    if destination.pk:
        destination.save(update_fields=["last_tested_at", "last_test_ok", "last_test_message", "updated_at"])
    return destination
