"""Report file formats, written as a stream (a day of rows at a time: memory stays flat).

- Texas CSV: the Smart Meter Texas layouts third parties' tools already parse, the same MeterGate
  ingests (reference/smt.md §1 and §6). Intervals:
      ESIID,USAGE_DATE,REVISION_DATE,USAGE_START_TIME,USAGE_END_TIME,USAGE_KWH,ESTIMATED_ACTUAL,CONSUMPTION_SURPLUSGENERATION
  with the `'` before the ESIID, MM/DD/YYYY dates, HH:MM local times, `23:45,00:00` as a day's
  last row, 3 decimals of kWh; a day with any read of a series has all its rows (a missing
  interval is a row with blank kWh and flag); the spring-forward day has 96 rows, the 4 of the
  skipped hour blank; the fall-back day 100 rows, its repeated hour's first row reading
  `02:00,01:15` as real files do. Daily and monthly register reads use the ingestion's layouts:
      ESIID,READ_DATE,REVISION_DATE,START_READING,END_READING,USAGE_KWH
      ESIID,START_DATE,END_DATE,REVISION_DATE,ACTUAL_KWH,METERED_KW,BILLED_KW,METERED_KVA,BILLED_KVA
  On-demand reads (those the meter answered in the period) as
      ESIID,READ_DATE,READ_TIME,REGISTER_KWH,USAGE_KWH    (ISO: ESIID,READ_AT,REGISTER_KWH,USAGE_KWH)
- ISO CSV: every time in ISO 8601 with its UTC offset, so a repeated hour is never ambiguous:
      ESIID,INTERVAL_START,INTERVAL_END,KWH,QUALITY,SERIES,REVISED_AT
- JSON: one document per file, written incrementally.
- Green Button XML (`usage.greenbutton`): an ESPI Atom feed, 15-minute reads as a day's
  IntervalBlock per series, billing cycles as UsageSummary entries; integer Wh as stored.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from agreements.models import DataKind
from usage import greenbutton, selectors

from .models import ReportFormat

Window = tuple[datetime, datetime]

TEXAS_INTERVAL_HEADER = (
    "ESIID,USAGE_DATE,REVISION_DATE,USAGE_START_TIME,USAGE_END_TIME,USAGE_KWH,ESTIMATED_ACTUAL,"
    "CONSUMPTION_SURPLUSGENERATION"
)
TEXAS_DAILY_HEADER = "ESIID,READ_DATE,REVISION_DATE,START_READING,END_READING,USAGE_KWH"
TEXAS_MONTHLY_HEADER = "ESIID,START_DATE,END_DATE,REVISION_DATE,ACTUAL_KWH,METERED_KW,BILLED_KW,METERED_KVA,BILLED_KVA"
ISO_INTERVAL_HEADER = "ESIID,INTERVAL_START,INTERVAL_END,KWH,QUALITY,SERIES,REVISED_AT"
ISO_DAILY_HEADER = "ESIID,READ_DATE,REVISED_AT,START_READING,END_READING,KWH"
TEXAS_ON_DEMAND_HEADER = "ESIID,READ_DATE,READ_TIME,REGISTER_KWH,USAGE_KWH"
ISO_ON_DEMAND_HEADER = "ESIID,READ_AT,REGISTER_KWH,USAGE_KWH"
ISO_MONTHLY_HEADER = "ESIID,START_DATE,END_DATE,REVISED_AT,ACTUAL_KWH,METERED_KW,BILLED_KW,METERED_KVA,BILLED_KVA"
TEXAS_SERIES = {1: "Consumption", 2: "Surplus Generation"}
ISO_SERIES = {1: "consumption", 2: "generation"}
FILE_PREFIXES = {
    DataKind.INTERVAL: "IntervalMeterUsage",
    DataKind.DAILY: "DailyMeterUsage",
    DataKind.MONTHLY: "MonthlyBillingUsage",
    DataKind.ON_DEMAND: "OnDemandMeterRead",
}
QUARTER = 900
CACHE_LIMIT = 100_000
GREEN_BUTTON_KINDS = (DataKind.INTERVAL, DataKind.MONTHLY)
EXTENSIONS = {ReportFormat.JSON: "json", ReportFormat.GREEN_BUTTON: "xml"}


@dataclass(frozen=True)
class Export:
    """What one file holds: a premise's data of one kind, for the windows the gate allowed."""

    premise_id: int
    esiid: str
    time_zone: str
    kind: str
    format: str
    windows: list[Window]


