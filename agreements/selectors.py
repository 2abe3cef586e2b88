"""Agreement queries, always filtered by who asks."""

from contextlib import suppress

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from meters.validators import normalize_mac

from .models import (
    AggregationSubGrant,
    Agreement,
    AgreementEvent,
    AgreementInvitation,
    AgreementType,
    ExtensionRequest,
)


def agreements_for_customer(customer, *, q: str = "") -> QuerySet[Agreement]:
    """The customer's agreements; `q` searches third-party name, agreement number, ESIID, meter
    number and device MAC."""
    agreements = Agreement.objects.filter(customer=customer)
    q = (q or "").strip()
    if q:
        match = (
            Q(third_party__name__icontains=q)
            | Q(number__icontains=q)
            | Q(premises__esiid__icontains=q)
            | Q(premises__meters__meter_number__icontains=q)
            | Q(device__mac__icontains=q)
        )
        with suppress(ValidationError):  # not a whole MAC: the partial match above still applies
            match |= Q(device__mac=normalize_mac(q))
        agreements = agreements.filter(pk__in=Agreement.objects.filter(customer=customer).filter(match).values("pk"))
    return agreements.select_related("third_party", "device").prefetch_related("premises").order_by("-created_at")


def agreements_for_third_party(third_party) -> QuerySet[Agreement]:
    return (
        Agreement.objects.filter(third_party=third_party)
        .select_related("customer", "device", "invitation", "direct_access")
        .prefetch_related("premises")
        .order_by("-created_at")
    )


def invitations_for_third_party(third_party) -> QuerySet[AgreementInvitation]:
    return (
        AgreementInvitation.objects.filter(third_party=third_party)
        .select_related("customer", "created_by")
        .prefetch_related("premises")
        .order_by("-created_at")
    )


def pending_invitations_for_customer(customer) -> QuerySet[AgreementInvitation]:
    return (
        AgreementInvitation.objects.filter(
            customer=customer, status=AgreementInvitation.Status.PENDING, expires_at__gt=timezone.now()
        )
        .select_related("third_party")
        .prefetch_related("premises")
        .order_by("-created_at")
    )


def pending_extension_requests_for_customer(customer) -> QuerySet[ExtensionRequest]:
    return ExtensionRequest.objects.filter(
        agreement__customer=customer, status=ExtensionRequest.Status.PENDING, expires_at__gt=timezone.now()
    ).select_related("agreement__third_party")


def history(agreement: Agreement) -> QuerySet[AgreementEvent]:
    """Every event of the agreement and of the invitation it came from, oldest first."""
    subject = Q(agreement=agreement)
    if agreement.invitation_id:
        subject |= Q(invitation_id=agreement.invitation_id)
    return AgreementEvent.objects.filter(subject).select_related("actor_user", "actor_third_party").order_by("at", "id")


def pending_extension_request(agreement: Agreement) -> ExtensionRequest | None:
    return agreement.extension_requests.filter(status=ExtensionRequest.Status.PENDING).first()


def customer_actions(agreement: Agreement) -> set[str]:
    """What the customer may do with the agreement now."""
    if not agreement.is_active:
        return set()
    actions = set()
    if agreement.is_continuous_energy_data:
        actions.add("extend")
    if agreement.agreement_type in (AgreementType.ENERGY_DATA, AgreementType.IN_HOME_DEVICE_SERVICES):
        actions.add("terminate")
    return actions


def third_party_actions(agreement: Agreement, pending: ExtensionRequest | None) -> set[str]:
    """What the third party may do with its agreement now."""
    if not agreement.is_active:
        return set()
    actions = {"terminate"}
    if agreement.is_continuous_energy_data:
        if pending is None:
            actions.add("request_extension")
        elif pending.resent_at is None and pending.expires_at > timezone.now():
            actions.add("resend_extension")
    return actions


def pending_aggregation_consents_for_customer(customer):
    """Aggregation consent requests (direct-access sub-grants) the customer has not answered."""
    return AggregationSubGrant.objects.filter(
        customer=customer, status=AggregationSubGrant.Status.NEEDS_AUTHORIZATION
    ).select_related("approval__agreement__third_party")
