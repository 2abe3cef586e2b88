"""Aggregations: which premises a group holds, and whether its summed usage may be served.

The privacy threshold (WG3-01 §3.7; numbers in settings): a group's usage is served only when it
has at least `CDS_AGGREGATION_MIN_CUSTOMERS` customers and no customer's usage is more than
`CDS_AGGREGATION_MAX_SHARE` percent of any interval's total. Below it, a direct-access grant waits
(`needs_sub_grants`): each customer of the group is asked for `cds_aggregation_consent` (a sub-grant,
`agreements.services.direct_access`), and consenting customers count toward the threshold."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, Sum
from django.db.models.functions import Lower, TruncMonth
from django.utils import timezone

from agreements.services import direct_access
from meters.models import Occupancy, Premise
from portal.cds.errors import CdsError

from ..models import Aggregation, IntervalRead, MonthlyRead, Series
from .segment_values import FORWARD


def members(aggregation: Aggregation):
    """The premises of the group, read now (a postal code follows new premises)."""
    if aggregation.kind == Aggregation.Kind.POSTAL_CODE:
        return Premise.objects.filter(postal_code=aggregation.postal_code)
    if aggregation.kind == Aggregation.Kind.BUILDING:
        return Premise.objects.filter(service_address__iexact=aggregation.building_address)
    return aggregation.premises.all()


def containing(premise_ids) -> dict[int, list[Aggregation]]:
    """Premise id -> the aggregations it belongs to now (as `members` reads them), by number, for
    many premises in three queries."""
    premises = list(Premise.objects.filter(pk__in=premise_ids).values_list("pk", "postal_code", "service_address"))
    by_code, by_address = defaultdict(list), defaultdict(list)
    for pk, code, address in premises:
        by_code[code].append(pk)
        by_address[address.lower()].append(pk)
    listed = defaultdict(list)
    for aggregation_id, premise_id in Aggregation.premises.through.objects.filter(
        premise_id__in=[pk for pk, _code, _address in premises]
    ).values_list("aggregation_id", "premise_id"):
        listed[aggregation_id].append(premise_id)
    found = {pk: [] for pk, _code, _address in premises}
    for aggregation in Aggregation.objects.annotate(address=Lower("building_address")).filter(
        Q(kind=Aggregation.Kind.POSTAL_CODE, postal_code__in=[code for code in by_code if code])
        | Q(kind=Aggregation.Kind.BUILDING, address__in=[address for address in by_address if address])
        | Q(kind=Aggregation.Kind.LIST, pk__in=list(listed))
    ):
        if aggregation.kind == Aggregation.Kind.POSTAL_CODE:
            held = by_code[aggregation.postal_code]
        elif aggregation.kind == Aggregation.Kind.BUILDING:
            held = by_address[aggregation.address]
        else:
            held = listed[aggregation.pk]
        for premise_id in held:
            found[premise_id].append(aggregation)
    for aggregations in found.values():
        aggregations.sort(key=lambda aggregation: aggregation.number)  # code points, not the database's collation
    return found


def min_customers() -> int:
    return settings.CDS_AGGREGATION_MIN_CUSTOMERS


def max_share() -> Decimal:
    return Decimal(settings.CDS_AGGREGATION_MAX_SHARE)


@dataclass(frozen=True)
class Threshold:
    met: bool
    occupants: dict[int, list[int]]  # the group's customers -> their premise ids in it
    largest_share: Decimal | None  # percent of the biggest interval share, when usage was checked
    reason: str
    consented: int = 0

    @property
    def customers(self) -> int:
        return len(self.occupants)


def occupants(aggregation: Aggregation) -> dict[int, list[int]]:
    """The group's current customers: customer id -> their premise ids in the group."""
    found: dict[int, list[int]] = {}
    for customer_id, premise_id in (
        Occupancy.objects.current()
        .filter(premise_id__in=members(aggregation).values("pk"))
        .values_list("customer_id", "premise_id")
    ):
        found.setdefault(customer_id, []).append(premise_id)
    return found


