"""Invitations: a third party asks, the customer accepts or rejects within 30 days."""

import hmac
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from meters import services as meter_services
from meters.models import HanDeviceEvent, InHomeDevice, Occupancy, Premise
from portal.models import ThirdParty, User

from .. import emails, webhooks
from ..models import (
    DEVICE_TYPES,
    Agreement,
    AgreementEvent,
    AgreementInvitation,
    AgreementType,
    DataKind,
    DurationKind,
    IdentifiedBy,
)
from ._common import (
    HISTORY_MONTHS,
    ONE_TIME_DAYS,
    AgreementError,
    add_months,
    event,
    not_found,
    require_third_party,
    resolve_actor,
)
from .invitation_checks import check_label_partner, clean_esiids, clean_terms, ensure_device_free, match_customer

Action = AgreementEvent.Action


@transaction.atomic
def create_invitation(
    *,
    by: User | None,
    third_party: ThirdParty | None = None,
    agreement_type: str,
    esiids,
    authorization_code: str = "",
    customer_email: str = "",
    duration_kind: str = "",
    one_time_kind: str = "",
    months: int | None = None,
    device_mac: str = "",
    device_install_code: str = "",
    device_type: str = "",
    device_description: str = "",
) -> AgreementInvitation:
    """Validate everything, then record the invitation and e-mail the customer (on commit)."""
    actor = resolve_actor(by, third_party)
    if not actor.is_third_party:
        raise AgreementError("forbidden", "Only a third party may invite customers.", status_code=403)
    third_party = actor.third_party
    if not third_party.is_active:
        raise AgreementError("third_party_inactive", "Your company's account is not active.", status_code=403)
    terms = clean_terms(
        agreement_type=agreement_type,
        duration_kind=duration_kind,
        one_time_kind=one_time_kind,
        months=months,
        device={
            "mac": device_mac,
            "install_code": device_install_code,
            "type": device_type,
            "description": device_description,
        },
    )
    esiid_list = clean_esiids(esiids)
    authorization_code = (authorization_code or "").strip()
    customer_email = (customer_email or "").strip().lower()
    if not authorization_code and not customer_email:
        message = "Give the customer's account authorization code or e-mail address."
        raise AgreementError(
            "customer_identification_required",
            message,
            fields={"authorization_code": [message], "customer_email": [message]},
        )
    if agreement_type in DEVICE_TYPES and len(esiid_list) != 1:
        message = "A device agreement names exactly one ESIID: the premise whose network the device joins."
        raise AgreementError("one_esiid_for_device", message, fields={"esiids": [message]})
    premises, customer = match_customer(esiid_list, authorization_code, customer_email)
    check_label_partner(third_party, customer, premises)
    if terms["device_mac"]:
        ensure_device_free(terms["device_mac"], premises[0])
    if AgreementInvitation.objects.filter(
        third_party=third_party,
        agreement_type=agreement_type,
        status=AgreementInvitation.Status.PENDING,
        premises__in=premises,
    ).exists():
        raise AgreementError(
            "invitation_pending",
            "An invitation of this type for these ESIIDs is already pending; resend it instead.",
            status_code=409,
        )
    now = timezone.now()
    invitation = AgreementInvitation.objects.create(
        third_party=third_party,
        created_by=actor.user,
        agreement_type=agreement_type,
        customer=customer,
        identified_by=IdentifiedBy.AUTHORIZATION_CODE if authorization_code else IdentifiedBy.EMAIL,
        customer_email=customer_email,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
        **terms,
    )
    invitation.premises.set(premises)
    event(action=Action.INVITATION_CREATED, actor=actor, at=now, invitation=invitation).save()
    emails.invitation_sent(invitation)
    return invitation


def _lock_invitation(invitation: AgreementInvitation) -> AgreementInvitation:
    return (
        AgreementInvitation.objects.select_for_update().select_related("third_party", "customer").get(pk=invitation.pk)
    )


