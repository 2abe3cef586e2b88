"""A third party's delivery settings: only its admins change them; the password is stored
encrypted and never shown back; "test connection" logs in and writes a small file."""

from django.db import transaction
from django.utils import timezone

from portal.models import ThirdParty, User

from .. import secrets
from ..delivery import DeliveryError, destination_for, test_connection
from ..models import DeliveryDestination
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
) -> DeliveryDestination:
    """Create or change the third party's destination. `password` None keeps the stored one."""
    third_party = acting_third_party(by, third_party)
    require_admin(by, third_party)
    if backend not in (DeliveryDestination.Backend.FTPS, DeliveryDestination.Backend.FOLDER):
        message = "Choose FTPS or the local folder; object storage is set up by the utility."
        raise ReportError("invalid_backend", message, fields={"backend": [message]})
    destination = DeliveryDestination.objects.select_for_update().filter(third_party=third_party).first()
    destination = destination or DeliveryDestination(third_party=third_party)
    if backend == DeliveryDestination.Backend.FTPS:
        errors = {}
        if not host.strip():
            errors["host"] = ["Give the FTPS server's host name."]
        if not username.strip():
            errors["username"] = ["Give the FTPS user name."]
        if not (password or destination.password_encrypted):
            errors["password"] = ["Give the FTPS password."]
        if not 1 <= int(port) <= 65535:
            errors["port"] = ["A port is 1 to 65535."]
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
    destination.updated_by = by
    destination.last_tested_at, destination.last_test_ok, destination.last_test_message = None, None, ""
    destination.save()
    return destination


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
