"""What a CDS access token reaches: for each customer-data API, the live grants behind the token,
the authorization-details entries that open the API, and the service points each one covers.

The rules (WG3-01 §3.2-3.3):
  * an entry counts only if its scope type is in the token's scope (a narrowed grant or token
    reaches less) and its grant is live;
  * an API opens by the entry's type (e.g. `cds_meters` opens meter devices) or by an object
    include (`include_meter_devices`);
  * the grant's premises are narrowed again by the entry's preselections (which only ever
    narrow: `_all` and null leave them as they are);
  * optional fields appear only under a field include the entry sets (or its type implies:
    `cds_rate_plan` shows rate plans).
Reads of meter data still go through the access gate (`usage_windows`).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from meters import addresses
from meters.models import BillingAccount, Occupancy, Premise
from portal.cds import scopes, value_types

from . import access
from .models import DirectAccessToken, OAuthGrant
from .services import grants as grant_services

# API -> (scope types that open it, the object include that adds it)
API_OPENERS = {
    "accounts": (
        {"cds_accounts", "cds_service_contracts", "cds_bill_statements", "cds_service_bills", "cds_account_programs"},
        "include_accounts",
    ),
    "service_contracts": (
        {"cds_service_contracts", "cds_rate_plan", "cds_service_programs", "cds_service_bills"},
        "include_service_contracts",
    ),
    "service_points": (set(), "include_service_points"),
    "meter_devices": ({"cds_meters"}, "include_meter_devices"),
    "bill_statements": ({"cds_bill_statements"}, "include_bill_statements"),
    "bill_sections": ({"cds_service_bills"}, "include_bill_sections"),
    "aggregations": (set(), "include_aggregations"),
    "usage_segments": ({"cds_usage"}, "include_usage_segments"),
    "eacs": (set(), "include_eacs"),
}
# Field includes a scope type implies (its default access covers those fields).
IMPLIED_INCLUDES = {
    "cds_rate_plan": {"include_rate_plans"},
    "cds_account_programs": {"include_account_programs"},
    "cds_service_programs": {"include_service_programs"},
}
PRESELECTIONS = ("servicepoint_numbers", "meter_numbers", "account_numbers", "addresses")


@dataclass(frozen=True)
class Share:
    """One entry of one live grant, with the premises it covers after its preselections."""

    grant: OAuthGrant
    entry: dict
    premise_ids: frozenset

    def sets(self, flag: str) -> bool:
        return bool(self.entry.get(flag)) or flag in IMPLIED_INCLUDES.get(self.entry["type"], ())


@dataclass
class Reach:
    token_scopes: set
    shares: list = field(default_factory=list)
    direct = False

    def for_api(self, api: str) -> list[Share]:
        types, include = API_OPENERS[api]
        return [share for share in self.shares if share.entry["type"] in types or share.entry.get(include)]

    def opens(self, api: str) -> bool:
        return bool(self.for_api(api))

    def premise_ids(self, api: str) -> set[int]:
        return {pk for share in self.for_api(api) for pk in share.premise_ids}

    def includes(self, api: str, flag: str) -> bool:
        return any(share.sets(flag) for share in self.for_api(api))

    def usage_value_types(self, api: str) -> dict[int, set[str]]:
        """Premise id -> the usage-segment value types (format ids) of the shares covering it
        (`include_usage_segment_value_types`, WG3-01 §7.2.8.1), their union: null chooses none; an
        entry without the field (a grant from before it) every one."""
        chosen: dict[int, set[str]] = {}
        for share in self.for_api(api):
            types = share.entry.get(value_types.FIELD, value_types.ALL) or ()
            for premise_id in share.premise_ids:
                chosen.setdefault(premise_id, set()).update(types)
        return chosen

    def occupancies(self, api: str):
        """The occupancies of each grant's customer at the premises the API reaches."""
        condition = Q(pk__in=[])
        for share in self.for_api(api):
            condition |= Q(customer_id=share.grant.agreement.customer_id, premise_id__in=share.premise_ids)
        return Occupancy.objects.filter(condition)

    def accounts(self, api: str):
        """Billing accounts behind those occupancies, by (customer, account number)."""
        condition = Q(pk__in=[])
        for customer_id, number in self.occupancies(api).values_list("customer_id", "account_number").distinct():
            condition |= Q(customer_id=customer_id, account_number=number)
        return BillingAccount.objects.filter(condition)

    def usage_windows(self, api: str, *, kind: str, start: datetime, end: datetime) -> dict[int, list]:
        """Premise id -> [(lower, upper)] of [start, end) each share may read now: the access gate
        for the share's own agreement, trimmed by `segment_start` and `sync_until`."""
        windows: dict[int, list] = {}
        now = timezone.now()
        for share in self.for_api(api):
            agreement = share.grant.agreement
            lower, upper = start, min(end, now)
            floor = _moment(share.entry.get("segment_start"), date_only=True)
            ceiling = _moment(share.entry.get("sync_until"))
            lower = max(lower, floor) if floor else lower
            upper = min(upper, ceiling) if ceiling else upper
            if lower >= upper:
                continue
            readable = access.readable_windows(
                third_party=agreement.third_party,
                premises=list(share.premise_ids),
                kind=kind,
                start=lower,
                end=upper,
                agreement=agreement,
            )
            for premise_id, window in readable.items():
                windows.setdefault(premise_id, []).append(window)
        return {premise_id: _merged(spans) for premise_id, spans in windows.items()}