def check_threshold(
    aggregation: Aggregation,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    consenting: frozenset | set = frozenset(),
) -> Threshold:
    """Does the group meet the privacy threshold (over [start, end) when given: the share rule
    is checked on the group's 15-minute reads there, or on its monthly reads without them)?

    Customers in `consenting` gave `cds_aggregation_consent`: they count toward the threshold
    whatever the group's size, and the share rule protects only those who did not consent. So a
    small group is served once every customer in it consented; one who declines keeps it refused."""
    premise_ids = list(members(aggregation).values_list("pk", flat=True))
    customers = occupants(aggregation)
    consented = set(customers) & set(consenting)
    if not customers or (len(customers) < min_customers() and consented != set(customers)):
        return Threshold(
            False,
            customers,
            None,
            f"{len(customers)} customers ({len(consented)} consented); at least {min_customers()} are needed, "
            "or every customer's consent.",
            len(consented),
        )
    watched = set(premise_ids) - {pk for customer_id in consented for pk in customers[customer_id]}
    share = None
    if start and end and watched:
        share = largest_share(premise_ids, start=start, end=end, watched=watched)
    if share is not None and share > max_share():
        return Threshold(
            False,
            customers,
            share,
            f"One customer is {share}% of an interval; at most {max_share()}% is allowed.",
            len(consented),
        )
    return Threshold(True, customers, share, "Meets the threshold.", len(consented))


def largest_share(premise_ids, *, start: datetime, end: datetime, watched=None) -> Decimal | None:
    """The largest percentage one premise (of `watched`, default all) has of any interval's group
    total (None: no reads)."""
    watched = set(premise_ids) if watched is None else set(watched)
    totals, largest = defaultdict(int), defaultdict(int)
    reads = IntervalRead.objects.filter(
        premise_id__in=premise_ids, interval_start__gte=start, interval_start__lt=end, series=Series.CONSUMPTION
    ).values_list("interval_start", "premise_id", "wh")
    for interval_start, premise_id, wh in reads.iterator(chunk_size=10_000):
        totals[interval_start] += wh
        if premise_id in watched:
            largest[interval_start] = max(largest[interval_start], wh)
    if not totals:
        cycles = MonthlyRead.objects.filter(
            premise_id__in=premise_ids, start_date__gte=start.date(), start_date__lt=end.date()
        )
        per_month = cycles.values("start_date__year", "start_date__month").annotate(total=Sum("actual_kwh"))
        if not per_month:
            return None
        shares = []
        for month in per_month:
            biggest = max(
                cycles.filter(
                    start_date__year=month["start_date__year"],
                    start_date__month=month["start_date__month"],
                    premise_id__in=watched,
                ).values_list("actual_kwh", flat=True),
                default=0,
            )
            if month["total"]:
                shares.append(biggest * 100 / month["total"])
        return max(shares).quantize(Decimal("0.01")) if shares else None
    shares = [Decimal(largest[key] * 100) / totals[key] for key in totals if totals[key]]
    return max(shares).quantize(Decimal("0.01")) if shares else None


def monthly_usage(aggregation: Aggregation, *, start: datetime, end: datetime, zone) -> list[tuple]:
    """[(month start, month end, kWh)] of the group's summed consumption, per local month that
    lies wholly in [start, end): only whole months, so no month is shown half counted."""
    premise_ids = members(aggregation).values("pk")
    totals = dict(
        IntervalRead.objects.filter(
            premise_id__in=premise_ids, series=Series.CONSUMPTION, interval_start__gte=start, interval_start__lt=end
        )
        .annotate(month=TruncMonth("interval_start", tzinfo=zone))
        .values("month")
        .annotate(total=Sum("wh"))
        .values_list("month", "total")
    )
    months = []
    for month, wh in sorted(totals.items()):
        first = month.astimezone(zone).date().replace(day=1)
        month = datetime.combine(first, time.min, tzinfo=zone)
        following = datetime.combine((first.replace(day=28) + timedelta(days=4)).replace(day=1), time.min, tzinfo=zone)
        if start <= month and following <= end:
            months.append((month, following, Decimal(wh).scaleb(-3)))
    return months