def _ensure_answerable(invitation: AgreementInvitation, now) -> None:
    if invitation.status != AgreementInvitation.Status.PENDING:
        raise AgreementError(
            "not_pending", f"This invitation is {invitation.get_status_display().lower()}.", status_code=409
        )
    if invitation.expires_at <= now:
        raise AgreementError(
            "invitation_expired",
            "This invitation has expired; the company must send a new one.",
            status_code=409,
        )


@transaction.atomic
def resend_invitation(
    *, by: User | None, invitation: AgreementInvitation, third_party: ThirdParty | None = None
) -> AgreementInvitation:
    """Remind the customer once while the invitation is pending; it stays valid as long as before."""
    actor = resolve_actor(by, third_party)
    require_third_party(actor, invitation.third_party_id, "invitation")
    invitation = _lock_invitation(invitation)
    now = timezone.now()
    _ensure_answerable(invitation, now)
    if invitation.resent_at is not None:
        raise AgreementError("already_resent", "An invitation can be resent only once.", status_code=409)
    invitation.resent_at = now
    invitation.save(update_fields=["resent_at", "updated_at"])
    event(action=Action.INVITATION_RESENT, actor=actor, at=now, invitation=invitation).save()
    emails.invitation_sent(invitation, reminder=True)
    return invitation


@transaction.atomic
def cancel_invitation(
    *, by: User | None, invitation: AgreementInvitation, third_party: ThirdParty | None = None, reason: str = ""
) -> AgreementInvitation:
    actor = resolve_actor(by, third_party)
    if actor.role != Agreement.EndedBy.UTILITY:
        require_third_party(actor, invitation.third_party_id, "invitation")
    invitation = _lock_invitation(invitation)
    if invitation.status != AgreementInvitation.Status.PENDING:
        raise AgreementError(
            "not_pending", f"This invitation is {invitation.get_status_display().lower()}.", status_code=409
        )
    now = timezone.now()
    invitation.status = AgreementInvitation.Status.CANCELLED
    invitation.answered_at = now
    invitation.save(update_fields=["status", "answered_at", "updated_at"])
    event(action=Action.INVITATION_CANCELLED, actor=actor, at=now, invitation=invitation, detail=reason).save()
    return invitation


def _device_for(invitation: AgreementInvitation, premise: Premise, customer: User, now) -> tuple[InHomeDevice, bool]:
    """The device the agreement is about, and whether an add request was recorded for it now."""
    ensure_device_free(invitation.device_mac, premise)
    device = (
        InHomeDevice.objects.select_for_update()
        .filter(premise=premise, mac=invitation.device_mac)
        .exclude(status=InHomeDevice.Status.REMOVED)
        .first()
    )
    if device is not None and device.status in (InHomeDevice.Status.JOINED, InHomeDevice.Status.PENDING):
        return device, False
    if device is None:
        try:
            with transaction.atomic():
                device = InHomeDevice.objects.create(
                    premise=premise,
                    mac=invitation.device_mac,
                    install_code=invitation.device_install_code,
                    device_type=invitation.device_type,
                    description=invitation.device_description,
                )
        except IntegrityError as error:  # joined elsewhere a moment ago
            raise AgreementError(
                "device_in_use", "This device is joined to another home area network.", status_code=409
            ) from error
    else:  # failed or being removed: ask again
        device.status = InHomeDevice.Status.PENDING
        device.status_changed_at = now
        device.save(update_fields=["status", "status_changed_at"])
    # A request recorded now; the head-end adapter (HAN issue) carries it out.
    HanDeviceEvent.objects.create(
        device=device, action=HanDeviceEvent.Action.ADD, requested_by=customer, third_party=invitation.third_party
    )
    meter_services.send_pending_requests(device=device)  # the join goes to the head-end on commit
    return device, True


