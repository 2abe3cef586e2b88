"""CDS usage segments (WG3-01 §3.6) from our reads: `values[i]` covers
[segment_start + i*interval, segment_start + (i+1)*interval) and lines up with `formats`.

* 15-minute reads: one segment per local calendar month (interval 900 s). Quarter hours are
  fixed in UTC, so the 23- and 25-hour days simply hold 92 or 100 values.
* Daily reads: one segment per local month (interval 86400 s) split around each daylight-saving
  change, whose day is its own one-value segment of 82800 or 90000 s, so every value starts at a
  local midnight.
* Monthly (billing-cycle) reads: one segment per cycle, one value, the cycle's length.

Values are exact decimal strings: `eu` kWh (consumption) and `c` the cost under the tariff in force
(`usage.services.costs`), null where no tariff applies. A missing read is a row of nulls.

The work is in two steps: `plan` lists the segments a premise's windows hold (cheap: no reads),
so a page of them can be chosen first, and `fill` reads the values of just those segments.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..models import DailyRead, MonthlyRead, Series
from ..selectors import interval_rows
from .costs import tariff_timeline

INTERVAL, DAILY, MONTHLY = "interval", "daily", "monthly"
KIND_CODES = {INTERVAL: "i", DAILY: "d", MONTHLY: "m"}
QUARTER = 900
DAY = 86400
USAGE_FORMAT = {"type": "electric_usage", "key": "eu", "unit": "kWh", "flow": "delivered"}


def cost_format(currency: str = "USD") -> dict:
    return {"type": "cost", "key": "c", "unit": currency, "estimated": True}


@dataclass
class Segment:
    premise_id: int
    kind: str
    start: datetime
    end: datetime
    interval: int
    formats: list = field(default_factory=list)
    values: list = field(default_factory=list)
    created: datetime | None = None
    modified: datetime | None = None

    @property
    def id(self) -> str:
        return f"{KIND_CODES[self.kind]}-{self.premise_id}-{int(self.start.timestamp())}"


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _seconds(start: datetime, end: datetime) -> int:
    """Elapsed seconds. Never `end - start` on local times: with one tzinfo Python subtracts wall
    clocks, and a 25-hour day would come out as 24 hours."""
    return int(end.timestamp()) - int(start.timestamp())


def _month_starts(start: datetime, end: datetime, zone: ZoneInfo):
    """Local first-of-month instants strictly inside (start, end)."""
    local = start.astimezone(zone)
    month = date(local.year, local.month, 1)
    while True:
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        instant = _local_midnight(month, zone)
        if instant >= end:
            return
        yield instant


def _pieces(start: datetime, end: datetime, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    cuts = [start, *_month_starts(start, end, zone), end]
    return [(cuts[index], cuts[index + 1]) for index in range(len(cuts) - 1) if cuts[index] < cuts[index + 1]]


def _align(moment: datetime, step: int, up: bool) -> datetime:
    seconds = int(moment.timestamp())
    aligned = -(-seconds // step) * step if up else seconds // step * step
    return datetime.fromtimestamp(aligned, moment.tzinfo)


def plan(*, premise, kind: str, windows, monthly_cycles=None) -> list[Segment]:
    """The segments of `kind` the premise's readable `windows` hold, in time order, without values."""
    zone = ZoneInfo(premise.time_zone)
    segments = []
    for lower, upper in windows:
        if kind == INTERVAL:
            lower, upper = _align(lower, QUARTER, True), _align(upper, QUARTER, False)
            for start, end in _pieces(lower, upper, zone):
                segments.append(Segment(premise.pk, kind, start, end, QUARTER))
        elif kind == DAILY:
            segments.extend(_daily_plan(premise.pk, lower, upper, zone))
        else:
            for start_date, end_date in monthly_cycles or []:
                start, end = _local_midnight(start_date, zone), _local_midnight(end_date + timedelta(days=1), zone)
                if lower <= start and end <= upper:
                    segments.append(Segment(premise.pk, kind, start, end, _seconds(start, end)))
    return segments


