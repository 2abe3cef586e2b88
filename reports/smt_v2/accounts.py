"""A third party's SMT v2 API set-up, kept by its admins on /reports/smt-api/: the Service ID and
DUNS its calls carry, the caller addresses allowed, and its API users (portal agents that log in
to /v2/token/ only, with a password MeterGate generates and shows once)."""

import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from oauth2_provider.models import AccessToken

from portal.models import ThirdParty, ThirdPartyMembership, User

from ..models_smt import SmtApiSettings, SmtApiUser, validate_networks
from .services import SmtError
from .tokens import CLIENT_NAME


def _require_admin(by: User, third_party: ThirdParty) -> None:
    membership = getattr(by, "third_party_membership", None)
    is_admin = membership is not None and membership.third_party_id == third_party.pk
    if not (is_admin and membership.role == ThirdPartyMembership.Role.ADMIN):
        raise SmtError("admin_only", "Only an admin of your company may change its SMT API set-up.", status_code=403)


def save_settings(*, by: User, third_party: ThirdParty, service_id: str, duns: str, allowed_networks: str = ""):
    _require_admin(by, third_party)
    service_id, duns = service_id.strip(), duns.strip()
    if not duns.isdigit() or len(duns) not in (9, 13):
        raise SmtError("invalid_duns", "A DUNS number has 9 digits (13 with a suffix).", fields={"duns": ["9 digits."]})
    if not service_id:
        raise SmtError("invalid_service_id", "Give your Service ID.", fields={"service_id": ["Required."]})
    try:
        validate_networks(allowed_networks)
    except ValidationError as error:
        raise SmtError("invalid_networks", error.messages[0], fields={"allowed_networks": error.messages}) from error
    try:
        with transaction.atomic():
            settings, _ = SmtApiSettings.objects.update_or_create(
                third_party=third_party,
                defaults={
                    "service_id": service_id,
                    "duns": duns,
                    "allowed_networks": "\n".join(allowed_networks.split()),
                },
            )
    except IntegrityError as error:
        raise SmtError("taken", "Another company already uses this Service ID or DUNS.", status_code=409) from error
    return settings


def create_api_user(*, by: User, third_party: ThirdParty, email: str, full_name: str = "") -> tuple[SmtApiUser, str]:
    """A new API user and its generated password (shown once, stored only hashed)."""
    _require_admin(by, third_party)
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise SmtError("email_taken", "This e-mail address already has an account.", fields={"email": ["Taken."]})
    password = secrets.token_urlsafe(18)
    with transaction.atomic():
        user = User.objects.create_user(email=email, password=password, full_name=full_name.strip())
        ThirdPartyMembership.objects.create(user=user, third_party=third_party, role=ThirdPartyMembership.Role.AGENT)
        api_user = SmtApiUser.objects.create(user=user, third_party=third_party, created_by=by)
    return api_user, password


def set_active(*, by: User, third_party: ThirdParty, api_user: SmtApiUser, active: bool) -> SmtApiUser:
    """Disable (its tokens die at once) or enable an API user of the company."""
    _require_admin(by, third_party)
    if api_user.third_party_id != third_party.pk:
        raise SmtError("not_found", "No such API user.", status_code=404)
    User.objects.filter(pk=api_user.user_id).update(is_active=active)
    if not active:
        AccessToken.objects.filter(user_id=api_user.user_id, application__name=CLIENT_NAME).delete()
    api_user.user.refresh_from_db()
    return api_user
