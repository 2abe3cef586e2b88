"""Direct access (WG3-01 `cds_query_*`): staff approve which client may read which data sets of which
premises, from when until when, and why. The approval is an agreement with no customer (source
DIRECT) and its detail (`DirectAccessApproval`); staff revoke it by terminating the agreement, the
expiry sweep expires it at its end, and every change is one of its `AgreementEvent`s. When an
aggregation the approval reads is below the privacy threshold, each customer of the group is asked
for `cds_aggregation_consent` (a sub-grant) by e-mail, and answers on a portal page."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from meters.models import Premise
from portal.cds import scopes
from portal.models import User
from portal.notifications import absolute_url, send_templated_email

from ..models import AggregationSubGrant, Agreement, AgreementEvent, AgreementType, DirectAccessApproval
from ._common import AgreementError, event, not_found, resolve_actor
from .agreements import terminate_agreement
from .grants import CLOSED_BY

Action = AgreementEvent.Action
Coverage = DirectAccessApproval.Coverage


def _event(approval: DirectAccessApproval, action: str, by: User | None, detail: str = "") -> None:
    actor = resolve_actor(by) if by is not None else None
    event(action=action, actor=actor, at=timezone.now(), agreement_id=approval.agreement_id, detail=detail).save()


def _string_list(value, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise AgreementError("invalid", f"{name}: give a list of texts.", fields={name: ["Give a JSON list of texts."]})
    return [item.strip() for item in value]


def check_approval(approval: DirectAccessApproval, *, premise_count: int | None = None) -> None:
    """The rules an approval keeps (the admin form shows these as field errors). Its agreement
    (saved or not) holds the third party and the dates. `premise_count`: the premises chosen, for a
    list coverage (known before they are saved)."""
    agreement = approval.agreement
    wanted = approval.scope.split()
    direct = set(scopes.scope_ids(scopes.DIRECT))
    if not wanted or not set(wanted) <= direct:
        raise AgreementError(
            "invalid", "Choose cds_query_* scopes only.", fields={"scope": [", ".join(sorted(direct))]}
        )
    client = approval.client
    if client.third_party_id != agreement.third_party_id:
        raise AgreementError(
            "invalid", "The client belongs to another third party.", fields={"client": ["Wrong company."]}
        )
    if client.allowed_scope_set & set(scopes.CONSENT_SCOPES) or not set(wanted) <= client.allowed_scope_set:
        raise AgreementError(
            "invalid",
            "Choose the third party's direct-access client: it must hold these scopes and no consent scope.",
            fields={"client": ["Not a direct-access client holding these scopes."]},
        )
    approval.postal_codes = _string_list(approval.postal_codes, "postal_codes")
    approval.aggregation_numbers = _string_list(approval.aggregation_numbers, "aggregation_numbers")
    approval.includes = _string_list(approval.includes, "includes")
    unknown = set(approval.includes) - set(scopes.INCLUDES)
    if unknown:
        raise AgreementError("invalid", "Unknown include.", fields={"includes": [", ".join(sorted(unknown))]})
    if approval.coverage == Coverage.POSTAL_CODES and not approval.postal_codes:
        raise AgreementError("invalid", "Give the postal codes.", fields={"postal_codes": ["Required."]})
    if approval.coverage == Coverage.PREMISES and premise_count == 0:
        raise AgreementError("invalid", "Choose the premises.", fields={"premises": ["Required."]})
    if not (approval.purpose or "").strip():
        raise AgreementError("invalid", "Say why the access is given.", fields={"purpose": ["Required."]})
    if not agreement.starts_at or not agreement.ends_at:
        raise AgreementError("invalid", "Give the start and the end.", fields={"ends_at": ["Required."]})
    if agreement.ends_at <= agreement.starts_at:
        raise AgreementError("invalid", "The end must be after the start.", fields={"ends_at": ["After the start."]})


def new_approval(*, third_party, starts_at, ends_at, **fields) -> DirectAccessApproval:
    """An unsaved approval with its unsaved agreement (for `save_approval`)."""
    agreement = Agreement(
        agreement_type=AgreementType.ENERGY_DATA,
        source=Agreement.Source.DIRECT,
        third_party=third_party,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    return DirectAccessApproval(agreement=agreement, **fields)


@transaction.atomic
def save_approval(
    *, by: User, approval: DirectAccessApproval, premises=None, changed: list[str] = ()
) -> DirectAccessApproval:
    """Staff approve direct access (a new agreement with no customer, numbered like every other) or
    change a live approval; either is an event of the agreement, with who did it. `premises`: the
    staff list (for a list coverage), when given."""
    if not by.is_staff:
        raise AgreementError("forbidden", "Only MeterGate staff approve direct access.", status_code=403)
    premises = None if premises is None else list(premises)
    check_approval(approval, premise_count=None if premises is None else len(premises))
    agreement = approval.agreement
    created = agreement.pk is None
    now = timezone.now()
    if created:
        agreement.source, agreement.customer = Agreement.Source.DIRECT, None
        agreement.agreement_type, agreement.accepted_at = AgreementType.ENERGY_DATA, now
        approval.approved_by, approval.approved_at = by, now
    elif not Agreement.objects.filter(pk=agreement.pk, status=Agreement.Status.ACTIVE).exists():
        raise AgreementError("not_active", "This direct access has ended; approve it anew.", status_code=409)
    agreement.save()
    approval.agreement = agreement
    approval.save()
    if premises is not None:
        agreement.premises.set(premises if approval.coverage == Coverage.PREMISES else [])
    if created:
        _event(
            approval,
            Action.DIRECT_ACCESS_APPROVED,
            by,
            f"{approval.scope} for {approval.client}: {approval.purpose}",
        )
    elif changed:
        _event(approval, Action.DIRECT_ACCESS_CHANGED, by, f"Changed: {', '.join(changed)}.")
    return approval


def revoke_approval(*, by: User, approval: DirectAccessApproval, reason: str = "") -> DirectAccessApproval:
    """Staff revoke direct access: its agreement is terminated by the utility, so the client's
    tokens stop at once unless another live approval still holds them."""
    terminate_agreement(by=by, agreement=approval.agreement, reason=reason or "Direct access revoked by staff.")
    approval.agreement.refresh_from_db()
    return approval


def premises_by_esiid(text: str) -> list[Premise]:
    """The premises of a staff list given as ESIIDs (spaces, commas or lines between); an unknown
    ESIID is named in the error."""
    esiids = [item for item in text.replace(",", " ").split() if item]
    found = {premise.esiid: premise for premise in Premise.objects.filter(esiid__in=esiids)}
    unknown = [esiid for esiid in esiids if esiid not in found]
    if unknown:
        raise AgreementError("invalid", "Unknown ESIID.", fields={"esiids": [f"Unknown: {', '.join(unknown)}."]})
    return list(found.values())


def status_of(approval: DirectAccessApproval, at=None) -> str:
    """The CDS Grant status of a direct-access approval, from its agreement: `needs_sub_grants`
    while a customer asked for aggregation consent has not consented (a small group is served only
    once every one did), else `active`; `future` before its start; `expired`; once terminated,
    `closed` (by the third party) or `disabled` (by staff)."""
    at = at or timezone.now()
    agreement = approval.agreement
    if agreement.status == Agreement.Status.TERMINATED:
        return CLOSED_BY.get(agreement.ended_by_role, "disabled")
    if agreement.status == Agreement.Status.EXPIRED or agreement.ends_at <= at:
        return "expired"
    if agreement.starts_at > at:
        return "future"
    waiting = [item for item in approval.sub_grants.all() if item.status != AggregationSubGrant.Status.ACTIVE]
    return "needs_sub_grants" if waiting else "active"


# --- Sub-grants: aggregation consent asked of each customer of a group below the threshold --------


def consent_answers(*, approval_ids, aggregation_number: str) -> tuple[set[int], set[int]]:
    """(customers who consented, customers who declined) for this aggregation under these approvals."""
    consented, declined = set(), set()
    for customer_id, status in AggregationSubGrant.objects.filter(
        approval_id__in=approval_ids, aggregation_number=aggregation_number
    ).values_list("customer_id", "status"):
        if status == AggregationSubGrant.Status.ACTIVE:
            consented.add(customer_id)
        elif status == AggregationSubGrant.Status.DECLINED:
            declined.add(customer_id)
    return consented, declined


@transaction.atomic
def request_sub_grants(
    *, approval: DirectAccessApproval, aggregation_number: str, aggregation_name: str, members: dict[int, list[int]]
) -> list[AggregationSubGrant]:
    """Ask each customer of the group (customer id -> their premise ids in it) who was not asked yet
    under this approval; each gets an e-mail with a link to answer. Idempotent: the approval's row
    lock lets one read at a time decide who is new."""
    Agreement.objects.select_for_update().filter(pk=approval.agreement_id).first()
    asked = set(
        AggregationSubGrant.objects.filter(approval=approval, aggregation_number=aggregation_number).values_list(
            "customer_id", flat=True
        )
    )
    created = AggregationSubGrant.objects.bulk_create(
        [
            AggregationSubGrant(approval=approval, aggregation_number=aggregation_number, customer_id=customer_id)
            for customer_id in sorted(set(members) - asked)
        ]
    )
    if not created:
        return []
    created = list(
        AggregationSubGrant.objects.filter(pk__in=[sub_grant.pk for sub_grant in created]).select_related(
            "customer", "approval__agreement__third_party"
        )
    )
    through = AggregationSubGrant.premises.through
    through.objects.bulk_create(
        [
            through(aggregationsubgrant_id=sub_grant.pk, premise_id=premise_id)
            for sub_grant in created
            for premise_id in members[sub_grant.customer_id]
        ]
    )
    for sub_grant in created:
        _ask(sub_grant, aggregation_name)
    _event(
        approval,
        Action.SUB_GRANTS_REQUESTED,
        None,
        f"{aggregation_number} is below the privacy threshold: {len(created)} customer(s) asked to consent.",
    )
    return created


def _ask(sub_grant: AggregationSubGrant, aggregation_name: str) -> None:
    approval = sub_grant.approval
    send_templated_email(
        to=sub_grant.customer.email,
        template="agreements/direct/email/aggregation_consent",
        context={
            "sub_grant": sub_grant,
            "third_party": approval.agreement.third_party,
            "purpose": approval.purpose,
            "aggregation_name": aggregation_name,
            "answer_url": absolute_url(reverse("agreements:aggregation-consent", args=[sub_grant.token])),
        },
    )


def sub_grant_for(*, by: User, token: str) -> AggregationSubGrant:
    """The customer's own sub-grant behind an e-mail link (another customer's is not found)."""
    sub_grant = (
        AggregationSubGrant.objects.select_related("approval__agreement__third_party")
        .filter(token=token, customer=by)
        .first()
        if by.is_authenticated
        else None
    )
    if sub_grant is None:
        raise not_found("consent request")
    return sub_grant


@transaction.atomic
def answer_sub_grant(*, by: User, sub_grant: AggregationSubGrant, consent: bool) -> AggregationSubGrant:
    """The customer consents to being counted in the aggregation, or declines (they may change
    their mind later: the latest answer holds)."""
    if sub_grant.customer_id != by.pk:
        raise not_found("consent request")
    sub_grant = AggregationSubGrant.objects.select_for_update().get(pk=sub_grant.pk)
    status = AggregationSubGrant.Status.ACTIVE if consent else AggregationSubGrant.Status.DECLINED
    if sub_grant.status == status:
        return sub_grant
    sub_grant.status, sub_grant.answered_at = status, timezone.now()
    sub_grant.save()
    _event(
        sub_grant.approval,
        Action.SUB_GRANT_CONSENTED if consent else Action.SUB_GRANT_DECLINED,
        by,
        # The third party sees the agreement's events: no customer is named.
        f"{sub_grant.aggregation_number}: a customer {'consented' if consent else 'declined'}.",
    )
    return sub_grant