@transaction.atomic
def accept_invitation(*, by: User, invitation: AgreementInvitation) -> Agreement:
    """The customer who lives at every ESIID named consents: the agreement starts now."""
    actor = resolve_actor(by)
    if not actor.is_customer:
        raise AgreementError("forbidden", "Only the invited customer can accept an invitation.", status_code=403)
    invitation = _lock_invitation(invitation)
    now = timezone.now()
    _ensure_answerable(invitation, now)
    premises = list(invitation.premises.all())
    occupied = Occupancy.objects.current().filter(customer=by, premise__in=premises).count()
    if by.pk != invitation.customer_id or occupied != len(premises):
        raise AgreementError(
            "not_occupant",
            "Only the customer who lives at every ESIID named can accept this invitation.",
            status_code=403,
        )
    if not invitation.third_party.is_active:
        raise AgreementError("third_party_inactive", "This company can no longer make agreements.", status_code=409)

    fields = {"duration_kind": invitation.duration_kind, "months": invitation.months, "data_kinds": []}
    if invitation.agreement_type == AgreementType.ENERGY_DATA:
        fields["data_from"] = add_months(now, -HISTORY_MONTHS)
        if invitation.duration_kind == DurationKind.ONE_TIME:
            fields["data_kinds"] = [invitation.one_time_kind]
            fields["ends_at"] = now + timedelta(days=ONE_TIME_DAYS)
        else:
            fields["data_kinds"] = list(DataKind.values)
            fields["ends_at"] = add_months(now, invitation.months)
    device, add_requested = (None, False)
    if invitation.agreement_type in DEVICE_TYPES:
        device, add_requested = _device_for(invitation, premises[0], by, now)

    agreement = Agreement.objects.create(
        agreement_type=invitation.agreement_type,
        source=Agreement.Source.INVITATION,
        customer=by,
        third_party=invitation.third_party,
        device=device,
        invitation=invitation,
        starts_at=now,
        accepted_at=now,
        **fields,
    )
    agreement.premises.set(premises)
    invitation.status = AgreementInvitation.Status.ACCEPTED
    invitation.answered_at = now
    invitation.save(update_fields=["status", "answered_at", "updated_at"])
    events = [
        event(action=Action.INVITATION_ACCEPTED, actor=actor, at=now, invitation=invitation, agreement=agreement),
        event(action=Action.AGREEMENT_CREATED, actor=actor, at=now, agreement=agreement, detail=agreement.number),
    ]
    if add_requested:
        events.append(
            event(action=Action.DEVICE_ADD_REQUESTED, actor=actor, at=now, agreement=agreement, detail=device.mac)
        )
    AgreementEvent.objects.bulk_create(events)
    emails.agreement_started(agreement)
    webhooks.invitation_accepted(invitation, agreement)
    return agreement


@transaction.atomic
def reject_invitation(
    *, by: User | None, invitation: AgreementInvitation, reason: str = "", token: str | None = None
) -> AgreementInvitation:
    """The invited customer says no, logged in or through the e-mail's link (its token proves the
    mailbox). Both sides get an e-mail."""
    is_customer = by is not None and by.is_authenticated and by.pk == invitation.customer_id
    has_token = bool(token) and hmac.compare_digest(str(token).encode(), invitation.token.encode())
    if not (is_customer or has_token):
        raise not_found("invitation")
    invitation = _lock_invitation(invitation)
    now = timezone.now()
    _ensure_answerable(invitation, now)
    invitation.status = AgreementInvitation.Status.REJECTED
    invitation.answered_at = now
    invitation.rejection_reason = (reason or "").strip()[:500]
    invitation.save(update_fields=["status", "answered_at", "rejection_reason", "updated_at"])
    customer = resolve_actor(invitation.customer)
    event(
        action=Action.INVITATION_REJECTED,
        actor=customer,
        at=now,
        invitation=invitation,
        detail=invitation.rejection_reason,
    ).save()
    emails.invitation_rejected(invitation)
    webhooks.invitation_rejected(invitation)
    return invitation
