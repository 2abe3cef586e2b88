"""Registration (WG1-02 §4): from the requested scopes and registration fields to a third party
and its client set — an admin client, a client per compatible scope group, a grant admin client
for consent scopes, and a credential each. Clients with data scopes start in the sandbox."""

import re
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction

from portal.models import OAuthClient, ThirdParty, User

from . import clients, credentials, messages, scopes
from .errors import CdsError
from .models import ClientRegistration

GROUP_ORDER = (scopes.CONSENT, scopes.DIRECT, scopes.MACHINE)


def metadata_error(message: str, field_name: str = "") -> CdsError:
    fields = {field_name: [message]} if field_name else {}
    return CdsError("invalid_client_metadata", message, fields=fields)


@dataclass
class Registered:
    registration: ClientRegistration
    admin_client: OAuthClient
    clients: list[OAuthClient] = field(default_factory=list)
    # client_id -> secret, for the secrets shown right now (never stored readable).
    secrets: dict[str, str] = field(default_factory=dict)


def requested_scopes(scope_text) -> list[str]:
    """The scopes asked for, checked: cds_client_admin among them, every one described, none
    reserved for the utility (WG1-02 §4.1: anything else is a 400)."""
    if not isinstance(scope_text, str) or not scope_text.split():
        raise metadata_error("scope is required and must include cds_client_admin.", "scope")
    requested = list(dict.fromkeys(scope_text.split()))
    if scopes.CLIENT_ADMIN not in requested:
        raise metadata_error("scope must include cds_client_admin to register the CDS way.", "scope")
    unknown = [scope for scope in requested if scope not in scopes.SCOPES]
    if unknown:
        raise metadata_error(f"Unknown scopes: {', '.join(unknown)}.", "scope")
    reserved = [scope for scope in requested if scopes.SCOPES[scope].group == scopes.UTILITY]
    if reserved:
        raise metadata_error(f"Only the utility's own systems hold: {', '.join(reserved)}.", "scope")
    return requested


def _field_value(item: scopes.RegistrationField, value):
    if value is None:
        if item.format.endswith("_or_null"):
            return None
        raise metadata_error(f"{item.field_name} is required.", item.field_name)
    if not isinstance(value, str) or (item.max_length and len(value) > item.max_length):
        raise metadata_error(
            f"{item.field_name} must be text of at most {item.max_length} characters.", item.field_name
        )
    value = value.strip()
    try:
        if item.format.startswith("email"):
            EmailValidator()(value)
        elif item.format.startswith("url"):
            URLValidator(schemes=["https", "http"])(value)
        elif not value:
            raise ValidationError("empty")
    except ValidationError:
        raise metadata_error(
            f"{item.field_name} is not a valid {item.format.removesuffix('_or_null')}.", item.field_name
        ) from None
    return value


def registration_fields(requested: list[str], submitted: dict, *, required: bool) -> dict:
    """The cds_* fields the scopes require or allow, checked; `required` is False when the
    company is already known (a logged-in third-party admin registers)."""
    wanted = {}
    for scope_id in requested:
        scope = scopes.SCOPES[scope_id]
        for key in scope.registration_requirements:
            wanted[key] = wanted.get(key, False) or True
        for key in scope.registration_optional:
            wanted.setdefault(key, False)
    values = {}
    for key, must in wanted.items():
        item = scopes.REGISTRATION_FIELDS[key]
        if item.type != "registration_field":
            continue
        if item.field_name in submitted:
            values[item.field_name] = _field_value(item, submitted[item.field_name])
        elif must and required and not item.optional:
            raise metadata_error(f"{item.field_name} is required for the scopes asked for.", item.field_name)
    return values


