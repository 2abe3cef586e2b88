"""Aggregations: which premises a group holds, and whether its summed usage may be served.

The privacy threshold (WG3-01 §3.7; numbers in settings): a group's usage is served only when it
has at least `CDS_AGGREGATION_MIN_CUSTOMERS` customers and no customer's usage is more than
`CDS_AGGREGATION_MAX_SHARE` percent of any interval's total. Below it, a direct-access grant waits
(`needs_sub_grants`) until enough customers consent through `cds_aggregation_consent`."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

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


def min_customers() -> int:
    return settings.CDS_AGGREGATION_MIN_CUSTOMERS


def max_share() -> Decimal:
    return Decimal(settings.CDS_AGGREGATION_MAX_SHARE)


@dataclass(frozen=True)
class Threshold:
    met: bool
    customers: int
    largest_share: Decimal | None  # percent of the biggest interval share, when usage was checked
    reason: str


def check_threshold(
    aggregation: Aggregation, *, start: datetime | None = None, end: datetime | None = None
) -> Threshold:
    """Does the group meet the privacy threshold (over [start, end) when given: the share rule
    is checked on the group's 15-minute reads there, or on its monthly reads without them)?"""
    premise_ids = list(members(aggregation).values_list("pk", flat=True))
    customers = Occupancy.objects.current().filter(premise_id__in=premise_ids).values("customer_id").distinct().count()
    if customers < min_customers():
        return Threshold(False, customers, None, f"{customers} customers; at least {min_customers()} are needed.")
    share = largest_share(premise_ids, start=start, end=end) if start and end else None
    if share is not None and share > max_share():
        return Threshold(
            False, customers, share, f"One customer is {share}% of an interval; at most {max_share()}% is allowed."
        )
    return Threshold(True, customers, share, "Meets the threshold.")


def largest_share(premise_ids, *, start: datetime, end: datetime) -> Decimal | None:
    """The largest percentage one premise has of any interval's group total (None: no reads)."""
    totals, largest = defaultdict(int), defaultdict(int)
    reads = IntervalRead.objects.filter(
        premise_id__in=premise_ids, interval_start__gte=start, interval_start__lt=end, series=Series.CONSUMPTION
    ).values_list("interval_start", "wh")
    for interval_start, wh in reads.iterator(chunk_size=10_000):
        totals[interval_start] += wh
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
                    start_date__year=month["start_date__year"], start_date__month=month["start_date__month"]
                ).values_list("actual_kwh", flat=True)
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


def aggregated_segments(*, numbers: list[str] | None, after: datetime, before: datetime) -> list[dict]:
    """Direct access (`cds_query_usage`): the summed monthly usage of the aggregations `numbers`,
    as CDS usage segments, each only when it meets the privacy threshold over the period."""
    if not numbers:
        raise CdsError(
            "aggregation_numbers_required",
            "Direct access reads usage summed over aggregations: give aggregation_numbers.",
            fields={"aggregation_numbers": ["Required."]},
        )
    zone = ZoneInfo(settings.TIME_ZONE)
    segments = []
    for aggregation in Aggregation.objects.filter(number__in=numbers).order_by("number"):
        threshold = check_threshold(aggregation, start=after, end=before)
        if not threshold.met:
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
