"""OAuth (CDS) grants: a customer's consent through the authorization-code flow makes an Energy
Data agreement (source OAuth) with its grant; closing, revoking, terminating or expiring the
agreement ends the grant and its tokens. The access gate (`agreements.access`) reads the
agreement like any other; `token_may_read` narrows it to what one token's grants cover."""

import math
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from meters import addresses
from meters.models import Occupancy, Premise
from portal.cds import rar, scopes
from portal.cds.models import TestAccount
from portal.models import OAuthClient, User
from portal.oauth_validators import token_checksum

from .. import access, grant_emails
from ..models import Agreement, AgreementEvent, AgreementType, DurationKind, GrantCode, GrantToken, OAuthGrant
from ._common import MAX_TERM_MONTHS, AgreementError, event, not_found, resolve_actor
from .agreements import terminate_agreement

Action = AgreementEvent.Action

# WG3-01 §3.2: grants and token responses do not echo the customer's preselections.
PRESELECTIONS = (
    "servicepoint_numbers",
    "meter_numbers",
    "account_numbers",
    "aggregation_numbers",
    "premise_numbers",
    "addresses",
)
CLOSED_BY = {
    Agreement.EndedBy.CUSTOMER: "revoked",
    Agreement.EndedBy.THIRD_PARTY: "closed",
}
NO_ACCESS = {"future", "disabled", "suspended", "revoked", "closed", "expired"}


# --- What a grant is, in CDS words -----------------------------------------------------------


def status_of(grant: OAuthGrant, at: datetime | None = None) -> str:
    """The Grant status (WG1-02 §8.2) read from its agreement."""
    at = at or timezone.now()
    agreement = grant.agreement
    if agreement.status == Agreement.Status.TERMINATED:
        return CLOSED_BY.get(agreement.ended_by_role, "disabled")
    if agreement.status == Agreement.Status.EXPIRED or (agreement.ends_at and agreement.ends_at <= at):
        return "expired"
    if grant.requested_scope:
        return "needs_authorization"
    return "active"


def is_live(grant: OAuthGrant, at: datetime | None = None) -> bool:
    return status_of(grant, at) not in NO_ACCESS


def echoed_details(grant: OAuthGrant) -> list[dict]:
    return [
        {key: value for key, value in entry.items() if key not in PRESELECTIONS}
        for entry in grant.authorization_details
    ]


def live_grants_q(at: datetime) -> Q:
    return Q(agreement__status=Agreement.Status.ACTIVE) & (
        Q(agreement__ends_at__isnull=True) | Q(agreement__ends_at__gt=at)
    )


# --- Consent ---------------------------------------------------------------------------------


def is_test_account(customer: User) -> bool:
    return TestAccount.objects.filter(customer=customer).exists()


def check_consenter(*, customer: User, client: OAuthClient) -> None:
    """Only a customer consents; a sandbox client reaches the test accounts only."""
    actor = resolve_actor(customer)
    if not actor.is_customer:
        raise AgreementError("not_customer", "Log in with the customer account whose data is shared.", status_code=403)
    if client.is_sandbox and not is_test_account(customer):
        raise AgreementError(
            "sandbox_client",
            f"{client.name} is still in testing (sandbox) and may only be authorized by test accounts.",
            status_code=403,
        )


