"""Webhook events of the consent workflow: what a third party's endpoints hear about its
invitations, agreements and extension requests. Called by the services inside their transaction;
`portal.webhooks.services.emit` sends once it commits."""

from portal.webhooks.events import Event
from portal.webhooks.services import anyone_listens, emit

from .models import Agreement, AgreementInvitation, ExtensionRequest


def _esiids(subject) -> list[str]:
    return sorted(subject.premises.values_list("esiid", flat=True))


def _invitation(invitation: AgreementInvitation) -> dict:
    return {
        "number": invitation.number,
        "type": invitation.agreement_type,
        "status": invitation.status,
        "esiids": _esiids(invitation),
        "answered_at": invitation.answered_at,
        "expires_at": invitation.expires_at,
    }


def _agreement(agreement: Agreement) -> dict:
    return {
        "number": agreement.number,
        "type": agreement.agreement_type,
        "source": agreement.source,  # "direct": staff-approved direct access, no customer
        "status": agreement.status,
        "esiids": _esiids(agreement),
        "data_kinds": agreement.data_kinds,
        "starts_at": agreement.starts_at,
        "ends_at": agreement.ends_at,
        "ended_at": agreement.ended_at,
        "ended_by": agreement.ended_by_role,
        "end_reason": agreement.end_reason,
    }


def invitation_accepted(invitation: AgreementInvitation, agreement: Agreement) -> None:
    payload = {"invitation": _invitation(invitation), "agreement": _agreement(agreement)}
    emit(Event.INVITATION_ACCEPTED, third_party=invitation.third_party_id, payload=payload)


def invitation_rejected(invitation: AgreementInvitation) -> None:
    payload = {"invitation": {**_invitation(invitation), "reason": invitation.rejection_reason}}
    emit(Event.INVITATION_REJECTED, third_party=invitation.third_party_id, payload=payload)


def invitations_expired(invitation_ids: list[int]) -> None:
    if not invitation_ids or not anyone_listens(Event.INVITATION_EXPIRED):
        return
    for invitation in AgreementInvitation.objects.filter(pk__in=invitation_ids).prefetch_related("premises"):
        emit(
            Event.INVITATION_EXPIRED,
            third_party=invitation.third_party_id,
            payload={"invitation": _invitation(invitation)},
        )


def agreements_ended(agreement_ids: list[int]) -> None:
    """Terminated or expired (by the sweep, on completion of one-time access, by staff)."""
    events = (Event.AGREEMENT_TERMINATED, Event.AGREEMENT_EXPIRED)
    if not agreement_ids or not anyone_listens(*events):
        return
    for agreement in Agreement.objects.filter(pk__in=agreement_ids).prefetch_related("premises"):
        event = (
            Event.AGREEMENT_TERMINATED if agreement.status == Agreement.Status.TERMINATED else Event.AGREEMENT_EXPIRED
        )
        emit(event, third_party=agreement.third_party_id, payload={"agreement": _agreement(agreement)})


def agreement_extended(agreement: Agreement, *, months: int) -> None:
    payload = {"agreement": _agreement(agreement), "months": months}
    emit(Event.AGREEMENT_EXTENDED, third_party=agreement.third_party_id, payload=payload)


def extension_answered(extension_request: ExtensionRequest) -> None:
    agreement = extension_request.agreement
    payload = {
        "extension_request": {
            "id": extension_request.pk,
            "months": extension_request.months,
            "answer": extension_request.status,  # accepted | rejected
            "answered_at": extension_request.answered_at,
            "reason": extension_request.rejection_reason,
        },
        "agreement": _agreement(agreement),
    }
    emit(Event.EXTENSION_ANSWERED, third_party=agreement.third_party_id, payload=payload)