def _third_party(values: dict, client_name: str, contacts: list[str]) -> ThirdParty:
    number = values.get("cds_company_registration_number") or f"CDS-{secrets.token_hex(6).upper()}"
    if ThirdParty.objects.filter(registration_number__iexact=number).exists():
        raise metadata_error(
            "A company with this registration number is already registered: its admin registers clients "
            "on the registration page after logging in.",
            "cds_company_registration_number",
        )
    return ThirdParty.objects.create(
        name=values.get("cds_company_name") or client_name,
        registration_number=number,
        website=values.get("cds_website") or "",
        privacy_policy_url=values.get("cds_privacy_policy_url") or "",
        contact_email=values.get("cds_contact_email") or (contacts[0] if contacts else ""),
    )


def clean_contacts(value) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise metadata_error("contacts must be a list of e-mail addresses.", "contacts")
    for item in value:
        try:
            EmailValidator()(item)
        except ValidationError:
            raise metadata_error(f"{item!r} is not an e-mail address.", "contacts") from None
    return value


def clean_client_name(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 255 or re.search(r"[\x00-\x1f]", value):
        raise metadata_error("client_name must be text of at most 255 characters.", "client_name")
    return value.strip()


def register(
    *,
    scope: str,
    submitted: dict,
    source: str,
    site: str,
    by: User | None = None,
    third_party: ThirdParty | None = None,
    reveal_all: bool = False,
) -> Registered:
    """Register a client set. `submitted` holds client_name, contacts and the cds_* fields.
    With `reveal_all` (the registration page) every secret is returned to show once; otherwise
    only the admin client's (the registration response) and the rest wait in the Credentials API."""
    requested = requested_scopes(scope)
    contacts = clean_contacts(submitted.get("contacts"))
    values = registration_fields(requested, submitted, required=third_party is None)
    client_name = clean_client_name(submitted.get("client_name")) or values.get("cds_company_name") or ""
    if third_party is None and not client_name:
        raise metadata_error("Give a client_name or cds_company_name.", "client_name")
    with transaction.atomic():
        third_party = third_party or _third_party(values, client_name, contacts)
        client_name = client_name or third_party.name
        registration = ClientRegistration.objects.create(
            third_party=third_party, source=source, created_by=by, client_name=client_name, fields=values
        )
        admin = clients.build_client(
            registration=registration,
            group=scopes.ADMIN,
            scope_ids=[scopes.CLIENT_ADMIN],
            name=client_name,
            environment=OAuthClient.Status.PRODUCTION,
            site=site,
            user=by,
        )
        admin.contacts = contacts
        admin.save(update_fields=["contacts"])
        made = [admin]
        for group in GROUP_ORDER:
            group_scopes = [scope_id for scope_id in requested if scopes.SCOPES[scope_id].group == group]
            if group_scopes:
                made.append(_client(registration, group, group_scopes, client_name, site, by, contacts))
        wants_grant_admin = scopes.GRANT_ADMIN in requested or any(
            scopes.SCOPES[scope_id].grant_admin_scope for scope_id in requested
        )
        if wants_grant_admin:
            made.append(
                _client(registration, scopes.GRANT_ADMIN_GROUP, [scopes.GRANT_ADMIN], client_name, site, by, contacts)
            )
        shown = {}
        for client in made if reveal_all else [admin]:
            secret = credentials.reveal(client.credentials.get())
            if secret:
                shown[client.client_id] = secret
        messages.notify(
            registration=registration,
            name="Welcome to MeterGate",
            description=(
                "Your clients are registered. Clients with data scopes work in the sandbox, with the test "
                "accounts only; send a production_request message for each one you want in production."
            ),
            related_type="client_list",
        )
    return Registered(registration=registration, admin_client=admin, clients=made, secrets=shown)


def _client(registration, group, scope_ids, name, site, by, contacts) -> OAuthClient:
    client = clients.build_client(
        registration=registration,
        group=group,
        scope_ids=scope_ids,
        name=name,
        environment=OAuthClient.Status.SANDBOX,
        site=site,
        user=by,
    )
    client.contacts = contacts
    client.save(update_fields=["contacts"])
    return client