def offered_premises(*, customer: User, authorization_details: list[dict]) -> tuple[list[Premise], bool]:
    """(premises the form offers, include-future preselected): the customer's current premises
    narrowed by every entry's preselections (which only ever narrow)."""
    occupancies = Occupancy.objects.current().filter(customer=customer).select_related("premise")
    premises = {occupancy.premise_id: occupancy.premise for occupancy in occupancies}
    accounts = {}
    for occupancy in occupancies:
        accounts.setdefault(occupancy.account_number, set()).add(occupancy.premise_id)
    include_future = False
    keep = set(premises)
    for entry in authorization_details:
        for field_name in ("servicepoint_numbers", "meter_numbers", "account_numbers", "premise_numbers", "addresses"):
            values = entry.get(field_name)
            if values is None:
                continue
            include_future = include_future or scopes.INCLUDE_FUTURE in values
            if scopes.ALL in values:
                continue
            wanted = set(values) - {scopes.INCLUDE_FUTURE}
            if field_name in ("servicepoint_numbers", "premise_numbers"):
                matched = {pk for pk, premise in premises.items() if premise.esiid in wanted}
            elif field_name == "meter_numbers":
                matched = set(
                    Premise.objects.filter(pk__in=keep, meters__meter_number__in=wanted).values_list("pk", flat=True)
                )
            elif field_name == "addresses":
                matched = addresses.premises_at(premises.values(), sorted(wanted))
            else:
                matched = {pk for number in wanted for pk in accounts.get(number, ())}
            keep &= matched
    return sorted((premises[pk] for pk in keep), key=lambda premise: premise.esiid), include_future


def _chosen(customer: User, authorization_details: list[dict], premise_ids: list[int]) -> list[Premise]:
    """The premises the customer ticked, out of those offered; all of them when the request
    was read-only (allow_scope_modifications false)."""
    offered, _ = offered_premises(customer=customer, authorization_details=authorization_details)
    wanted = set(premise_ids)
    chosen = [premise for premise in offered if premise.pk in wanted]
    if not chosen or len(chosen) != len(wanted):
        raise AgreementError(
            "no_premises", "Choose at least one of your service points.", fields={"premise": ["Choose one."]}
        )
    read_only = any(entry.get("allow_scope_modifications") is False for entry in authorization_details)
    if read_only and len(chosen) != len(offered):
        raise AgreementError("read_only", "This request shares exactly the service points shown.")
    return chosen


def _terms(authorization_details: list[dict], now: datetime) -> dict:
    """The agreement's dates and data kinds from the consented entries."""
    ends = [rar.resolve_datetime(entry["expires"], now=now) for entry in authorization_details]
    ends_at = min(moment for moment in ends if moment is not None)
    starts = [
        rar.resolve_date_back(entry["segment_start"], now=now)
        for entry in authorization_details
        if "segment_start" in entry
    ]
    data_kinds = sorted({kind for entry in authorization_details for kind in scopes.SCOPES[entry["type"]].data_kinds})
    months = min(MAX_TERM_MONTHS, max(1, math.ceil((ends_at - now) / timedelta(days=30.44))))
    return {
        "ends_at": ends_at,
        "data_from": min(starts) if starts else now,
        "data_kinds": data_kinds,
        "months": months,
    }


def purpose_of(client: OAuthClient, authorization_details: list[dict]) -> dict | None:
    for entry in authorization_details:
        purpose_id = entry.get("purpose")
        if purpose_id:
            return (client.purposes or {}).get(purpose_id)
    return None


@transaction.atomic
def create_grant(
    *,
    by: User,
    client: OAuthClient,
    scope_ids: list[str],
    authorization_details: list[dict],
    premise_ids: list[int],
    include_future: bool,
) -> OAuthGrant:
    """The customer approves: an Energy Data agreement (source OAuth) for the premises chosen out
    of those offered, its grant with a receipt, the audit event and the receipt e-mail."""
    check_consenter(customer=by, client=client)
    if client.third_party is None or not client.third_party.is_active:
        raise AgreementError("third_party_inactive", "This company can no longer make agreements.", status_code=409)
    chosen = _chosen(by, authorization_details, premise_ids)
    now = timezone.now()
    terms = _terms(authorization_details, now)
    agreement = Agreement.objects.create(
        agreement_type=AgreementType.ENERGY_DATA,
        source=Agreement.Source.OAUTH,
        customer=by,
        third_party=client.third_party,
        duration_kind=DurationKind.CONTINUOUS,
        starts_at=now,
        accepted_at=now,
        **terms,
    )
    agreement.premises.set(chosen)
    grant = OAuthGrant.objects.create(
        agreement=agreement,
        client=client,
        scope=" ".join(scope_ids),
        authorization_details=[rar.absolute(entry, now=now) for entry in authorization_details],
        include_future_premises=include_future,
        purpose=purpose_of(client, authorization_details),
    )
    event(
        action=Action.AGREEMENT_CREATED,
        actor=resolve_actor(by),
        at=now,
        agreement=agreement,
        detail=f"{agreement.number}: consent to {client.name} through OAuth ({grant.scope}).",
    ).save()
    grant_emails.receipt(grant)
    return grant


