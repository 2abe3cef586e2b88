"""The CDS objects as JSON: Client, Credential and Message (WG1-02 §5.1, §7.1, §6.1), with their
URLs built for the request being answered."""

from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

from portal.models import OAuthClient

from . import clients, credentials
from .models import ClientMessage, Credential


def absolute(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs or None))


def client_object(request, client: OAuthClient) -> dict:
    code = clients.is_code_client(client)
    data = {
        "client_id": client.client_id,
        "client_id_issued_at": int(client.created.timestamp()),
        "scope": client.allowed_scopes,
        "redirect_uris": client.redirect_uris.split(),
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": clients.grant_types(client),
        "response_types": clients.response_types(client),
        "client_name": client.name or client.client_id,
        "contacts": list(client.contacts or []),
        "client_uri": client.client_uri or None,
        "logo_uri": client.logo_uri or None,
        "tos_uri": client.tos_uri or None,
        "policy_uri": client.policy_uri or None,
        "authorization_details_types": clients.authorization_details_types(client),
        "cds_created": client.created,
        "cds_modified": client.cds_modified or client.updated,
        "cds_client_uri": absolute(request, "cds-client", client_id=client.client_id),
        "cds_status": client.cds_status,
        "cds_status_options": clients.status_options(client),
        "cds_server_metadata": absolute(request, "cds-server-metadata"),
        "cds_purposes": dict(client.purposes or {}),
    }
    if code:
        data["cds_default_scope"] = client.default_scope
        data["cds_default_redirect_uri"] = client.default_redirect_uri
        data["cds_default_authorization_details"] = list(client.default_authorization_details or [])
    return data


def credential_object(request, credential: Credential, *, secret: str | None = None) -> dict:
    """`secret` is shown when just made; a server-made secret not shown yet is shown now, once.
    After that the field is left out: MeterGate keeps secrets only hashed."""
    secret = secret or credentials.reveal(credential)
    data = {
        "credential_id": credential.credential_id,
        "uri": absolute(request, "cds-credential", credential_id=credential.credential_id),
        "client_id": credential.client.client_id,
        "created": credential.created_at,
        "modified": credential.updated_at,
        "type": "client_secret",
        "client_secret_expires_at": credentials.expires_at_epoch(credential),
        "cds_secret_hint": f"…{credential.secret_hint}",
    }
    if secret:
        data["client_secret"] = secret
    return data


RELATED_NAMES = {
    "client": ("cds-client", "client_id"),
    "credential": ("cds-credential", "credential_id"),
    "message": ("cds-message", "message_id"),
    "grant": ("cds-grant", "grant_id"),
}
RELATED_LISTS = {
    "client_list": ("cds-client-list", "client_ids"),
    "credential_list": ("cds-credential-list", "credential_ids"),
    "grant_list": ("cds-grant-list", "grant_ids"),
    "message_list": ("cds-message-list", "message_ids"),
}


def related_uri(request, message: ClientMessage) -> str | None:
    if message.related_uri:
        return message.related_uri
    try:
        if message.related_type in RELATED_NAMES and message.related_id:
            name, key = RELATED_NAMES[message.related_type]
            return absolute(request, name, **{key: message.related_id})
        if message.related_type in RELATED_LISTS:
            name, key = RELATED_LISTS[message.related_type]
            query = f"?{urlencode({key: message.related_id})}" if message.related_id else ""
            return absolute(request, name) + query
    except NoReverseMatch:
        return None
    return None


def message_object(request, message: ClientMessage) -> dict:
    data = {
        "message_id": message.message_id,
        "uri": absolute(request, "cds-message", message_id=message.message_id),
        "previous_uri": absolute(request, "cds-message", message_id=message.previous.message_id)
        if message.previous_id
        else None,
        "type": message.type,
        "read": message.read,
        "creator": message.creator or None,
        "created": message.created_at,
        "modified": message.updated_at,
        "status": message.status,
        "name": message.name,
        "description": message.description,
    }
    for key in ("updates_requested", "grants_requested", "attachments"):
        value = getattr(message, key)
        if value is not None:
            data[key] = value
    uri = related_uri(request, message)
    if uri:
        data["related_uri"] = uri
        data["related_type"] = message.related_type
    return data