def _merged(windows: list) -> list:
    """Overlapping or touching windows as one (several entries often allow the same period)."""
    merged: list = []
    for lower, upper in sorted(windows):
        if merged and lower <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], upper))
        else:
            merged.append((lower, upper))
    return merged


def _moment(value, *, date_only: bool = False):
    from portal.cds import rar

    if not value or value == rar.INFINITE:
        return None
    if date_only:
        return rar.resolve_date_back(value, now=timezone.now())
    return rar.resolve_datetime(value, now=timezone.now())


def _wanted(entry: dict, name: str) -> set | None:
    """The values a preselection narrows to; None where it leaves everything (null, `_all`, or only
    `_include_future`)."""
    values = entry.get(name)
    if values is None or scopes.ALL in values:
        return None
    wanted = set(values) - {scopes.INCLUDE_FUTURE}
    if not wanted and scopes.INCLUDE_FUTURE in values:
        return None
    return wanted


def _narrowed(premises: list[Premise], entry: dict, account_numbers: dict[int, set]) -> frozenset:
    keep = {premise.pk for premise in premises}
    for name in PRESELECTIONS:
        wanted = _wanted(entry, name)
        if wanted is None:
            continue
        if name == "servicepoint_numbers":
            keep &= {premise.pk for premise in premises if premise.esiid in wanted}
        elif name == "meter_numbers":
            keep &= {
                premise.pk for premise in premises if {meter.meter_number for meter in premise.meters.all()} & wanted
            }
        elif name == "addresses":  # each value must name exactly one of the grant's premises
            keep &= addresses.premises_at(premises, sorted(wanted))
        else:
            keep &= {premise.pk for premise in premises if account_numbers.get(premise.pk, set()) & wanted}
    return frozenset(keep)


# Direct access: the scope that opens each API for a client-credentials token (WG3-01 §3.2). Usage
# is only ever served summed over aggregations, so cds_query_usage opens aggregations too.
DIRECT_OPENERS = {
    "accounts": {"cds_query_accounts"},
    "service_contracts": {"cds_query_service_contracts"},
    "service_points": {"cds_query_service_points"},
    "meter_devices": {"cds_query_meter_devices"},
    "bill_statements": {"cds_query_bill_statements"},
    "bill_sections": {"cds_query_bill_sections"},
    "aggregations": {"cds_query_aggregations", "cds_query_usage"},
    "usage_segments": {"cds_query_usage"},
}
AGGREGATED = ("aggregations", "usage_segments")


