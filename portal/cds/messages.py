"""Messages between MeterGate and a registration (WG1-02 §6): the server's notes and changelog,
and what a client sends (private messages, support, grant and production requests)."""

import base64
import binascii
from urllib.parse import urlparse

from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone

from .errors import CdsError, invalid
from .models import ClientMessage, ClientRegistration

# WG1-02 §6.9: the limit must be at least 10 MB of attachments.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_BODY_BYTES = 16 * 1024 * 1024

CLIENT_TYPES = {
    ClientMessage.Type.PRIVATE_MESSAGE,
    ClientMessage.Type.PRODUCTION_REQUEST,
    ClientMessage.Type.SUPPORT_REQUEST,
    ClientMessage.Type.GRANT_REQUEST,
    ClientMessage.Type.CLIENT_SUBMISSION,
}
COMPLETE_ON_CREATE = {ClientMessage.Type.PRIVATE_MESSAGE, ClientMessage.Type.CLIENT_SUBMISSION}


def notify(
    *,
    registration: ClientRegistration,
    name: str,
    description: str,
    related_type: str = "",
    related_id: str = "",
    type: str = ClientMessage.Type.PRIVATE_MESSAGE,
    status: str = ClientMessage.Status.COMPLETE,
    previous: ClientMessage | None = None,
    by=None,
    **extra,
) -> ClientMessage:
    """A message from MeterGate; unread until the client marks it read. `extra` sets other
    fields (updates_requested, related_client)."""
    now = timezone.now()
    return ClientMessage.objects.create(
        registration=registration,
        type=type,
        status=status,
        read=False,
        name=name[:500],
        description=description,
        related_type=related_type,
        related_id=related_id,
        previous=previous,
        created_by=by,
        created_at=now,
        updated_at=now,
        **extra,
    )


def object_id_from_uri(uri, url_name: str, key: str) -> str | None:
    """The id in one of our API URLs (`cds_client_uri`, a message `uri`), or None."""
    if not isinstance(uri, str) or not uri:
        return None
    try:
        match = resolve(urlparse(uri).path)
    except Resolver404:
        return None
    return match.kwargs.get(key) if match.url_name == url_name else None


def _previous(registration, data) -> ClientMessage | None:
    uri = data.get("previous_uri")
    if uri is None:
        return None
    message_id = object_id_from_uri(uri, "cds-message", "message_id")
    previous = registration.messages.filter(message_id=message_id).first() if message_id else None
    if previous is None:
        raise invalid("previous_uri", "Give the uri of one of your messages, or null.")
    return previous


def _attachments(value) -> list | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise invalid("attachments", "Give a list of {filename, mime_type, data}.")
    total = 0
    for item in value:
        if not isinstance(item, dict) or not all(
            isinstance(item.get(key), str) for key in ("filename", "mime_type", "data")
        ):
            raise invalid("attachments", "Each attachment needs filename, mime_type and Base64 data.")
        try:
            total += len(base64.b64decode(item["data"], validate=True))
        except (binascii.Error, ValueError):
            raise invalid("attachments", f"{item['filename']}: data is not Base64.") from None
    if total > MAX_ATTACHMENT_BYTES:
        raise CdsError(
            "content_too_large",
            f"Attachments may hold at most {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.",
            status_code=413,
        )
    return [{key: item[key] for key in ("filename", "mime_type", "data")} for item in value]


def _text(data, key: str, *, empty: bool = False) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise invalid(key, "Give a string.")
    if empty and value:
        raise invalid(key, "Must be an empty string for a client_submission.")
    return value


