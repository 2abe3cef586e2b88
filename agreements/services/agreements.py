"""Agreements after acceptance: termination, completion of one-time access, move-out and staff's
"expire now" (extensions are in `extensions`)."""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from meters import services as meter_services
from meters import webhooks as meter_webhooks
from meters.models import HanDeviceEvent, InHomeDevice, Occupancy, Premise, RemovalReason
from portal.models import ThirdParty, User

from .. import emails, webhooks
from ..models import Agreement, AgreementEvent, AgreementInvitation, AgreementType, DurationKind, ExtensionRequest
from ._common import (
    Actor,
    AgreementError,
    ensure_active,
    event,
    lock_agreement,
    not_found,
    require_customer,
    require_third_party,
    resolve_actor,
)
from .grant_tokens import revoke_tokens

Action = AgreementEvent.Action
CUSTOMER_TERMINABLE = (AgreementType.ENERGY_DATA, AgreementType.IN_HOME_DEVICE_SERVICES)


def end_agreements(
    *, agreement_ids: list[int], status: str, action: str, actor: Actor | None, reason: str, at: datetime
) -> list[int]:
    """End the still-active agreements among `agreement_ids` (set-based) and close their pending
    extension requests. Returns the ids actually ended; the caller's transaction holds it all."""
    role = actor.role if actor else Agreement.EndedBy.SYSTEM
    ended = list(
        Agreement.objects.select_for_update()
        .filter(pk__in=agreement_ids, status=Agreement.Status.ACTIVE)
        .values_list("pk", flat=True)
    )
    Agreement.objects.filter(pk__in=ended).update(
        status=status,
        ended_at=at,
        ended_by=actor.user if actor else None,
        ended_by_role=role,
        end_reason=reason[:500],
        updated_at=at,
    )
    open_requests = list(
        ExtensionRequest.objects.filter(agreement_id__in=ended, status=ExtensionRequest.Status.PENDING).values_list(
            "pk", "agreement_id"
        )
    )
    ExtensionRequest.objects.filter(pk__in=[pk for pk, _ in open_requests]).update(
        status=ExtensionRequest.Status.EXPIRED, updated_at=at
    )
    revoke_tokens(agreement_ids=ended)  # an ended OAuth grant's tokens stop now
    AgreementEvent.objects.bulk_create(
        [event(action=action, actor=actor, at=at, agreement_id=pk, detail=reason) for pk in ended]
        + [
            event(
                action=Action.EXTENSION_EXPIRED,
                actor=None,
                at=at,
                agreement_id=agreement_id,
                extension_request_id=pk,
                detail="The agreement ended.",
            )
            for pk, agreement_id in open_requests
        ]
    )
    webhooks.agreements_ended(ended)
    return ended


@transaction.atomic
def terminate_agreement(
    *, by: User | None, agreement: Agreement, reason: str = "", third_party: ThirdParty | None = None
) -> Agreement:
    """End an active agreement now. The third party may end any of its own; the customer an Energy
    Data or In-Home Device Services one; the utility's staff any. Neither needs the other's consent."""
    actor = resolve_actor(by, third_party)
    if actor.is_third_party:
        require_third_party(actor, agreement.third_party_id, "agreement")
    elif actor.is_customer:
        require_customer(actor, agreement.customer_id, "agreement")
        if agreement.agreement_type not in CUSTOMER_TERMINABLE:
            raise AgreementError(
                "not_terminable",
                "An In-Home Device agreement ends when you remove the device from your home area network.",
                status_code=409,
            )
    agreement = lock_agreement(agreement)
    ensure_active(agreement)
    reason = (reason or "").strip() or f"Terminated by the {Agreement.EndedBy(actor.role).label.lower()}."
    end_agreements(
        agreement_ids=[agreement.pk],
        status=Agreement.Status.TERMINATED,
        action=Action.AGREEMENT_TERMINATED,
        actor=actor,
        reason=reason,
        at=timezone.now(),
    )
    agreement.refresh_from_db()
    emails.agreement_ended(agreement)
    return agreement


@transaction.atomic
def complete_one_time(*, agreement: Agreement) -> Agreement:
    """A one-time agreement's data was delivered: it ends. Calling it again changes nothing."""
    agreement = lock_agreement(agreement)
    if agreement.duration_kind != DurationKind.ONE_TIME:
        raise AgreementError("not_one_time", "Only a one-time agreement ends on delivery.", status_code=409)
    end_agreements(
        agreement_ids=[agreement.pk],
        status=Agreement.Status.EXPIRED,
        action=Action.AGREEMENT_COMPLETED,
        actor=None,
        reason="The one-time data was delivered.",
        at=timezone.now(),
    )
    agreement.refresh_from_db()
    return agreement