class DirectReach(Reach):
    """A client-credentials token with `cds_query_*` scopes: no customer; it reads what the client's
    live staff approvals cover (the gate `access.direct_premises`), in the token's scope. Customer
    objects come from the covered premises' current occupancies; usage only summed over approved
    aggregations that meet the privacy threshold."""

    direct = True

    def __init__(self, token_scopes: set, client, details: list[dict] = ()):
        super().__init__(token_scopes=token_scopes)
        self.client = client
        self.approvals = list(access.live_approvals(client=client))
        # The token's own preselections, per scope: they narrow within the approvals.
        self.entries = {entry["type"]: entry for entry in details if isinstance(entry, dict) and "type" in entry}

    def for_api(self, api: str) -> list[Share]:
        return []

    def approvals_for(self, api: str) -> list:
        opened = DIRECT_OPENERS.get(api, set()) & self.token_scopes
        return [approval for approval in self.approvals if approval.scope_set & opened]

    def opens(self, api: str) -> bool:
        return bool(self.approvals_for(api))

    def premise_ids(self, api: str):
        """A subquery of premise ids (an approval may cover every premise); aggregated APIs name none."""
        if api in AGGREGATED or not self.opens(api):
            return Premise.objects.none().values("pk")
        scope = next(iter(DIRECT_OPENERS[api]))
        premises = access.direct_premises(client=self.client, scope=scope, approvals=self.approvals)
        return _preselected(premises, self.entries.get(scope, {})).values("pk")

    def includes(self, api: str, flag: str) -> bool:
        return any(flag in approval.includes for approval in self.approvals_for(api))

    def occupancies(self, api: str):
        return Occupancy.objects.current().filter(premise_id__in=self.premise_ids(api))

    def accounts(self, api: str):
        occupancies = self.occupancies(api)
        return BillingAccount.objects.filter(
            Exists(occupancies.filter(customer_id=OuterRef("customer_id"), account_number=OuterRef("account_number")))
        )

    def aggregation_numbers(self, api: str) -> set[str]:
        approved = {str(number) for approval in self.approvals_for(api) for number in approval.aggregation_numbers}
        for scope in DIRECT_OPENERS[api] & self.token_scopes:
            wanted = self.entries.get(scope, {}).get("aggregation_numbers")
            if wanted is not None and scopes.ALL not in wanted:
                approved &= set(map(str, wanted))
        return approved

    def usage_windows(self, api: str, *, kind: str, start: datetime, end: datetime) -> dict[int, list]:
        return {}


def _preselected(premises, entry: dict):
    """`premises` narrowed by a direct token's preselections (`_all`, `_include_future` and null
    leave them as they are)."""
    for name in ("servicepoint_numbers", "meter_numbers", "account_numbers"):
        wanted = _wanted(entry, name)
        if wanted is None:
            continue
        if name == "servicepoint_numbers":
            premises = premises.filter(esiid__in=wanted)
        elif name == "meter_numbers":
            premises = premises.filter(pk__in=Premise.objects.filter(meters__meter_number__in=wanted).values("pk"))
        else:
            premises = premises.filter(
                pk__in=Occupancy.objects.current().filter(account_number__in=wanted).values("premise_id")
            )
    return premises


def reach_of(access_token) -> Reach:
    """The reach of a consent (or grant admin) token: its live grants' entries in its scope; a
    direct-access token (no grant) reaches what its client's live approvals cover."""
    token_scopes = set((access_token.scope or "").split())
    if token_scopes & set(scopes.scope_ids(scopes.DIRECT)) and not grant_services.token_grants(access_token):
        stored = DirectAccessToken.objects.filter(access_token=access_token).first()
        details = stored.authorization_details if stored else []
        return DirectReach(token_scopes=token_scopes, client=access_token.application, details=details)
    reach = Reach(token_scopes=token_scopes)
    now = timezone.now()
    for grant in grant_services.token_grants(access_token):
        if not grant_services.is_live(grant, now):
            continue
        premises = list(grant.agreement.premises.prefetch_related("meters"))
        account_numbers: dict[int, set] = {}
        for premise_id, number in Occupancy.objects.filter(
            customer_id=grant.agreement.customer_id, premise__in=premises
        ).values_list("premise_id", "account_number"):
            account_numbers.setdefault(premise_id, set()).add(number)
        for entry in grant.authorization_details:
            if entry.get("type") in token_scopes and entry["type"] in grant.scope.split():
                reach.shares.append(Share(grant, entry, _narrowed(premises, entry, account_numbers)))
    return reach


DATA_SET_NAMES = {
    "accounts": "Billing accounts",
    "service_contracts": "Service contracts (and rate plans)",
    "service_points": "Service points (addresses)",
    "meter_devices": "Meters",
    "bill_statements": "Bill statements",
    "bill_sections": "Bill details (sections and line items)",
    "aggregations": "Aggregations you belong to",
    "usage_segments": "Energy use (15-minute, daily, monthly)",
    "eacs": "Energy attribute certificates (solar surplus)",
}


def grant_data_sets(grant: OAuthGrant) -> list[dict]:
    """Per CDS data set, whether this grant lets its company read it now (what the customer sees)."""
    reach = Reach(token_scopes=set(grant.scope.split()))
    reach.shares = [Share(grant, entry, frozenset()) for entry in grant.authorization_details]
    live = grant_services.is_live(grant)
    return [{"name": name, "readable": live and reach.opens(api)} for api, name in DATA_SET_NAMES.items()]
