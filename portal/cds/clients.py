"""Client objects (WG1-02 §5): what a client is in CDS terms, the client set a registration makes,
updates by PUT, status changes and production approval."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.validators import AllowedURIValidator

from portal.models import OAuthClient

from . import credentials, messages, rar, scopes
from .errors import CdsError, invalid
from .models import ClientMessage

CODE = OAuthClient.GRANT_AUTHORIZATION_CODE
MACHINE = OAuthClient.GRANT_CLIENT_CREDENTIALS
GROUP_LABELS = {
    scopes.ADMIN: "client admin",
    scopes.GRANT_ADMIN_GROUP: "grant admin",
    scopes.CONSENT: "customer consent",
    scopes.DIRECT: "direct access",
    scopes.MACHINE: "third-party API",
}


def default_redirect_uri(site: str) -> str:
    """The page MeterGate hosts for clients without a redirect endpoint: it shows the receipt
    after an approval and the error otherwise (WG1-02 §4.2)."""
    return f"{site.rstrip('/')}{reverse('oauth-default-redirect')}"


def group_of(client: OAuthClient) -> str:
    groups = {scopes.SCOPES[scope].group for scope in client.allowed_scope_set if scope in scopes.SCOPES}
    return groups.pop() if len(groups) == 1 else ""


def is_admin(client: OAuthClient) -> bool:
    return scopes.CLIENT_ADMIN in client.allowed_scope_set


def is_code_client(client: OAuthClient) -> bool:
    return client.authorization_grant_type == CODE


def status_options(client: OAuthClient) -> list[str]:
    # The admin client may not disable itself; every other client may (WG1-02 §5.1).
    return [client.environment] if is_admin(client) else [client.environment, OAuthClient.Status.DISABLED]


def grant_types(client: OAuthClient) -> list[str]:
    return list(scopes.CODE_GRANTS) if is_code_client(client) else list(scopes.MACHINE_GRANTS)


def response_types(client: OAuthClient) -> list[str]:
    return ["code"] if is_code_client(client) else []


def authorization_details_types(client: OAuthClient) -> list[str]:
    return sorted(
        detail_type
        for scope in client.allowed_scope_set
        if scope in scopes.SCOPES
        for detail_type in scopes.SCOPES[scope].authorization_details_types
    )


def build_client(*, registration, group: str, scope_ids: list[str], name: str, environment: str, site: str, user=None):
    """One client of a registration's set, with a credential whose secret waits to be shown."""
    code = group == scopes.CONSENT
    redirect = default_redirect_uri(site) if code else ""
    now = timezone.now()
    client = OAuthClient.objects.create(
        registration=registration,
        third_party=registration.third_party,
        user=user,
        name=name,
        client_type=OAuthClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=CODE if code else MACHINE,
        allowed_scopes=" ".join(scope_ids),
        environment=environment,
        cds_status=environment,
        redirect_uris=redirect,
        default_scope=" ".join(scope_ids) if code else "",
        default_redirect_uri=redirect,
        registration_source=OAuthClient.RegistrationSource.DCR
        if registration.source == registration.Source.DYNAMIC
        else OAuthClient.RegistrationSource.MANUAL,
        cds_modified=now,
    )
    credentials.create_credential(client=client, reveal_now=False, announce=False)
    return client