def send_from_client(*, client, data: dict) -> ClientMessage:
    """A message a client sends with its cds_client_admin token (WG1-02 §6.9)."""
    registration = client.registration
    kind = data.get("type")
    if kind not in CLIENT_TYPES:
        raise invalid("type", f"Choose one of: {', '.join(sorted(CLIENT_TYPES))}.")
    if "previous_uri" not in data:
        raise invalid("previous_uri", "Give the uri of the message you answer, or null.")
    submission = kind == ClientMessage.Type.CLIENT_SUBMISSION
    name = _text(data, "name", empty=submission)
    description = _text(data, "description", empty=submission)
    if len(name) > 500:
        raise invalid("name", "At most 500 characters.")
    previous = _previous(registration, data)
    attachments = _attachments(data.get("attachments"))
    now = timezone.now()
    message = ClientMessage(
        created_at=now,
        updated_at=now,
        registration=registration,
        type=kind,
        status=ClientMessage.Status.COMPLETE if kind in COMPLETE_ON_CREATE else ClientMessage.Status.PENDING,
        read=True,
        creator=client.client_id,
        name=name,
        description=description,
        previous=previous,
        attachments=attachments,
    )
    if submission:
        if previous is None or previous.type != ClientMessage.Type.SERVER_REQUEST:
            raise invalid("previous_uri", "A client_submission answers a server_request message.")
        updates = data.get("updates_requested")
        if not isinstance(updates, list) or not all(isinstance(item, dict) and item.get("field") for item in updates):
            raise invalid("updates_requested", "Give the list of fields you submit.")
        message.updates_requested = updates
    elif kind == ClientMessage.Type.GRANT_REQUEST:
        message.grants_requested = _grants_requested(data.get("grants_requested"))
        client_id = object_id_from_uri(data.get("related_uri"), "cds-client", "client_id")
        if data.get("related_uri") is not None:
            message.related_client = registration.clients.filter(client_id=client_id).first()
            if message.related_client is None:
                raise invalid("related_uri", "Give the cds_client_uri of one of your clients.")
            message.related_type, message.related_id = "client", client_id
    elif kind == ClientMessage.Type.PRODUCTION_REQUEST:
        message.related_client = _sandbox_client(registration, data.get("related_uri"))
        message.related_type, message.related_id = "client", message.related_client.client_id
    elif kind == ClientMessage.Type.SUPPORT_REQUEST and data.get("related_uri") is not None:
        related = data["related_uri"]
        if not isinstance(related, str) or not related.startswith(("https://", "http://")):
            raise invalid("related_uri", "Give a URL, or leave it out.")
        message.related_uri, message.related_type = related[:1000], "support"
    with transaction.atomic():
        message.save()
        if submission and previous.status == ClientMessage.Status.OPEN:
            previous.status = ClientMessage.Status.PENDING
            previous.updated_at = timezone.now()
            previous.save(update_fields=["status", "updated_at"])
    return message


def _grants_requested(value) -> list:
    if not isinstance(value, list) or not value:
        raise invalid("grants_requested", "Give at least one {scope, authorization_details}.")
    for item in value:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("scope"), str)
            and isinstance(item.get("authorization_details"), list)
        ):
            raise invalid("grants_requested", "Each entry needs a scope string and an authorization_details list.")
    return value


def _sandbox_client(registration, related_uri):
    client_id = object_id_from_uri(related_uri, "cds-client", "client_id")
    client = registration.clients.filter(client_id=client_id).first() if client_id else None
    if client is None or not client.is_sandbox:
        raise invalid("related_uri", "Give the cds_client_uri of one of your sandbox clients.")
    pending = registration.messages.filter(
        type=ClientMessage.Type.PRODUCTION_REQUEST, related_client=client, status=ClientMessage.Status.PENDING
    )
    if pending.exists():
        raise CdsError(
            "already_requested", "Production access for this client is already being reviewed.", status_code=409
        )
    if client.production_clients.exists():
        raise CdsError("already_in_production", "This client already has a production twin.", status_code=409)
    return client


def set_read(*, message: ClientMessage, read) -> ClientMessage:
    if not isinstance(read, bool):
        raise invalid("read", "Give true or false.")
    if message.read != read:
        message.read = read
        message.updated_at = timezone.now()
        message.save(update_fields=["read", "updated_at"])
    return message


def reply(*, by, message: ClientMessage, text: str, status: str | None = None, **extra) -> ClientMessage:
    """Staff answer a client's message; a status closes the request it answers."""
    kind = ClientMessage.Type.REQUEST_UPDATE if status else ClientMessage.Type.PRIVATE_MESSAGE
    with transaction.atomic():
        if status:
            message.status = status
            message.updated_at = timezone.now()
            message.save(update_fields=["status", "updated_at"])
        return notify(
            registration=message.registration,
            name=f"Re: {message.name or message.get_type_display()}",
            description=text,
            type=kind,
            status=status or ClientMessage.Status.COMPLETE,
            previous=message,
            by=by,
            **extra,
        )