def find_grant(*, client: OAuthClient, grant_id: str) -> OAuthGrant:
    """A grant of the client's registration by its id (the agreement number)."""
    grant = (
        OAuthGrant.objects.select_related("agreement", "client")
        .filter(agreement__number=grant_id, client__registration_id=client.registration_id)
        .first()
        if client.registration_id and isinstance(grant_id, str)
        else None
    )
    if grant is None:
        raise not_found("grant")
    return grant


def check_reauthorization(*, client: OAuthClient, grant_id: str, customer: User | None = None) -> OAuthGrant:
    """`cds_grant_id` on an authorization request (WG1-02 §8.3): a grant of this very client;
    after login, of this very customer."""
    grant = OAuthGrant.objects.select_related("agreement").filter(agreement__number=grant_id, client=client).first()
    if grant is None or status_of(grant) in ("revoked", "closed", "disabled"):
        raise AgreementError("cds_grant_id_invalid_value", "cds_grant_id does not name a grant of this client.")
    if customer is not None and grant.agreement.customer_id != customer.pk:
        raise AgreementError("cds_grant_id_invalid_user", "This grant belongs to another customer.")
    return grant


@transaction.atomic
def reauthorize_grant(
    *,
    by: User,
    grant: OAuthGrant,
    scope_ids: list[str],
    authorization_details: list[dict],
    premise_ids: list[int],
    include_future: bool,
) -> OAuthGrant:
    """The customer approves an authorization request naming the grant: it now covers what was
    approved, from now (WG1-02 §8.3)."""
    check_reauthorization(client=grant.client, grant_id=grant.agreement.number, customer=by)
    check_consenter(customer=by, client=grant.client)
    chosen = _chosen(by, authorization_details, premise_ids)
    now = timezone.now()
    agreement = Agreement.objects.select_for_update().get(pk=grant.agreement_id)
    for key, value in _terms(authorization_details, now).items():
        setattr(agreement, key, value)
    agreement.status, agreement.accepted_at = Agreement.Status.ACTIVE, now
    agreement.ended_at, agreement.ended_by, agreement.ended_by_role, agreement.end_reason = None, None, "", ""
    agreement.save()
    agreement.premises.set(chosen)
    grant.scope = " ".join(scope_ids)
    grant.requested_scope = ""
    grant.authorization_details = [rar.absolute(entry, now=now) for entry in authorization_details]
    grant.include_future_premises = include_future
    grant.purpose = purpose_of(grant.client, authorization_details)
    grant.save()
    event(
        action=Action.AGREEMENT_EXTENDED,
        actor=resolve_actor(by),
        at=now,
        agreement=agreement,
        detail=f"Consent renewed through OAuth ({grant.scope}).",
    ).save()
    grant_emails.receipt(grant)
    return grant


# --- Ending grants and their tokens -----------------------------------------------------------


@transaction.atomic
def close_grant(*, client: OAuthClient, grant: OAuthGrant) -> OAuthGrant:
    """The client closes the grant (Grants API PATCH status=closed): the agreement is terminated
    by the third party, which revokes the tokens (end_agreements)."""
    terminate_agreement(
        by=None,
        agreement=grant.agreement,
        reason=f"Closed by {client.name} through the Grants API.",
        third_party=client.third_party,
    )
    grant.refresh_from_db()
    return grant


