"""Removing an in-home device: the customer or a third party asks, the head-end carries it out
(`meters.services`), and the agreements on the device end here, in the same transaction."""

from django.db import transaction

from meters import services as meter_services
from meters.models import InHomeDevice, RemovalReason
from portal.models import ThirdParty, User

from .. import emails
from ..models import Agreement, AgreementEvent, AgreementType
from ._common import Actor, AgreementError, not_found, resolve_actor
from .agreements import end_agreements

# What a third party may give as its reason; a move-out is recorded by the utility, not chosen.
THIRD_PARTY_REASONS = [choice for choice in RemovalReason.choices if choice[0] != RemovalReason.MOVE_OUT]
KEEP_QUESTION = "Say whether the In-Home Device agreement for this device should stay active."


def _active_on(device: InHomeDevice, agreement_type: str):
    return Agreement.objects.filter(device=device, agreement_type=agreement_type, status=Agreement.Status.ACTIVE)


def _clean_reason(reason: str, reason_text: str) -> tuple[str, str]:
    reason_text = (reason_text or "").strip()
    if reason not in dict(THIRD_PARTY_REASONS):
        message = "Choose the reason for removing the device."
        raise AgreementError("reason_required", message, fields={"reason": [message]})
    if reason == RemovalReason.OTHER and not reason_text:
        message = "Say why the device is removed."
        raise AgreementError("reason_text_required", message, fields={"reason_text": [message]})
    if len(reason_text) > 300:
        raise AgreementError("invalid_reason_text", "At most 300 characters.", fields={"reason_text": ["Too long."]})
    return reason, reason_text


def _check_customer(actor: Actor, device: InHomeDevice, keep_device_agreement: bool | None) -> None:
    if not meter_services.is_occupant(actor.user, device.premise_id):
        raise not_found("device")
    if keep_device_agreement is None and _active_on(device, AgreementType.IN_HOME_DEVICE).exists():
        raise AgreementError(
            "keep_device_agreement_required", KEEP_QUESTION, fields={"keep_device_agreement": [KEEP_QUESTION]}
        )


def _check_third_party(actor: Actor, device: InHomeDevice) -> None:
    if not actor.third_party.is_active:
        raise AgreementError("third_party_inactive", "Your company's account is not active.", status_code=403)
    covered = Agreement.objects.filter(
        device=device,
        third_party=actor.third_party,
        agreement_type__in=[AgreementType.IN_HOME_DEVICE, AgreementType.IN_HOME_DEVICE_SERVICES],
        status=Agreement.Status.ACTIVE,
    )
    if not covered.exists():
        raise not_found("device")


def _ending_reason(actor: Actor, request) -> str:
    by = f"by {actor.third_party.name}" if actor.is_third_party else "by the customer"
    why = f": {request.get_reason_display()}" if request.reason else ""
    if request.reason_text:
        why += f" ({request.reason_text})"
    return f"The device {request.device.mac} was removed from the home area network {by}{why}."


@transaction.atomic
def remove_device(
    *,
    by: User | None,
    device: InHomeDevice,
    reason: str = "",
    reason_text: str = "",
    keep_device_agreement: bool | None = None,
    third_party: ThirdParty | None = None,
) -> InHomeDevice:
    """Remove a device from a premise's HAN; the head-end is asked once this commits.

    The customer who lives there needs nobody's permission; when an In-Home Device agreement
    covers the device they say whether it stays active (`keep_device_agreement`). A third party
    with an active In-Home Device (Services) agreement on the device removes it without the
    customer but gives a reason from the fixed list (other + text). Either way every In-Home
    Device Services agreement on the device ends: its service needs the device.
    """
    actor = resolve_actor(by, third_party)
    if actor.is_customer:
        _check_customer(actor, device, keep_device_agreement)
        reason, reason_text = "", ""
    elif actor.is_third_party:
        _check_third_party(actor, device)
        reason, reason_text = _clean_reason(reason, reason_text)
    else:
        raise AgreementError(
            "forbidden", "Only the customer or a third party with an agreement may remove a device.", status_code=403
        )
    device = InHomeDevice.objects.select_for_update().select_related("premise").get(pk=device.pk)
    try:
        request = meter_services.request_removal(
            device=device,
            requested_by=actor.user,
            third_party=actor.third_party,
            reason=reason,
            reason_text=reason_text,
        )
    except meter_services.MeterError as error:
        raise AgreementError(error.code, error.message, status_code=error.status_code) from error
    ending = _active_on(device, AgreementType.IN_HOME_DEVICE_SERVICES)
    if actor.is_customer and not keep_device_agreement:
        ending = ending | _active_on(device, AgreementType.IN_HOME_DEVICE)
    ended = end_agreements(
        agreement_ids=list(ending.values_list("pk", flat=True)),
        status=Agreement.Status.TERMINATED,
        action=AgreementEvent.Action.AGREEMENT_TERMINATED,
        actor=actor,
        reason=_ending_reason(actor, request),
        at=request.created_at,
    )
    for agreement in Agreement.objects.filter(pk__in=ended).select_related("third_party", "customer"):
        emails.agreement_ended(agreement)
    device.refresh_from_db()
    return device
