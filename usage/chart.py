"""The customer's usage page in figures: interval reads of the windows the access gate gave, summed
per 15 minutes, local day or local month, with the estimated cost where a tariff exists, as table
rows and as the chart's arrays. Read-only; built from the streaming selectors in one pass."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q

from . import selectors
from .models import Series, Tariff
from .services import costs
from .tou import LocalClock, date_to_day, day_to_date

INTERVAL, DAILY, MONTHLY = "interval", "daily", "monthly"
RESOLUTIONS = {INTERVAL: "15 minutes", DAILY: "Daily", MONTHLY: "Monthly"}

LABELS = {
    INTERVAL: lambda moment: f"{moment:%a %b} {moment.day}, {moment:%H:%M} {moment.tzname()}",
    DAILY: lambda moment: f"{moment:%a %b} {moment.day}, {moment.year}",
    MONTHLY: lambda moment: f"{moment:%B %Y}",
}


@dataclass
class UsageRow:
    """One line of the table and one point of the chart."""

    start: datetime  # local, aware: the interval's start, or the day's or month's first midnight
    consumption_wh: int = 0
    generation_wh: int = 0
    cost: Decimal | None = None  # offtake cost - injection credit, unrounded; None when unpriced
    estimated: bool = False  # at least one read in it was estimated

    @property
    def consumption_kwh(self) -> Decimal:
        return Decimal(self.consumption_wh).scaleb(-3)

    @property
    def generation_kwh(self) -> Decimal:
        return Decimal(self.generation_wh).scaleb(-3)


@dataclass
class UsageFigures:
    resolution: str
    time_zone: str
    rows: list[UsageRow] = field(default_factory=list)
    has_generation: bool = False
    summary: costs.CostSummary | None = None  # None: no tariff for this premise at all

    @property
    def total_consumption_kwh(self) -> Decimal:
        return Decimal(sum(row.consumption_wh for row in self.rows)).scaleb(-3)

    @property
    def total_generation_kwh(self) -> Decimal:
        return Decimal(sum(row.generation_wh for row in self.rows)).scaleb(-3)

    @property
    def labelled_rows(self):
        """(label, row) pairs for the table, the time told with its zone's abbreviation, so the
        repeated hour of a fall-back day reads 01:00 CDT, then 01:00 CST."""
        label = LABELS[self.resolution]
        for row in self.rows:
            yield label(row.start), row

    @property
    def priced(self) -> bool:
        return self.summary is not None and self.summary.priced

    def chart(self) -> dict:
        """The chart's data: instants as epoch seconds (the page draws them in `time_zone`, so a
        daylight-saving day is just 23 or 25 hours of points), energy in kWh, cost in currency."""
        return {
            "resolution": self.resolution,
            "time_zone": self.time_zone,
            "currency": self.summary.currency if self.priced else "",
            "x": [int(row.start.timestamp()) for row in self.rows],
            "consumption": [row.consumption_wh / 1000 for row in self.rows],
            "generation": [row.generation_wh / 1000 for row in self.rows] if self.has_generation else None,
            "cost": [None if row.cost is None else float(row.cost) for row in self.rows] if self.priced else None,
        }

    def regrouped(self, resolution: str) -> "UsageFigures":
        """The same figures summed coarser (15 minutes to days, days to months)."""
        figures = UsageFigures(resolution, self.time_zone, has_generation=self.has_generation, summary=self.summary)
        zone = ZoneInfo(self.time_zone)
        buckets: dict[object, UsageRow] = {}
        for row in self.rows:
            day = row.start.date()
            key = day if resolution == DAILY else (day.year, day.month)
            bucket = buckets.get(key)
            if bucket is None:
                first = day if resolution == DAILY else day.replace(day=1)
                bucket = buckets[key] = UsageRow(datetime.combine(first, time.min, tzinfo=zone))
            _add(bucket, row.consumption_wh, row.generation_wh, row.cost, row.estimated)
        figures.rows = list(buckets.values())
        return figures


def usage_figures(*, premise, windows: Iterable[tuple[datetime, datetime]], resolution: str) -> UsageFigures:
    """The premise's reads in `windows` (from `agreements.access.customer_windows`), summed per
    `resolution`, priced when the premise or its label partner has a tariff. One pass over the
    streamed rows: the cost summary reads them as they are summed."""
    windows = list(windows)
    figures = UsageFigures(resolution, premise.time_zone)
    if not windows:
        return figures
    zone = ZoneInfo(premise.time_zone)
    key_of, start_of = _bucket_keys(resolution, zone)
    timeline = None
    if _has_tariff(premise):
        timeline = costs.tariff_timeline(premise=premise, start=windows[0][0], end=windows[-1][1])
    buckets: dict[int, UsageRow] = {}

    def summed(rows):
        for row in rows:
            start, series, wh, estimated, _revised = row
            key = key_of(start)
            bucket = buckets.get(key)
            if bucket is None:
                bucket = buckets[key] = UsageRow(start_of(key))
            cost = timeline.cost(start, series, wh) if timeline is not None else None
            if series == Series.GENERATION:
                figures.has_generation = True
                _add(bucket, 0, wh, None if cost is None else -cost, estimated)
            else:
                _add(bucket, wh, 0, cost, estimated)
            yield row

    rows = summed(selectors.interval_rows(premise_id=premise.pk, windows=windows))
    if timeline is not None:
        figures.summary = costs.estimate_cost(premise=premise, rows=rows)
    else:
        for _row in rows:
            pass
    figures.rows = list(buckets.values())
    return figures


def _bucket_keys(resolution: str, zone: ZoneInfo):
    """(key of an interval's bucket from its start in epoch seconds, the bucket's local start from
    its key). Keys are numbers: two local datetimes of the repeated hour of a fall-back day would
    compare equal."""
    if resolution == INTERVAL:
        return (lambda seconds: seconds), (lambda seconds: datetime.fromtimestamp(seconds, zone))
    clock = LocalClock(zone)
    if resolution == DAILY:
        key = clock.local_day
    else:
        months: dict[int, int] = {}  # local day number -> the local day number of its month's first

        def key(seconds: int) -> int:
            day = clock.local_day(seconds)
            first = months.get(day)
            if first is None:
                first = months[day] = date_to_day(day_to_date(day).replace(day=1))
            return first

    return key, lambda day: datetime.combine(day_to_date(day), time.min, tzinfo=zone)


def _add(bucket: UsageRow, consumption_wh: int, generation_wh: int, cost: Decimal | None, estimated: bool) -> None:
    bucket.consumption_wh += consumption_wh
    bucket.generation_wh += generation_wh
    if cost is not None:
        bucket.cost = cost if bucket.cost is None else bucket.cost + cost
    bucket.estimated = bucket.estimated or estimated


def _has_tariff(premise) -> bool:
    holders = Q(premise=premise)
    if premise.label_partner_id:
        holders |= Q(label_partner_id=premise.label_partner_id)
    return Tariff.objects.filter(holders).exists()