def _daily_plan(premise_id: int, lower: datetime, upper: datetime, zone: ZoneInfo) -> list[Segment]:
    """Whole local days inside [lower, upper): month runs of 86400 s, DST days on their own."""
    first = lower.astimezone(zone).date()
    if _local_midnight(first, zone) < lower:
        first += timedelta(days=1)
    segments, run_start, day = [], None, first
    while _local_midnight(day + timedelta(days=1), zone) <= upper:
        start, end = _local_midnight(day, zone), _local_midnight(day + timedelta(days=1), zone)
        length = _seconds(start, end)
        if length != DAY or day.day == 1:
            if run_start is not None:
                segments.append(Segment(premise_id, DAILY, run_start, start, DAY))
            run_start = None
        if length != DAY:
            segments.append(Segment(premise_id, DAILY, start, end, length))
        elif run_start is None:
            run_start = start
        day += timedelta(days=1)
    if run_start is not None:
        segments.append(Segment(premise_id, DAILY, run_start, _local_midnight(day, zone), DAY))
    return segments


def _kwh_text(wh: int) -> str:
    return f"{wh // 1000}.{wh % 1000:03d}"


def fill(*, premise, segments: list[Segment], with_cost: bool = True) -> list[Segment]:
    """Read the values of `segments` (all of one premise)."""
    if not segments:
        return segments
    timeline = (
        tariff_timeline(premise=premise, start=min(s.start for s in segments), end=max(s.end for s in segments))
        if with_cost
        else None
    )
    for segment in segments:
        formats = [USAGE_FORMAT] + ([cost_format()] if with_cost else [])
        segment.formats = formats
        if segment.kind == INTERVAL:
            _fill_intervals(premise, segment, timeline)
        elif segment.kind == DAILY:
            _fill_days(premise, segment, timeline)
        else:
            _fill_cycle(premise, segment, timeline)
    return segments


def _cost_text(timeline, epoch: int, wh: int) -> str | None:
    if timeline is None:
        return None
    cost = timeline.cost(epoch, Series.CONSUMPTION, wh)
    return None if cost is None else format(cost.normalize(), "f")


def _fill_intervals(premise, segment: Segment, timeline) -> None:
    start = int(segment.start.timestamp())
    count = (int(segment.end.timestamp()) - start) // QUARTER
    width = len(segment.formats)
    empty = [None] * width
    values = [empty] * count
    first_revised = last_revised = None
    for epoch, series, wh, _estimated, revised in interval_rows(
        premise_id=premise.pk, windows=[(segment.start, segment.end)]
    ):
        if series != Series.CONSUMPTION:
            continue
        row = [_kwh_text(wh)]
        if width > 1:
            row.append(_cost_text(timeline, epoch, wh))
        values[(epoch - start) // QUARTER] = row
        first_revised = revised if first_revised is None or revised < first_revised else first_revised
        last_revised = revised if last_revised is None or revised > last_revised else last_revised
    segment.values = values
    _stamp(segment, first_revised, last_revised)


def _stamp(segment: Segment, first, last) -> None:
    if first is not None:
        segment.created = datetime.fromtimestamp(first, segment.start.tzinfo)
        segment.modified = datetime.fromtimestamp(last, segment.start.tzinfo)


def _period_cost(timeline, start: datetime, wh: int) -> str | None:
    """A day's or cycle's cost at the price in force at its start (reads without a time of use)."""
    return _cost_text(timeline, int(start.timestamp()), wh)


def _fill_days(premise, segment: Segment, timeline) -> None:
    zone = ZoneInfo(premise.time_zone)
    first_day = segment.start.astimezone(zone).date()
    count = max(1, _seconds(segment.start, segment.end) // DAY) if segment.interval == DAY else 1
    values = [[None] * len(segment.formats) for _ in range(count)]
    reads = DailyRead.objects.filter(
        premise_id=premise.pk, read_date__gte=first_day, read_date__lt=first_day + timedelta(days=count)
    ).values_list("read_date", "kwh", "revised_at")
    stamps = []
    for read_date, kwh, revised_at in reads:
        wh = int(kwh * 1000)
        row = [str(kwh)]
        if len(segment.formats) > 1:
            row.append(_period_cost(timeline, _local_midnight(read_date, zone), wh))
        values[(read_date - first_day).days] = row
        stamps.append(revised_at)
    segment.values = values
    if stamps:
        segment.created, segment.modified = min(stamps), max(stamps)


def _fill_cycle(premise, segment: Segment, timeline) -> None:
    zone = ZoneInfo(premise.time_zone)
    read = MonthlyRead.objects.filter(premise_id=premise.pk, start_date=segment.start.astimezone(zone).date()).first()
    if read is None:
        segment.values = [[None] * len(segment.formats)]
        return
    row = [str(read.actual_kwh)]
    if len(segment.formats) > 1:
        row.append(_period_cost(timeline, segment.start, int(read.actual_kwh * 1000)))
    segment.values = [row]
    segment.created = segment.modified = read.revised_at
