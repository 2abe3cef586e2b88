"""The checks a new invitation passes before anything is saved or e-mailed: its ESIIDs and terms,
the one customer they identify (one generic answer for any mismatch), the third party's brands, and
a device that is not joined elsewhere."""

import hmac

from django.core.exceptions import ValidationError

from meters.models import InHomeDevice, Occupancy, Premise
from meters.validators import normalize_esiid, normalize_install_code, normalize_mac, validate_esiid
from portal.models import ThirdParty, User

from ..models import ONE_TIME_KINDS, AgreementType, DurationKind
from ._common import AgreementError, clean_months

MISMATCH_MESSAGE = "The ESIIDs and the authorization code or e-mail do not match our records."
MAX_ESIIDS = 100


def mismatch() -> AgreementError:
    # One answer for every mismatch, so that nobody learns whether an ESIID exists or whose it is.
    return AgreementError("customer_mismatch", MISMATCH_MESSAGE)


def clean_esiids(esiids) -> list[str]:
    if isinstance(esiids, str):
        esiids = esiids.replace(",", " ").split()
    cleaned = []
    for raw in esiids or []:
        esiid = normalize_esiid(raw)
        try:
            validate_esiid(esiid)
        except ValidationError as error:
            raise AgreementError(
                "invalid_esiid", f"{esiid or 'An empty value'}: {error.messages[0]}", fields={"esiids": error.messages}
            ) from error
        if esiid not in cleaned:
            cleaned.append(esiid)
    if not cleaned:
        raise AgreementError("esiids_required", "Name at least one ESIID.", fields={"esiids": ["Required."]})
    if len(cleaned) > MAX_ESIIDS:
        message = f"An invitation names at most {MAX_ESIIDS} ESIIDs."
        raise AgreementError("too_many_esiids", message, fields={"esiids": [message]})
    return cleaned


def clean_terms(*, agreement_type, duration_kind, one_time_kind, months, device) -> dict:
    """The type-specific fields of an invitation, validated; the fields of other types are blanked."""
    terms = {
        "duration_kind": "",
        "one_time_kind": "",
        "months": None,
        "device_mac": "",
        "device_install_code": "",
        "device_type": "",
        "device_description": "",
    }
    if agreement_type not in AgreementType.values:
        raise AgreementError(
            "invalid_type", "Choose an agreement type.", fields={"agreement_type": ["Choose a valid type."]}
        )
    if agreement_type == AgreementType.ENERGY_DATA:
        if duration_kind == DurationKind.ONE_TIME:
            if one_time_kind not in ONE_TIME_KINDS:
                message = "Choose 15-minute, daily or monthly usage for one-time access."
                raise AgreementError("invalid_one_time_kind", message, fields={"one_time_kind": [message]})
            terms.update(duration_kind=duration_kind, one_time_kind=one_time_kind)
        elif duration_kind == DurationKind.CONTINUOUS:
            terms.update(duration_kind=duration_kind, months=clean_months(months))
        else:
            message = "Choose one-time or continuous access."
            raise AgreementError("invalid_duration", message, fields={"duration_kind": [message]})
        return terms
    errors = {}
    try:
        terms["device_mac"] = normalize_mac(device.get("mac", ""))
    except ValidationError as error:
        errors["device_mac"] = error.messages
    try:
        terms["device_install_code"] = normalize_install_code(device.get("install_code", ""))
    except ValidationError as error:
        errors["device_install_code"] = error.messages
    if device.get("type") not in InHomeDevice.DeviceType.values:
        errors["device_type"] = ["Choose the type of device."]
    description = (device.get("description") or "").strip()
    if len(description) > 200:
        errors["device_description"] = ["At most 200 characters."]
    if errors:
        first = next(iter(errors.values()))[0]
        raise AgreementError("invalid_device", first, fields=errors)
    terms.update(device_type=device["type"], device_description=description)
    return terms


def match_customer(esiids: list[str], authorization_code: str, email: str) -> tuple[list[Premise], User]:
    """The one customer who lives at every ESIID now and matches the code or e-mail given."""
    premises = list(Premise.objects.filter(esiid__in=esiids).select_related("label_partner"))
    if len(premises) != len(esiids):
        raise mismatch()
    occupancies = list(Occupancy.objects.current().filter(premise__in=premises).select_related("customer"))
    if len(occupancies) != len(premises) or len({occupancy.customer_id for occupancy in occupancies}) != 1:
        raise mismatch()
    customer = occupancies[0].customer
    if not customer.is_active:
        raise mismatch()
    if authorization_code:
        given = authorization_code.upper().encode()
        if not all(hmac.compare_digest(o.authorization_code.strip().upper().encode(), given) for o in occupancies):
            raise mismatch()
    if email and customer.email.lower() != email:
        raise mismatch()
    return premises, customer


def check_label_partner(third_party: ThirdParty, customer: User, premises: list[Premise]) -> None:
    allowed = set(third_party.label_partners.values_list("id", flat=True))
    if not allowed:
        return
    partners = {customer.label_partner_id, *(premise.label_partner_id for premise in premises)} - {None}
    if not partners or not partners <= allowed:
        raise AgreementError(
            "label_partner_not_allowed", "Your company may not invite customers of this brand.", status_code=403
        )


def ensure_device_free(mac: str, premise: Premise) -> None:
    if (
        InHomeDevice.objects.filter(mac=mac)
        .exclude(status=InHomeDevice.Status.REMOVED)
        .exclude(premise=premise)
        .exists()
    ):
        message = "This device is joined to another home area network; remove it there first."
        raise AgreementError("device_in_use", message, fields={"device_mac": [message]}, status_code=409)
