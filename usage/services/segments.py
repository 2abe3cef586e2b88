"""CDS usage segments (WG3-01 §3.6) from our reads: `values[i]` covers
[segment_start + i*interval, segment_start + (i+1)*interval) and lines up with `formats`.

* 15-minute reads: one segment per local calendar month (interval 900 s). Quarter hours are
  fixed in UTC, so the 23- and 25-hour days simply hold 92 or 100 values.
* Daily reads: one segment per local month (interval 86400 s) split around each daylight-saving
  change, whose day is its own one-value segment of 82800 or 90000 s, so every value starts at a
  local midnight.
* Monthly (billing-cycle) reads: one segment per cycle, one value, the cycle's length.

Each Value Set holds Value Objects (`{"eu": "0.250"}`, `{"c": "0.0296"}`) in the order of `formats`
(`segment_values`): consumption, and for quarter hours of a month with surplus generation also
generation and net; the cost under the tariff in force where one is (no tariff in the segment: no
cost format). A missing read is a null in its place.

The work is in two steps: `plan` lists the segments a premise's windows hold (cheap: no reads),
so a page of them can be chosen first, and `fill` reads the values of just those segments.
"""

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
from django.db import connection
from django.db.models import Max, Min

from portal.cds.value_types import CHOICES as value_type_choices

from ..models import DailyRead, IntervalRead, MonthlyRead, Series
from ..selectors import interval_rows
from . import segment_values as values
from .costs import tariff_timeline
from .segment_values import Pricer, local_midnight

INTERVAL, DAILY, MONTHLY = "interval", "daily", "monthly"
KIND_CODES = {INTERVAL: "i", DAILY: "d", MONTHLY: "m"}
QUARTER = values.QUARTER
DAY = 86400


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
        instant = local_midnight(month, zone)
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


def data_span(*, premise, kind: str) -> tuple[datetime, datetime] | None:
    """[first, last) instants the premise has reads of `kind` for (one index-only query), or None."""
    zone = ZoneInfo(premise.time_zone)
    if kind == INTERVAL:
        span = IntervalRead.objects.filter(premise_id=premise.pk).aggregate(
            first=Min("interval_start"), last=Max("interval_start")
        )
        return (span["first"], span["last"] + timedelta(seconds=QUARTER)) if span["first"] else None
    model, first_field, last_field = (
        (DailyRead, "read_date", "read_date") if kind == DAILY else (MonthlyRead, "start_date", "end_date")
    )
    span = model.objects.filter(premise_id=premise.pk).aggregate(first=Min(first_field), last=Max(last_field))
    if span["first"] is None:
        return None
    return local_midnight(span["first"], zone), local_midnight(span["last"] + timedelta(days=1), zone)


def plan(*, premise, kind: str, windows, monthly_cycles=None) -> list[Segment]:
    """The segments of `kind` the premise's readable `windows` hold, in time order, without values;
    none outside the span the premise has reads for."""
    span = data_span(premise=premise, kind=kind)
    if span is None:
        return []
    windows = [(max(lower, span[0]), min(upper, span[1])) for lower, upper in windows]
    zone = ZoneInfo(premise.time_zone)
    # Segments read in the premise's local time (its UTC offset shows on every start and end).
    windows = [(lower.astimezone(zone), upper.astimezone(zone)) for lower, upper in windows if lower < upper]
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
                start, end = local_midnight(start_date, zone), local_midnight(end_date + timedelta(days=1), zone)
                if lower <= start and end <= upper:
                    segments.append(Segment(premise.pk, kind, start, end, _seconds(start, end)))
    return segments


def _daily_plan(premise_id: int, lower: datetime, upper: datetime, zone: ZoneInfo) -> list[Segment]:
    """Whole local days inside [lower, upper): month runs of 86400 s, DST days on their own."""
    first = lower.astimezone(zone).date()
    if local_midnight(first, zone) < lower:
        first += timedelta(days=1)
    segments, run_start, day = [], None, first
    while local_midnight(day + timedelta(days=1), zone) <= upper:
        start, end = local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)
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
        segments.append(Segment(premise_id, DAILY, run_start, local_midnight(day, zone), DAY))
    return segments


def fill(*, premise, segments: list[Segment], value_types: set[str] | None = None) -> list[Segment]:
    """Read the values of `segments` (all of one premise): one query for all their 15-minute reads.
    `value_types` (format ids) keeps only those formats and values; None keeps every one."""
    if not segments:
        return segments
    if value_types is not None and not value_types:  # nothing to read: empty formats and values
        for segment in segments:
            segment.formats, segment.values = [], []
        return segments
    with_cost = value_types is None or any(item["type"] == "cost" for item in _formats_of(value_types))
    segments = sorted(segments, key=lambda segment: segment.start)  # reads are walked in time order
    first, last = min(s.start for s in segments), max(s.end for s in segments)
    pricer = Pricer(tariff_timeline(premise=premise, start=first, end=last), premise.time_zone) if with_cost else None
    quarters = [segment for segment in segments if segment.kind == INTERVAL]
    reads = (
        _interval_rows(premise.pk, min(s.start for s in quarters), max(s.end for s in quarters))
        if quarters
        else values.Reads([], [], [], [])
    )
    days = [segment for segment in segments if segment.kind == DAILY]
    daily = _daily_reads(premise, days) if days else {}
    position = 0
    for segment in segments:
        currency = pricer.currency(segment.start, segment.end) if pricer else None
        segment_pricer = pricer if currency else None
        if segment.kind == INTERVAL:
            position = _fill_intervals(segment, reads, position, segment_pricer, currency)
            continue
        segment.formats = values.formats(generation=False, currency=currency)
        if segment.kind == DAILY:
            _fill_days(premise, segment, segment_pricer, daily)
        else:
            _fill_cycle(premise, segment, segment_pricer)
    if value_types is not None:
        for segment in segments:
            values.project(segment, value_types)
    return segments


