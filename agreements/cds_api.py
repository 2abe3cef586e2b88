"""The base of every CDS customer-data list: a `portal.cds.resources` list whose reach is the
token's live grants (`agreements.cds_reach`). The lists themselves live in the app owning their
data (`meters.cds_api`, `usage.cds_api`). Reads by direct-access tokens are logged here, in the
data-access log each premise's customer sees: customer objects per premise and data set, usage
(summed over an aggregation) per member premise, each naming the direct-access agreement."""

from collections import Counter

from django.utils import timezone

from meters.models import BillingAccount, Occupancy, Premise
from portal.cds.resources import CustomerDataListView
from reports.models import DataAccessLog
from usage.models import Aggregation
from usage.services.aggregations import members

from .cds_reach import Reach, reach_of
from .models import DataKind


class GrantedListView(CustomerDataListView):
    def reach_for(self, request) -> Reach:
        cached = getattr(request, "_cds_reach", None)
        if cached is None:
            cached = request._cds_reach = reach_of(request.auth)
        return cached

    def record(self, request, items, reach) -> None:
        if not reach.direct or not items:
            return
        if self.api == "usage_segments":
            _log_aggregated_usage(request, items, reach)
        elif self.api != "aggregations":  # an aggregation's own fields are no customer's data
            _log_objects(request, self.api, _premises_read(items, reach, self.api), reach)


def _premises_read(items, reach, api: str) -> Counter:
    """Premise id -> how many of the page's objects belong to it."""
    counts, by_account = Counter(), Counter()
    for item in items:
        if isinstance(item, Premise):
            counts[item.pk] += 1
        elif isinstance(item, BillingAccount):
            by_account[item.account_number] += 1
        elif getattr(item, "service_contract_id", None):  # a bill section of one service
            counts[item.service_contract.occupancy.premise_id] += 1
        elif getattr(item, "occupancy_id", None):  # a service contract
            counts[item.occupancy.premise_id] += 1
        elif getattr(item, "premise_id", None):  # a meter
            counts[item.premise_id] += 1
        elif getattr(item, "account_id", None):  # a statement, or a section of the whole account
            by_account[item.account.account_number] += 1
    if by_account:
        for premise_id, number in (
            reach.occupancies(api)
            .filter(account_number__in=list(by_account))
            .values_list("premise_id", "account_number")
        ):
            counts[premise_id] += by_account[number]
    return counts


def _occupants(premise_ids) -> dict[int, int]:
    """Premise id -> its customer now: the one who sees the read in their data-access log."""
    return dict(Occupancy.objects.current().filter(premise_id__in=premise_ids).values_list("premise_id", "customer_id"))


def _log(approval, rows: dict[int, int], *, kind: str, start, end, reference: str, now) -> list[DataAccessLog]:
    """Entries for the premises read (premise id -> rows read), each naming the premise's customer."""
    occupants = _occupants(list(rows))
    return [
        DataAccessLog(
            third_party_id=approval.agreement.third_party_id,
            agreement_id=approval.agreement_id,
            premise_id=premise_id,
            customer_id=occupants.get(premise_id),
            kind=kind,
            period_start=start,
            period_end=end,
            rows=count,
            via=DataAccessLog.Via.API,
            reference=reference[:200],
            at=now,
        )
        for premise_id, count in rows.items()
    ]


def _log_objects(request, api: str, counts: Counter, reach) -> None:
    """Customer objects read directly: one entry per premise (the objects as they were now)."""
    approval = reach.approvals_for(api)[0]
    now = timezone.now()
    reference = f"CDS direct access {approval.agreement.number}: {request.path}"
    DataAccessLog.objects.bulk_create(
        _log(approval, dict(counts), kind=api, start=now, end=now, reference=reference, now=now)
    )


def _log_aggregated_usage(request, segments: list[dict], reach) -> None:
    """Each member premise of an aggregation served: its monthly usage was read, summed with others."""
    now = timezone.now()
    by_aggregation: dict[int, list[dict]] = {}
    for segment in segments:
        for aggregation_id in segment["related_aggregations"]:
            by_aggregation.setdefault(int(aggregation_id), []).append(segment)
    approvals = reach.approvals_for("usage_segments")
    logs = []
    for aggregation in Aggregation.objects.filter(pk__in=by_aggregation):
        served = by_aggregation[aggregation.pk]
        approval = next(item for item in approvals if aggregation.number in item.aggregation_numbers)
        start, end = min(item["segment_start"] for item in served), max(item["segment_end"] for item in served)
        reference = f"CDS direct access {approval.agreement.number}, summed in {aggregation.number}: {request.path}"
        rows = dict.fromkeys(members(aggregation).values_list("pk", flat=True), len(served))
        logs += _log(approval, rows, kind=DataKind.MONTHLY, start=start, end=end, reference=reference, now=now)
    DataAccessLog.objects.bulk_create(logs)
