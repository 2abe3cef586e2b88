"""Extending a continuous Energy Data agreement: by the customer at once, or on the third party's
request (resendable once, answered by the customer within 30 days)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from portal.models import ThirdParty, User

from .. import emails, webhooks
from ..models import Agreement, AgreementEvent, ExtensionRequest
from ._common import (
    EXTENSION_VALID_DAYS,
    MAX_TERM_MONTHS,
    Actor,
    AgreementError,
    add_months,
    clean_months,
    ensure_active,
    event,
    lock_agreement,
    require_customer,
    require_third_party,
    resolve_actor,
)

Action = AgreementEvent.Action


def _ensure_extendable(agreement: Agreement) -> None:
    ensure_active(agreement)
    if not agreement.is_continuous_energy_data:
        raise AgreementError(
            "not_extendable", "Only a continuous Energy Data agreement can be extended.", status_code=409
        )


def _extended_end(agreement: Agreement, months: int, now: datetime) -> datetime:
    """The new end, refused when it lies more than 12 months after this (the latest) acceptance."""
    new_end = add_months(agreement.ends_at, months)
    limit = add_months(now, MAX_TERM_MONTHS)
    if new_end > limit:
        message = (
            f"An agreement runs at most {MAX_TERM_MONTHS} months from the latest acceptance: extending by "
            f"{months} months would end it on {new_end:%Y-%m-%d}, after {limit:%Y-%m-%d}."
        )
        raise AgreementError("term_too_long", message, fields={"months": [message]})
    return new_end


def _apply_extension(agreement: Agreement, months: int, now: datetime, actor: Actor) -> None:
    agreement.ends_at = _extended_end(agreement, months, now)
    agreement.accepted_at = now
    agreement.save(update_fields=["ends_at", "accepted_at", "updated_at"])
    event(
        action=Action.AGREEMENT_EXTENDED,
        actor=actor,
        at=now,
        agreement=agreement,
        detail=f"Extended by {months} month{'s' if months != 1 else ''} to {agreement.ends_at:%Y-%m-%d}.",
    ).save()
    webhooks.agreement_extended(agreement, months=months)


@transaction.atomic
def extend_agreement(*, by: User, agreement: Agreement, months) -> Agreement:
    """The customer extends their continuous Energy Data agreement, without the third party."""
    actor = resolve_actor(by)
    require_customer(actor, agreement.customer_id, "agreement")
    months = clean_months(months)
    agreement = lock_agreement(agreement)
    _ensure_extendable(agreement)
    _apply_extension(agreement, months, timezone.now(), actor)
    emails.agreement_extended(agreement, months=months)
    return agreement


@transaction.atomic
def request_extension(
    *, by: User | None, agreement: Agreement, months, third_party: ThirdParty | None = None
) -> ExtensionRequest:
    """The third party asks the customer for more months; the customer has 30 days to answer."""
    actor = resolve_actor(by, third_party)
    require_third_party(actor, agreement.third_party_id, "agreement")
    months = clean_months(months)
    agreement = lock_agreement(agreement)
    _ensure_extendable(agreement)
    now = timezone.now()
    _extended_end(agreement, months, now)
    if agreement.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise AgreementError(
            "extension_pending", "An extension request is already pending; resend it instead.", status_code=409
        )
    extension_request = ExtensionRequest.objects.create(
        agreement=agreement,
        months=months,
        requested_by=actor.user,
        expires_at=now + timedelta(days=EXTENSION_VALID_DAYS),
    )
    event(
        action=Action.EXTENSION_REQUESTED,
        actor=actor,
        at=now,
        agreement=agreement,
        extension_request=extension_request,
        detail=f"{months} month{'s' if months != 1 else ''}",
    ).save()
    emails.extension_requested(extension_request)
    return extension_request


def _lock_request(extension_request: ExtensionRequest) -> ExtensionRequest:
    return (
        # The request's and its agreement's rows (the customer is an outer join: none for direct access).
        ExtensionRequest.objects.select_for_update(of=("self", "agreement"))
        .select_related("agreement__third_party", "agreement__customer")
        .get(pk=extension_request.pk)
    )


def _ensure_request_answerable(extension_request: ExtensionRequest, now: datetime) -> None:
    if extension_request.status != ExtensionRequest.Status.PENDING:
        raise AgreementError(
            "not_pending",
            f"This extension request is {extension_request.get_status_display().lower()}.",
            status_code=409,
        )
    if extension_request.expires_at <= now:
        raise AgreementError("extension_expired", "This extension request has expired.", status_code=409)


@transaction.atomic
def resend_extension_request(
    *, by: User | None, extension_request: ExtensionRequest, third_party: ThirdParty | None = None
) -> ExtensionRequest:
    actor = resolve_actor(by, third_party)
    require_third_party(actor, extension_request.agreement.third_party_id, "extension request")
    extension_request = _lock_request(extension_request)
    now = timezone.now()
    _ensure_request_answerable(extension_request, now)
    if extension_request.resent_at is not None:
        raise AgreementError("already_resent", "An extension request can be resent only once.", status_code=409)
    extension_request.resent_at = now
    extension_request.save(update_fields=["resent_at", "updated_at"])
    event(
        action=Action.EXTENSION_RESENT,
        actor=actor,
        at=now,
        agreement=extension_request.agreement,
        extension_request=extension_request,
    ).save()
    emails.extension_requested(extension_request, reminder=True)
    return extension_request


@transaction.atomic
def accept_extension_request(*, by: User, extension_request: ExtensionRequest) -> Agreement:
    actor = resolve_actor(by)
    require_customer(actor, extension_request.agreement.customer_id, "extension request")
    extension_request = _lock_request(extension_request)
    now = timezone.now()
    _ensure_request_answerable(extension_request, now)
    agreement = lock_agreement(extension_request.agreement)
    _ensure_extendable(agreement)
    _apply_extension(agreement, extension_request.months, now, actor)
    extension_request.status = ExtensionRequest.Status.ACCEPTED
    extension_request.answered_at = now
    extension_request.save(update_fields=["status", "answered_at", "updated_at"])
    event(
        action=Action.EXTENSION_ACCEPTED,
        actor=actor,
        at=now,
        agreement=agreement,
        extension_request=extension_request,
    ).save()
    emails.agreement_extended(agreement, months=extension_request.months)
    webhooks.extension_answered(extension_request)
    return agreement


@transaction.atomic
def reject_extension_request(*, by: User, extension_request: ExtensionRequest, reason: str = "") -> ExtensionRequest:
    actor = resolve_actor(by)
    require_customer(actor, extension_request.agreement.customer_id, "extension request")
    extension_request = _lock_request(extension_request)
    now = timezone.now()
    _ensure_request_answerable(extension_request, now)
    extension_request.status = ExtensionRequest.Status.REJECTED
    extension_request.answered_at = now
    extension_request.rejection_reason = (reason or "").strip()[:500]
    extension_request.save(update_fields=["status", "answered_at", "rejection_reason", "updated_at"])
    event(
        action=Action.EXTENSION_REJECTED,
        actor=actor,
        at=now,
        agreement=extension_request.agreement,
        extension_request=extension_request,
        detail=extension_request.rejection_reason,
    ).save()
    emails.extension_rejected(extension_request)
    webhooks.extension_answered(extension_request)
    return extension_request