@transaction.atomic
def revoke_from_receipt(*, grant: OAuthGrant, receipt_token: str) -> OAuthGrant:
    """The customer revokes through the receipt's link; the receipt's random URL proves them."""
    if receipt_token != grant.receipt_token:
        raise not_found("grant")
    terminate_agreement(
        by=grant.agreement.customer, agreement=grant.agreement, reason="Revoked from the consent receipt."
    )
    grant.refresh_from_db()
    return grant


@transaction.atomic
def change_scope(*, client: OAuthClient, grant: OAuthGrant, scope: str) -> OAuthGrant:
    """Grants API PATCH of `scope`: narrowing applies at once and needs no consent; anything wider
    waits as `needs_authorization` for the customer (an authorization request with cds_grant_id)."""
    requested = scope.split() if isinstance(scope, str) else []
    if not requested or any(item not in client.allowed_scope_set for item in requested):
        raise AgreementError("invalid_scope", "Give scopes this client holds.", fields={"scope": ["Unknown scope."]})
    current = grant.scope.split()
    if set(requested) <= set(current):
        grant.scope = " ".join(item for item in current if item in requested)
        grant.authorization_details = [entry for entry in grant.authorization_details if entry["type"] in requested]
        grant.requested_scope = ""
        detail = f"Narrowed by the client to {grant.scope}."
    else:
        grant.requested_scope = " ".join(requested)
        detail = f"The client asks for {grant.requested_scope}; waits for the customer."
    grant.save()
    event(
        action=Action.AGREEMENT_CHANGED,
        actor=resolve_actor(None, client.third_party),
        at=timezone.now(),
        agreement=grant.agreement,
        detail=detail,
    ).save()
    return grant


# --- Tokens and reads -------------------------------------------------------------------------


def token_grants(access_token) -> list[OAuthGrant]:
    return list(
        OAuthGrant.objects.filter(tokens__access_token=access_token).select_related("agreement", "client").distinct()
    )


def link_tokens(*, grant_ids, access_token) -> None:
    GrantToken.objects.bulk_create(
        [GrantToken(grant_id=grant_id, access_token=access_token) for grant_id in grant_ids], ignore_conflicts=True
    )


def link_code(*, code: str, grant_ids) -> None:
    GrantCode.objects.bulk_create([GrantCode(code_checksum=token_checksum(code), grant_id=pk) for pk in grant_ids])


def code_grants(code: str) -> list[OAuthGrant]:
    return list(
        OAuthGrant.objects.filter(codes__code_checksum=token_checksum(code))
        .select_related("agreement", "client")
        .distinct()
    )


def token_may_read(*, access_token, premise: Premise, kind: str, start: datetime, end: datetime) -> access.Decision:
    """The access gate for a consent (or grant admin) token: the premise must be one of its own
    live grants', and the gate must allow the third party's read."""
    now = timezone.now()
    grants = [grant for grant in token_grants(access_token) if is_live(grant, now)]
    covering = [grant for grant in grants if grant.agreement.premises.filter(pk=premise.pk).exists()]
    if not covering:
        return access.Decision(False, "other_premise", "This token's grants do not cover this service point.")
    return access.may_read(
        third_party=covering[0].agreement.third_party, premise=premise, kind=kind, start=start, end=end
    )


def attach_future_premise(*, customer: User, premise: Premise) -> list[int]:
    """A customer who moved in: their live grants that asked for future premises now cover the new
    one (`_include_future`). For provisioning's move-in to call. Returns the agreements changed."""
    grants = OAuthGrant.objects.filter(
        live_grants_q(timezone.now()), include_future_premises=True, agreement__customer=customer
    ).select_related("agreement")
    changed = []
    with transaction.atomic():
        for grant in grants:
            grant.agreement.premises.add(premise)
            changed.append(grant.agreement_id)
    return changed