@transaction.atomic
def move_out(*, by: User | None, premise: Premise, move_out: date, reason: str = "") -> Occupancy | None:
    """A customer leaves a premise. In one transaction: the occupancy ends, every active agreement
    on the premise is terminated, pending invitations for it are cancelled and every in-home
    device there is removed (a remove request for the head-end). Repeating a recorded move-out
    changes nothing and returns None."""
    actor = resolve_actor(by)
    if actor.is_third_party:
        raise AgreementError("forbidden", "A third party cannot record a move-out.", status_code=403)
    if actor.is_customer and not Occupancy.objects.current().filter(premise=premise, customer=by).exists():
        raise not_found("premise")
    occupancy = meter_services.end_occupancy(premise=premise, move_out=move_out, reason=reason)
    if occupancy is None:
        return None
    now = timezone.now()
    detail = f"The customer moved out of ESIID {premise.esiid} on {move_out:%Y-%m-%d}." + (
        f" {reason}" if reason else ""
    )
    # The customers' agreements: direct access (no customer) on a staff list of premises stays.
    agreement_ids = list(
        Agreement.objects.filter(premises=premise, status=Agreement.Status.ACTIVE, customer__isnull=False).values_list(
            "pk", flat=True
        )
    )
    ended = end_agreements(
        agreement_ids=agreement_ids,
        status=Agreement.Status.TERMINATED,
        action=Action.AGREEMENT_TERMINATED,
        actor=actor,
        reason=detail,
        at=now,
    )
    _cancel_invitations_for(premise, actor, detail, now)
    _remove_devices_at(premise, by, now)
    meter_services.send_pending_requests(premise=premise)  # the removals go to the head-end on commit
    for agreement in Agreement.objects.filter(pk__in=ended).select_related("third_party", "customer"):
        emails.agreement_ended(agreement)
    return occupancy


def _cancel_invitations_for(premise: Premise, actor: Actor, detail: str, now: datetime) -> None:
    pending = list(
        AgreementInvitation.objects.filter(premises=premise, status=AgreementInvitation.Status.PENDING).values_list(
            "pk", flat=True
        )
    )
    AgreementInvitation.objects.filter(pk__in=pending).update(
        status=AgreementInvitation.Status.CANCELLED, answered_at=now, updated_at=now
    )
    AgreementEvent.objects.bulk_create(
        [
            event(action=Action.INVITATION_CANCELLED, actor=actor, at=now, invitation_id=pk, detail=detail)
            for pk in pending
        ]
    )


def _remove_devices_at(premise: Premise, by: User | None, now: datetime) -> None:
    """Devices that may be on the HAN get a remove request for the head-end; devices that never
    joined are removed from the records at once."""
    Status = InHomeDevice.Status
    on_network = list(
        InHomeDevice.objects.filter(premise=premise, status__in=[Status.JOINED, Status.PENDING]).values_list(
            "pk", flat=True
        )
    )
    never_joined = list(InHomeDevice.objects.filter(premise=premise, status=Status.FAILED).values_list("pk", flat=True))
    InHomeDevice.objects.filter(pk__in=on_network).update(status=Status.REMOVING, status_changed_at=now)
    InHomeDevice.objects.filter(pk__in=never_joined).update(status=Status.REMOVED, status_changed_at=now)
    common = {"action": HanDeviceEvent.Action.REMOVE, "requested_by": by, "reason": RemovalReason.MOVE_OUT}
    HanDeviceEvent.objects.bulk_create(
        [HanDeviceEvent(device_id=pk, **common) for pk in on_network]
        + [
            HanDeviceEvent(
                device_id=pk,
                status=HanDeviceEvent.Status.SUCCEEDED,
                completed_at=now,
                detail="Never joined the network; removed from the records.",
                **common,
            )
            for pk in never_joined
        ]
    )
    meter_webhooks.devices_moved(never_joined, HanDeviceEvent.Action.REMOVE, True)


@transaction.atomic
def expire_agreement_now(*, by: User, agreement: Agreement) -> Agreement:
    """Staff end an agreement as expired (admin action)."""
    actor = resolve_actor(by)
    if actor.role != Agreement.EndedBy.UTILITY:
        raise AgreementError("forbidden", "Only staff may expire an agreement by hand.", status_code=403)
    agreement = lock_agreement(agreement)
    ensure_active(agreement)
    end_agreements(
        agreement_ids=[agreement.pk],
        status=Agreement.Status.EXPIRED,
        action=Action.AGREEMENT_EXPIRED,
        actor=actor,
        reason="Expired by the utility.",
        at=timezone.now(),
    )
    agreement.refresh_from_db()
    return agreement


@transaction.atomic
def expire_invitation_now(*, by: User, invitation: AgreementInvitation) -> AgreementInvitation:
    """Staff expire a pending invitation (admin action)."""
    actor = resolve_actor(by)
    if actor.role != Agreement.EndedBy.UTILITY:
        raise AgreementError("forbidden", "Only staff may expire an invitation by hand.", status_code=403)
    now = timezone.now()
    updated = AgreementInvitation.objects.filter(pk=invitation.pk, status=AgreementInvitation.Status.PENDING).update(
        status=AgreementInvitation.Status.EXPIRED, updated_at=now
    )
    if not updated:
        raise AgreementError("not_pending", "Only a pending invitation can expire.", status_code=409)
    event(
        action=Action.INVITATION_EXPIRED, actor=actor, at=now, invitation=invitation, detail="Expired by the utility."
    ).save()
    webhooks.invitations_expired([invitation.pk])
    invitation.refresh_from_db()
    return invitation