def file_name(*, reference: str, esiid: str, kind: str, format: str, first_day: date, last_day: date) -> str:
    """A name that says what is inside and is the same on every run of the same request, so a
    re-run replaces a file rather than adding a second one."""
    extension = EXTENSIONS.get(format, "csv")
    suffix = "_ISO" if format == ReportFormat.ISO_CSV else ""
    return (
        f"{FILE_PREFIXES[DataKind(kind)]}_{esiid}_{first_day:%Y%m%d}-{last_day:%Y%m%d}_{reference}{suffix}.{extension}"
    )


def unsupported(kind: str, format: str) -> str:
    """Why `format` cannot hold `kind` data ("" when it can)."""
    if format == ReportFormat.GREEN_BUTTON and kind not in GREEN_BUTTON_KINDS:
        return "Green Button XML holds 15-minute (interval) or monthly data; choose a CSV or JSON format."
    return ""


def write_export(export: Export, write: Callable[[bytes], object]) -> int:
    """Write the file of `export` through `write` (bytes, a chunk at a time); returns data rows."""
    kind, format = DataKind(export.kind), ReportFormat(export.format)
    if format == ReportFormat.GREEN_BUTTON:
        return write_green_button(export, write)
    if kind == DataKind.INTERVAL:
        rows = selectors.interval_rows(premise_id=export.premise_id, windows=export.windows)
        if format == ReportFormat.TEXAS_CSV:
            return TexasIntervalWriter(export, write).write(rows)
        if format == ReportFormat.ISO_CSV:
            return IsoIntervalWriter(export, write).write(rows)
        return JsonIntervalWriter(export, write).write(rows)
    # Imported here: formats_registers builds on this module's layouts and helpers.
    from .formats_registers import write_on_demand, write_registers

    if kind == DataKind.ON_DEMAND:
        return write_on_demand(export, format, write)
    return write_registers(export, kind, format, write)


def local_days(windows: Iterable[Window], zone: ZoneInfo) -> list[tuple[date, date]]:
    """For each window, the first and last local day whose start lies in it."""
    spans = []
    for start, end in windows:
        first = start.astimezone(zone).date()
        if datetime.combine(first, time(), tzinfo=zone) < start:
            first += timedelta(days=1)
        last = (end - timedelta(microseconds=1)).astimezone(zone).date()
        if first <= last:
            spans.append((first, last))
    return spans