def consent_of(aggregation: Aggregation, approvals: list) -> tuple[set[int], list]:
    """(customers who consented, the approvals listing this aggregation)."""
    listing = [approval for approval in approvals if aggregation.number in approval.aggregation_numbers]
    consented, _declined = direct_access.consent_answers(
        approval_ids=[approval.pk for approval in listing], aggregation_number=aggregation.number
    )
    return consented, listing


def ask_consent_where_needed(approval) -> int:
    """When staff approve: sub-grants for each approved aggregation with too few customers (WG3-01
    §3.7), each customer not asked yet is asked for `cds_aggregation_consent` (the share rule needs
    a period: a read checks it). Returns how many were asked."""
    asked = 0
    for aggregation in Aggregation.objects.filter(number__in=approval.aggregation_numbers):
        consented, _ = consent_of(aggregation, [approval])
        threshold = check_threshold(aggregation, consenting=consented)
        if not threshold.met:
            asked += len(
                direct_access.request_sub_grants(
                    approval=approval,
                    aggregation_number=aggregation.number,
                    aggregation_name=aggregation.name,
                    members=threshold.occupants,
                )
            )
    return asked


def aggregated_segments(
    *,
    numbers: list[str] | None,
    after: datetime,
    before: datetime,
    approvals: list = (),
    approved_numbers: set[str] | None = None,
) -> list[dict]:
    """Direct access (`cds_query_usage`): the summed monthly usage of the aggregations `numbers`
    (each one `approved_numbers` holds: by default, those the approvals list), as CDS usage
    segments, each only when it meets the privacy threshold over the period; below it, its
    customers are asked for consent (sub-grants)."""
    if not numbers:
        raise CdsError(
            "aggregation_numbers_required",
            "Direct access reads usage summed over aggregations: give aggregation_numbers.",
            fields={"aggregation_numbers": ["Required."]},
        )
    approved = approved_numbers
    if approved is None:
        approved = {str(number) for approval in approvals for number in approval.aggregation_numbers}
    outside = sorted(set(numbers) - approved)
    if outside:
        raise CdsError(
            "other_aggregation",
            f"Your direct-access approval does not cover {' '.join(outside)}.",
            fields={"aggregation_numbers": ["Not approved."]},
            status_code=403,
        )
    zone = ZoneInfo(settings.TIME_ZONE)
    segments = []
    for aggregation in Aggregation.objects.filter(number__in=numbers).order_by("number"):
        consented, listing = consent_of(aggregation, approvals)
        threshold = check_threshold(aggregation, start=after, end=before, consenting=consented)
        if not threshold.met:
            direct_access.request_sub_grants(
                approval=listing[0],
                aggregation_number=aggregation.number,
                aggregation_name=aggregation.name,
                members=threshold.occupants,
            )
            raise CdsError(
                "needs_sub_grants",
                f"{aggregation.number} is below the privacy threshold ({threshold.reason}) Its customers are "
                "asked for cds_aggregation_consent.",
                status_code=403,
            )
        for start, end, kwh in monthly_usage(aggregation, start=after, end=before, zone=zone):
            segments.append(
                {
                    "cds_usagesegment_id": f"a-{aggregation.pk}-{int(start.timestamp())}",
                    "cds_created": aggregation.created_at,
                    "cds_modified": aggregation.updated_at,
                    "cds_synced": timezone.now(),
                    "related_accounts": [],
                    "related_servicecontracts": [],
                    "related_servicepoints": [],
                    "related_meterdevices": [],
                    "related_billsections": [],
                    "related_aggregations": [str(aggregation.pk)],
                    "segment_start": start,
                    "segment_end": end,
                    "interval": int(end.timestamp()) - int(start.timestamp()),
                    "formats": [FORWARD],
                    "values": [[{"eu": str(kwh)}]],
                }
            )
    return segments
