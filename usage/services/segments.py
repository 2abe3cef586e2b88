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

import psycopg
from django.db import connection
from django.db.models import Max, Min

from ..models import DailyRead, IntervalRead, MonthlyRead, Series
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
    return _local_midnight(span["first"], zone), _local_midnight(span["last"] + timedelta(days=1), zone)


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
    """Read the values of `segments` (all of one premise): one query for all their 15-minute reads."""
    if not segments:
        return segments
    first, last = min(s.start for s in segments), max(s.end for s in segments)
    pricer = _Pricer(tariff_timeline(premise=premise, start=first, end=last), premise.time_zone) if with_cost else None
    formats = [USAGE_FORMAT] + ([cost_format()] if with_cost else [])
    quarters = [segment for segment in segments if segment.kind == INTERVAL]
    rows = (
        _consumption_rows(premise.pk, min(s.start for s in quarters), max(s.end for s in quarters)) if quarters else []
    )
    days = [segment for segment in segments if segment.kind == DAILY]
    daily = _daily_reads(premise, days) if days else {}
    position = 0
    for segment in segments:
        segment.formats = list(formats)
        if segment.kind == INTERVAL:
            position = _fill_intervals(segment, rows, position, pricer)
        elif segment.kind == DAILY:
            _fill_days(premise, segment, pricer, daily)
        else:
            _fill_cycle(premise, segment, pricer)
    return segments


def _consumption_rows(premise_id: int, start: datetime, end: datetime) -> list[tuple[int, int, int]]:
    """(start epoch, Wh, revised epoch) of the premise's consumption quarter hours in [start, end),
    in time order: one plain query (a few months of rows; no server-side cursor needed)."""
    if connection.vendor != "postgresql":
        return [
            (epoch, wh, revised)
            for epoch, series, wh, _estimated, revised in interval_rows(premise_id=premise_id, windows=[(start, end)])
            if series == Series.CONSUMPTION
        ]
    connection.ensure_connection()
    # Binary results: the integers arrive ready-made, no text to parse per value.
    # (Django's own cursors bind client-side, which cannot return binary.)
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            "SELECT date_part('epoch', interval_start)::bigint, wh, date_part('epoch', revised_at)::bigint "  # noqa: S608
            f"FROM {IntervalRead._meta.db_table} WHERE premise_id = %s AND interval_start >= %s "
            "AND interval_start < %s AND series = %s ORDER BY interval_start",
            [premise_id, start, end, int(Series.CONSUMPTION)],
            binary=True,
        )
        return cursor.fetchall()


class _Pricer:
    """Costs of quarter hours, fast: the price of each quarter hour of a local day depends only on
    the tariff in force that day, its weekday, month and length (TOU rules speak weekdays, months
    and times of day), so each such day profile is priced once, and each (price, Wh) cost once."""

    def __init__(self, timeline, time_zone: str):
        self.timeline = timeline
        self.zone = ZoneInfo(time_zone)
        self.profiles: dict = {}
        self.texts: dict = {}
        self.day_start = self.day_end = 0
        self.profile: list = []

    def cost_text(self, epoch: int, wh: int) -> str | None:
        if not self.day_start <= epoch < self.day_end:
            self._enter_day(epoch)
        price = self.profile[(epoch - self.day_start) // QUARTER]
        if price is None:
            return None
        key = (price, wh)
        text = self.texts.get(key)
        if text is None:
            text = self.texts[key] = format((price * wh).scaleb(-3).normalize(), "f")
        return text

    def period_cost_text(self, start: datetime, wh: int) -> str | None:
        """A day's or cycle's cost at the price in force at its start (reads without a time of use)."""
        priced = self.timeline.price(int(start.timestamp()), Series.CONSUMPTION)
        return None if priced is None else format((priced[1] * wh).scaleb(-3).normalize(), "f")

    def _enter_day(self, epoch: int) -> None:
        day = datetime.fromtimestamp(epoch, self.zone).date()
        start = int(_local_midnight(day, self.zone).timestamp())
        end = int(_local_midnight(day + timedelta(days=1), self.zone).timestamp())
        tariff = self.timeline.tariff_of_epoch(start)
        # Without a TOU map a day's prices depend on its tariff and length only.
        timed = tariff is not None and tariff.tou_map_id is not None
        key = (tariff.pk if tariff else None, day.isoweekday() if timed else 0, day.month if timed else 0, end - start)
        profile = self.profiles.get(key)
        if profile is None:
            profile = self.profiles[key] = [
                priced[1] if (priced := self.timeline.price(moment, Series.CONSUMPTION)) else None
                for moment in range(start, end, QUARTER)
            ]
        self.day_start, self.day_end, self.profile = start, end, profile


_KWH_TEXTS: dict[int, str] = {}


def _kwh_text(wh: int) -> str:
    text = _KWH_TEXTS.get(wh)
    if text is None:
        text = f"{wh // 1000}.{wh % 1000:03d}"
        if len(_KWH_TEXTS) < 100_000:
            _KWH_TEXTS[wh] = text
    return text


def _fill_intervals(segment: Segment, rows: list, position: int, pricer) -> int:
    """Place the rows of [segment.start, segment.end) from `rows[position:]`; the next position back.
    The hot loop of a year's request (35,040 rows): look-ups bound to locals."""
    start, end = int(segment.start.timestamp()), int(segment.end.timestamp())
    values = [[None] * len(segment.formats)] * ((end - start) // QUARTER)
    count = len(rows)
    while position < count and rows[position][0] < start:
        position += 1
    first = position
    kwh_texts, kwh_text = _KWH_TEXTS, _kwh_text
    cost_text = pricer.cost_text if pricer else None
    while position < count and rows[position][0] < end:
        epoch, wh, _revised = rows[position]
        position += 1
        text = kwh_texts.get(wh) or kwh_text(wh)
        values[(epoch - start) // QUARTER] = [text, cost_text(epoch, wh)] if cost_text else [text]
    segment.values = values
    if position > first:
        revisions = [row[2] for row in rows[first:position]]
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
    values = [[None] * len(segment.formats)] * count
    stamps = []
    for offset in range(count):
        read_date = first_day + timedelta(days=offset)
        if read_date not in daily:
            continue
        kwh, revised_at = daily[read_date]
        row = [str(kwh)]
        if len(segment.formats) > 1:
            row.append(pricer.period_cost_text(_local_midnight(read_date, zone), int(kwh * 1000)) if pricer else None)
        values[offset] = row
        stamps.append(revised_at)
    segment.values = values
    if stamps:
        segment.created, segment.modified = min(stamps), max(stamps)


def _fill_cycle(premise, segment: Segment, pricer) -> None:
    zone = ZoneInfo(premise.time_zone)
    read = MonthlyRead.objects.filter(premise_id=premise.pk, start_date=segment.start.astimezone(zone).date()).first()
    if read is None:
        segment.values = [[None] * len(segment.formats)]
        return
    row = [str(read.actual_kwh)]
    if len(segment.formats) > 1:
        row.append(pricer.period_cost_text(segment.start, int(read.actual_kwh * 1000)) if pricer else None)
    segment.values = [row]
    segment.created = segment.modified = read.revised_at