# --- Intervals ------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def day_plan(zone_name: str, day: date) -> tuple[tuple[int | None, str, str], ...]:
    """The rows of one local day in the Texas layout: (interval start epoch or None, start time,
    end time). 96 rows; 100 on the fall-back day; on the spring-forward day the 4 rows of the
    skipped hour have no interval (None)."""
    zone = ZoneInfo(zone_name)
    midnight = int(datetime.combine(day, time(), tzinfo=zone).timestamp())
    next_midnight = int(datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).timestamp())
    count = (next_midnight - midnight) // QUARTER
    if count <= 96:  # an ordinary day, or the spring-forward day (92 intervals on 96 rows)
        plan = []
        for minute in range(0, 1440, 15):
            wall = datetime.combine(day, time(minute // 60, minute % 60))
            epoch = int(wall.replace(tzinfo=zone).timestamp())
            exists = datetime.fromtimestamp(epoch, zone).replace(tzinfo=None) == wall
            plan.append((epoch if exists else None, _hhmm(minute), _hhmm((minute + 15) % 1440)))
        return tuple(plan)
    plan, previous_end, previous_minute = [], "", -1
    for index in range(count):
        epoch = midnight + index * QUARTER
        local = datetime.fromtimestamp(epoch, zone)
        minute = local.hour * 60 + local.minute
        start = _hhmm(minute)
        if minute < previous_minute:  # the repeated hour begins: real files write `02:00,01:15`
            start = previous_end
        end = _hhmm((minute + 15) % 1440)
        plan.append((epoch, start, end))
        previous_end, previous_minute = end, minute
    return tuple(plan)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def kwh_text(wh: int) -> str:
    return f"{wh // 1000}.{wh % 1000:03d}"


class _Labels:
    """Cached local-time texts of epochs (the same few thousand instants recur for every premise)."""

    def __init__(self, zone: ZoneInfo, pattern: str | None):
        self.zone, self.pattern, self.cache = zone, pattern, {}

    def __call__(self, epoch: int) -> str:
        text = self.cache.get(epoch)
        if text is None:
            if len(self.cache) > CACHE_LIMIT:
                self.cache.clear()
            moment = datetime.fromtimestamp(epoch, self.zone)
            text = moment.isoformat() if self.pattern is None else moment.strftime(self.pattern)
            self.cache[epoch] = text
        return text


class TexasIntervalWriter:
    def __init__(self, export: Export, write: Callable[[bytes], object]):
        self.zone_name = export.time_zone
        self.zone = ZoneInfo(export.time_zone)
        self.esiid_field = f"'{export.esiid}"
        self.sink = write
        self.revision = _Labels(self.zone, "%m/%d/%Y %H:%M:%S")

    def write(self, rows: Iterable[selectors.IntervalRow]) -> int:
        self.sink(TEXAS_INTERVAL_HEADER.encode() + b"\n")
        count = 0
        day, day_end = None, -1
        by_series: dict[int, dict[int, tuple]] = {}
        for epoch, series, wh, estimated, revised in rows:
            if epoch >= day_end:
                if day is not None:
                    self._flush(day, by_series)
                day = datetime.fromtimestamp(epoch, self.zone).date()
                day_end = int(datetime.combine(day + timedelta(days=1), time(), tzinfo=self.zone).timestamp())
                by_series = {}
            by_series.setdefault(series, {})[epoch] = (wh, estimated, revised)
            count += 1
        if day is not None:
            self._flush(day, by_series)
        return count

    def _flush(self, day: date, by_series: dict[int, dict[int, tuple]]) -> None:
        # The hot loop of big reports: strings are joined from pieces cached per day and per value.
        prefix = f"{self.esiid_field},{day:%m/%d/%Y},"
        plan = _texas_times(self.zone_name, day)
        lines = []
        append = lines.append
        revision_label = self.revision
        for series in sorted(by_series):
            reads = by_series[series]
            name = TEXAS_SERIES[series]
            actual, estimated_tail, blank_tail = f",A,{name}\n", f",E,{name}\n", f",,,{name}\n"
            # Rows without data carry the day's revision, as real files do.
            blank_head = prefix + revision_label(max(read[2] for read in reads.values()))
            last_revised, head = None, ""
            for epoch, times in plan:
                read = reads.get(epoch)
                if read is None:
                    append(blank_head + times + blank_tail)
                    continue
                wh, estimated, revised = read
                if revised != last_revised:
                    last_revised, head = revised, prefix + revision_label(revised)
                append(head + times + "," + _kwh_text(wh) + (estimated_tail if estimated else actual))
        self.sink("".join(lines).encode())


@lru_cache(maxsize=4096)
def _texas_times(zone_name: str, day: date) -> tuple[tuple[int | None, str], ...]:
    """`day_plan` with each row's times as the text between revision and kWh: `,00:00,00:15`."""
    return tuple((epoch, f",{start},{end}") for epoch, start, end in day_plan(zone_name, day))


@lru_cache(maxsize=65_536)
def _kwh_text(wh: int) -> str:
    return kwh_text(wh)


class IsoIntervalWriter:
    def __init__(self, export: Export, write: Callable[[bytes], object]):
        self.esiid = export.esiid
        self.sink = write
        self.label = _Labels(ZoneInfo(export.time_zone), None)

    def write(self, rows: Iterable[selectors.IntervalRow]) -> int:
        self.sink(ISO_INTERVAL_HEADER.encode() + b"\n")
        count, lines, label = 0, [], self.label
        for epoch, series, wh, estimated, revised in rows:
            quality = "E" if estimated else "A"
            lines.append(
                f"{self.esiid},{label(epoch)},{label(epoch + QUARTER)},{kwh_text(wh)},{quality},"
                f"{ISO_SERIES[series]},{label(revised)}\n"
            )
            count += 1
            if len(lines) >= 2000:
                self.sink("".join(lines).encode())
                lines = []
        if lines:
            self.sink("".join(lines).encode())
        return count


class JsonIntervalWriter:
    def __init__(self, export: Export, write: Callable[[bytes], object]):
        self.export = export
        self.sink = write
        self.label = _Labels(ZoneInfo(export.time_zone), None)

    def write(self, rows: Iterable[selectors.IntervalRow]) -> int:
        head = _json_head(self.export, "intervals")
        self.sink(head.encode())
        count, lines, label = 0, [], self.label
        for epoch, series, wh, estimated, revised in rows:
            item = (
                f'{{"start":"{label(epoch)}","end":"{label(epoch + QUARTER)}","kwh":"{kwh_text(wh)}",'
                f'"quality":"{"estimated" if estimated else "actual"}","series":"{ISO_SERIES[series]}",'
                f'"revised_at":"{label(revised)}"}}'
            )
            lines.append(item if count == 0 else "," + item)
            count += 1
            if len(lines) >= 2000:
                self.sink("\n".join(lines).encode())
                lines = []
        if lines:
            self.sink("\n".join(lines).encode())
        self.sink(b"]}\n")
        return count


def _json_head(export: Export, items: str) -> str:
    head = json.dumps(
        {"esiid": export.esiid, "kind": export.kind, "time_zone": export.time_zone, "unit": "kWh"},
        separators=(",", ":"),
    )
    return head[:-1] + f',"{items}":['


# --- Green Button XML -------------------------------------------------------------------------------


def write_green_button(export: Export, write: Callable[[bytes], object]) -> int:
    """The export as a Green Button feed; returns the interval readings (or billing cycles) written.
    Hrefs sit under `Batch/Bulk/{esiid}` of the site's resource endpoint: report files are not
    tied to one Connect My Data subscription."""
    hrefs = green_button_hrefs(f"Batch/Bulk/{export.esiid}")
    counter = _Counter(write)
    chunks = greenbutton.feed(
        hrefs=hrefs,
        points=[green_button_point(export)],
        self_href=hrefs.usage_points,
        title="Green Button usage",
        updated=timezone.now(),
    )
    greenbutton.write_feed(chunks, counter)
    return counter.rows


def green_button_hrefs(owner: str) -> greenbutton.Hrefs:
    """Hrefs of a feed written for a file or an answer (not read through the resource API)."""
    return greenbutton.Hrefs(f"{settings.SITE_URL}/espi/1_1/resource", owner)


def green_button_point(export: Export) -> greenbutton.Point:
    """The export's premise as a Green Button usage point: its 15-minute reads or its billing cycles."""
    kind = DataKind(export.kind)
    return greenbutton.Point(
        export.premise_id,
        export.esiid,
        export.time_zone,
        export.esiid,
        windows=export.windows if kind == DataKind.INTERVAL else [],
        summary_windows=export.windows if kind == DataKind.MONTHLY else [],
    )


def green_button_readings(data: bytes) -> int:
    """The interval readings and billing cycles (UsageSummary) in a piece of a feed."""
    return data.count(b"<IntervalReading>") + data.count(b"<UsageSummary ")


class _Counter:
    """Passes bytes on and counts the readings (or summaries) that went through."""

    def __init__(self, write: Callable[[bytes], object]):
        self.write, self.rows = write, 0

    def __call__(self, data: bytes) -> None:
        self.rows += green_button_readings(data)
        self.write(data)