def _urls(value, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise invalid(field, "Give a list of URLs.")
    validator = AllowedURIValidator(
        set(oauth2_settings.ALLOWED_REDIRECT_URI_SCHEMES), name="redirect uri", allow_path=True, allow_query=True
    )
    for uri in value:
        try:
            validator(uri)
        except Exception:  # noqa: BLE001 - Django's ValidationError: the message is ours
            raise invalid(field, f"{uri!r} is not an allowed absolute URL without a fragment.") from None
    return value


def _url(value, field: str) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not value.startswith(("https://", "http://")) or len(value) > 200:
        raise invalid(field, "Give an http(s) URL of at most 200 characters, or null.")
    return value


def _purposes(value, client_scopes: set[str]) -> dict:
    if value in (None, {}):
        return {}
    if not isinstance(value, dict):
        raise invalid("cds_purposes", "Give a map of purpose id -> purpose.")
    cleaned = {}
    for key, purpose in value.items():
        if not isinstance(purpose, dict) or purpose.get("id") != key:
            raise invalid("cds_purposes", f"{key}: each purpose repeats its id.")
        content, name = purpose.get("content"), purpose.get("name")
        if not isinstance(content, str) or not isinstance(name, str) or not content.strip() or len(content) > 4000:
            raise invalid("cds_purposes", f"{key}: name and content (at most 4000 characters) are required.")
        supported = purpose.get("scopes_supported", [])
        if not isinstance(supported, list) or not set(supported) <= client_scopes:
            raise invalid("cds_purposes", f"{key}: scopes_supported must be scopes of this client.")
        related_uri = purpose.get("related_uri")
        cleaned[key] = {
            "id": key,
            "name": name[:200],
            "content": content,
            "related_uri": _url(related_uri, "cds_purposes") or None,
            "related_name": str(purpose.get("related_name") or "")[:200],
            "scopes_supported": supported,
        }
    return cleaned


IMMUTABLE = (
    "client_id",
    "client_id_issued_at",
    "grant_types",
    "response_types",
    "token_endpoint_auth_method",
    "cds_created",
    "cds_modified",
    "cds_client_uri",
    "cds_server_metadata",
    "cds_status_options",
    "authorization_details_types",
)


def update_client(*, client: OAuthClient, data: dict, current: dict, site: str) -> tuple[OAuthClient, bool]:
    """PUT a client object (RFC 7592 §2.2, WG1-02 §5.5). `current` is the object as last shown.
    Fields left out go back to their defaults. Returns the client and whether part of the change
    (a wider scope) waits for staff review."""
    if not isinstance(data, dict):
        raise CdsError("invalid", "Give the client object as a JSON object.")
    for key in ("client_secret", "client_secret_expires_at"):
        if key in data:
            raise invalid(key, "Secrets are managed through the Credentials API.")
    for key in IMMUTABLE:
        if key in data and data[key] != current.get(key):
            raise invalid(key, "This field is set by MeterGate and cannot change.")
    code = is_code_client(client)
    original_scope = client.allowed_scopes
    scope_text = data.get("scope", client.allowed_scopes)
    if not isinstance(scope_text, str) or not scope_text.split():
        raise invalid("scope", "Give a space-separated list of scopes.")
    requested_order = list(dict.fromkeys(scope_text.split()))
    requested = set(requested_order)
    group = group_of(client)
    unknown = [scope for scope in requested if scope not in scopes.SCOPES or scopes.SCOPES[scope].group != group]
    if unknown:
        raise invalid("scope", f"Not scopes this client can hold: {', '.join(sorted(unknown))}.")
    widened = requested - client.allowed_scope_set
    kept = requested & client.allowed_scope_set
    if not kept:
        raise invalid("scope", "Keep at least one of the client's current scopes.")

    redirect_uris = _urls(data.get("redirect_uris", [default_redirect_uri(site)] if code else []), "redirect_uris")
    if redirect_uris and not code:
        raise invalid("redirect_uris", "Only clients with response types take redirect URIs.")
    status = data.get("cds_status", client.environment)
    if status not in status_options(client):
        raise invalid("cds_status", f"Choose one of: {', '.join(status_options(client))}.")
    contacts = data.get("contacts") or []
    if not isinstance(contacts, list) or not all(isinstance(item, str) and "@" in item for item in contacts):
        raise invalid("contacts", "Give a list of e-mail addresses.")
    name = data.get("client_name") or client.client_id
    if not isinstance(name, str) or len(name) > 255:
        raise invalid("client_name", "Give a name of at most 255 characters.")

    defaults = _defaults(client, data, kept, redirect_uris, code)
    purposes = _purposes(data.get("cds_purposes"), kept | widened)
    with transaction.atomic():
        client.redirect_uris = " ".join(redirect_uris)
        client.name = name
        client.client_uri = _url(data.get("client_uri"), "client_uri")
        client.logo_uri = _url(data.get("logo_uri"), "logo_uri")
        client.tos_uri = _url(data.get("tos_uri"), "tos_uri")
        client.policy_uri = _url(data.get("policy_uri"), "policy_uri")
        client.contacts = contacts
        client.allowed_scopes = " ".join(scope for scope in requested_order if scope in kept)
        client.default_scope, client.default_redirect_uri, client.default_authorization_details = defaults
        client.purposes = purposes
        client.cds_modified = timezone.now()
        client.save()
        _apply_status(client, status)
        messages.notify(
            registration=client.registration,
            name="Client updated",
            description=f"Client {client.client_id} was updated.",
            related_type="client",
            related_id=client.client_id,
        )
        if widened:
            messages.notify(
                registration=client.registration,
                type=ClientMessage.Type.FIELD_CHANGES,
                status=ClientMessage.Status.PENDING,
                name="Scope change awaiting review",
                description="MeterGate staff review new scopes before the client may use them.",
                related_type="client",
                related_id=client.client_id,
                related_client=client,
                updates_requested=[
                    {"field": "scope", "previous_value": original_scope, "new_value": " ".join(requested_order)}
                ],
            )
    return client, bool(widened)


def _defaults(client, data, scope_ids: set[str], redirect_uris: list[str], code: bool):
    if not code:
        for key in ("cds_default_scope", "cds_default_redirect_uri", "cds_default_authorization_details"):
            if data.get(key) not in (None, "", []):
                raise invalid(key, "Only clients with response types have authorization defaults.")
        return "", "", []
    default_scope = data.get("cds_default_scope") or " ".join(sorted(scope_ids))
    if not isinstance(default_scope, str) or not set(default_scope.split()) <= scope_ids:
        raise invalid("cds_default_scope", "Give scopes of this client.")
    default_redirect = data.get("cds_default_redirect_uri")
    if default_redirect in (None, ""):
        default_redirect = redirect_uris[0] if redirect_uris else ""
    if redirect_uris and default_redirect not in redirect_uris:
        raise invalid("cds_default_redirect_uri", "Give one of the client's redirect_uris.")
    details = data.get("cds_default_authorization_details") or []
    rar.parse(details, allowed_types=scope_ids, field="cds_default_authorization_details")
    return default_scope, default_redirect, details


def _apply_status(client: OAuthClient, status: str) -> None:
    if status == client.cds_status:
        return
    client.cds_status = status
    client.disabled_at = timezone.now() if status == OAuthClient.Status.DISABLED else None
    client.save(update_fields=["cds_status", "disabled_at"])
    if status == OAuthClient.Status.DISABLED:
        revoke_client_tokens(client)


def set_status(*, client: OAuthClient, status: str) -> OAuthClient:
    if status not in status_options(client):
        raise invalid("cds_status", f"Choose one of: {', '.join(status_options(client))}.")
    with transaction.atomic():
        _apply_status(client, status)
        client.cds_modified = timezone.now()
        client.save(update_fields=["cds_modified"])
        messages.notify(
            registration=client.registration,
            name="Client status changed",
            description=f"Client {client.client_id} is now {client.get_cds_status_display().lower()}.",
            related_type="client",
            related_id=client.client_id,
        )
    return client


def revoke_client_tokens(client: OAuthClient) -> None:
    """Every refresh and access token of the client, set-based."""
    now = timezone.now()
    get_refresh_token_model().objects.filter(application=client, revoked__isnull=True).update(revoked=now, updated=now)
    get_access_token_model().objects.filter(application=client).delete()


def approve_field_changes(*, by, message: ClientMessage) -> OAuthClient:
    """Staff accept a client's wider scope."""
    client = message.related_client
    if message.type != ClientMessage.Type.FIELD_CHANGES or not message.is_outstanding or client is None:
        raise CdsError("not_pending", "Only a pending field change can be approved.", status_code=409)
    change = next(item for item in message.updates_requested or [] if item.get("field") == "scope")
    with transaction.atomic():
        client.allowed_scopes = change["new_value"]
        client.cds_modified = timezone.now()
        client.save(update_fields=["allowed_scopes", "cds_modified"])
        messages.reply(
            by=by, message=message, text="The new scopes are approved.", status=ClientMessage.Status.COMPLETE
        )
    return client


def approve_production_request(*, by, message: ClientMessage, site: str) -> OAuthClient:
    """Staff approve production access: a production twin of the sandbox client (and of the grant
    admin client when the registration has none in production yet), each with a new credential."""
    sandbox = message.related_client
    if message.type != ClientMessage.Type.PRODUCTION_REQUEST or not message.is_outstanding or sandbox is None:
        raise CdsError("not_pending", "Only a pending production request can be approved.", status_code=409)
    registration = message.registration
    with transaction.atomic():
        twin = _twin(sandbox, site)
        if is_code_client(sandbox):
            grant_admins = registration.clients.filter(allowed_scopes=scopes.GRANT_ADMIN)
            if not grant_admins.filter(environment=OAuthClient.Status.PRODUCTION).exists():
                existing = grant_admins.first()
                if existing is not None:
                    _twin(existing, site)
        messages.reply(
            by=by,
            message=message,
            text=f"Production access approved: use client {twin.client_id} with the credential listed for it.",
            status=ClientMessage.Status.COMPLETE,
            related_type="client",
            related_id=twin.client_id,
            related_client=twin,
        )
    return twin


REVIEWED = (ClientMessage.Type.PRODUCTION_REQUEST, ClientMessage.Type.FIELD_CHANGES, ClientMessage.Type.GRANT_REQUEST)


def reject_request(*, by, message: ClientMessage, reason: str) -> None:
    """Staff turn down a production request, a scope change or a grant request, saying why."""
    if message.type not in REVIEWED or not message.is_outstanding:
        raise CdsError("not_pending", "Only a pending request can be rejected.", status_code=409)
    if not reason.strip():
        raise invalid("reason", "Say why the request is rejected.")
    messages.reply(by=by, message=message, text=reason, status=ClientMessage.Status.REJECTED)


def _twin(sandbox: OAuthClient, site: str) -> OAuthClient:
    group = group_of(sandbox)
    twin = build_client(
        registration=sandbox.registration,
        group=group,
        scope_ids=sandbox.allowed_scopes.split(),
        name=sandbox.name,
        environment=OAuthClient.Status.PRODUCTION,
        site=site,
        user=sandbox.user,
    )
    for field in ("client_uri", "logo_uri", "tos_uri", "policy_uri", "contacts", "purposes"):
        setattr(twin, field, getattr(sandbox, field))
    if is_code_client(sandbox):
        twin.redirect_uris = sandbox.redirect_uris
        twin.default_scope = sandbox.default_scope
        twin.default_redirect_uri = sandbox.default_redirect_uri
        twin.default_authorization_details = sandbox.default_authorization_details
    twin.production_of = sandbox
    twin.save()
    messages.notify(
        registration=sandbox.registration,
        name="Client added",
        description=f"Production client {twin.client_id} was created from sandbox client {sandbox.client_id}.",
        related_type="client",
        related_id=twin.client_id,
    )
    return twin