def _formats_of(value_types: set[str]) -> list[dict]:
    return [choice[3] for choice in value_type_choices if choice[0] in value_types]


def _interval_rows(premise_id: int, start: datetime, end: datetime) -> values.Reads:
    """The premise's quarter hours in [start, end) as four parallel lists (start epochs, series,
    Wh, revised epochs) in time order, consumption before generation. On PostgreSQL one row of
    arrays: a year is 35,040 ints per list, not 35,040 row tuples for the garbage collector."""
    if connection.vendor != "postgresql":
        rows = list(interval_rows(premise_id=premise_id, windows=[(start, end)]))
        return values.Reads(
            [row[0] for row in rows], [row[1] for row in rows], [row[2] for row in rows], [row[4] for row in rows]
        )
    connection.ensure_connection()
    # Binary results: the integers arrive ready-made, no text to parse per value.
    # (Django's own cursors bind client-side, which cannot return binary.)
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            "SELECT array_agg(e), array_agg(s), array_agg(w), array_agg(r) FROM ("  # noqa: S608
            "SELECT date_part('epoch', interval_start)::bigint e, series::int s, wh w, "
            f"date_part('epoch', revised_at)::bigint r FROM {IntervalRead._meta.db_table} "
            "WHERE premise_id = %s AND interval_start >= %s AND interval_start < %s "
            "ORDER BY interval_start, series) sorted",
            [premise_id, start, end],
            binary=True,
        )
        return in_time_order(values.Reads(*(column or [] for column in cursor.fetchone())))


def in_time_order(reads: values.Reads) -> values.Reads:
    """One sort serves the four lists: aggregates keep a sorted subquery's order, which PostgreSQL
    does not promise, so it is checked (linear on sorted input) and restored if ever needed."""
    if reads.epochs == sorted(reads.epochs):
        return reads
    order = sorted(range(len(reads.epochs)), key=lambda index: (reads.epochs[index], reads.series[index]))
    return values.Reads(*([column[index] for index in order] for column in reads))


def _fill_intervals(segment: Segment, reads: values.Reads, position: int, pricer, currency) -> int:
    """Place the reads of [segment.start, segment.end) found from `position` on; the next position back."""
    start, end = int(segment.start.timestamp()), int(segment.end.timestamp())
    first = bisect_left(reads.epochs, start, position)
    position = bisect_left(reads.epochs, end, first)
    generation = Series.GENERATION in reads.series[first:position]
    segment.formats = values.formats(generation=generation, currency=currency)
    build = values.bidirectional_values if generation else values.consumption_values
    segment.values = build(reads, first, position, start, (end - start) // QUARTER, pricer, len(segment.formats))
    if position > first:
        revisions = reads.revisions[first:position]
        _stamp(segment, min(revisions), max(revisions))
    return position


def _stamp(segment: Segment, first, last) -> None:
    if first is not None:
        segment.created = datetime.fromtimestamp(first, segment.start.tzinfo)
        segment.modified = datetime.fromtimestamp(last, segment.start.tzinfo)


def _daily_reads(premise, segments: list[Segment]) -> dict:
    """read date -> (kWh, revised at) of the premise's daily reads the segments cover, in one query."""
    zone = ZoneInfo(premise.time_zone)
    first = min(segment.start for segment in segments).astimezone(zone).date()
    last = max(segment.end for segment in segments).astimezone(zone).date()
    reads = DailyRead.objects.filter(premise_id=premise.pk, read_date__gte=first, read_date__lt=last)
    return {
        read_date: (kwh, revised_at)
        for read_date, kwh, revised_at in reads.values_list("read_date", "kwh", "revised_at")
    }


def _fill_days(premise, segment: Segment, pricer, daily: dict) -> None:
    zone = ZoneInfo(premise.time_zone)
    first_day = segment.start.astimezone(zone).date()
    count = max(1, _seconds(segment.start, segment.end) // DAY) if segment.interval == DAY else 1
    rows = [[None] * len(segment.formats)] * count
    stamps = []
    for offset in range(count):
        read_date = first_day + timedelta(days=offset)
        if read_date not in daily:
            continue
        kwh, revised_at = daily[read_date]
        rows[offset] = _register_values(kwh, pricer, local_midnight(read_date, zone))
        stamps.append(revised_at)
    segment.values = rows
    if stamps:
        segment.created, segment.modified = min(stamps), max(stamps)


def _fill_cycle(premise, segment: Segment, pricer) -> None:
    zone = ZoneInfo(premise.time_zone)
    read = MonthlyRead.objects.filter(premise_id=premise.pk, start_date=segment.start.astimezone(zone).date()).first()
    if read is None:
        segment.values = [[None] * len(segment.formats)]
        return
    segment.values = [_register_values(read.actual_kwh, pricer, segment.start)]
    segment.created = segment.modified = read.revised_at


def _register_values(kwh, pricer, start: datetime) -> list:
    """A day's or cycle's Value Set: consumption, and its cost when the segment is priced."""
    wh = int(kwh * 1000)
    row = [values.usage_value(wh)]
    if pricer is not None:
        row.append(pricer.period_cost(start, wh))
    return row
