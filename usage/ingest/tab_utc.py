"""The tab-delimited interval extract with explicit UTC offsets (the MDM "with UTC Offset" consumption
extract of seed 003), one interval per line:

    ESIID  METER  INTERVAL_START  UTC_OFFSET  SECONDS  KWH  QUALITY  SERIES  REVISED_AT
    10443720000000001  M0001  2025-11-02 01:00  -05:00  900  0.412  A  C  2025-11-03T06:00:00-06:00

- INTERVAL_START is the local wall-clock start (`YYYY-MM-DD HH:MM[:SS]`, `T` allowed); UTC_OFFSET
  (`-05:00`) says which instant it is, so the repeated fall-back hour needs no guessing. The offset
  must be the one the premise's time zone has at that instant.
- SECONDS is the interval length: 900 (other lengths are refused, not resampled).
- QUALITY `A` (actual) or `E` (estimated); SERIES `C` (consumption) or `G` (generation), full words
  accepted; REVISED_AT an ISO 8601 time with offset; METER optional (a meter of that premise).
- The header line is optional: a first line whose first field is an ESIID is data.
"""

import re
from datetime import date, datetime, timedelta

from meters.models import Meter

from ..models import Series
from .common import (
    LineError,
    ParsedBatch,
    PremiseDirectory,
    Rejection,
    bounded,
    check_revision,
    check_usage_day,
    header_key,
    parse_wh,
    split_quoted,
    to_epoch,
    utc_month,
)

HEADER = ["ESIID", "METER", "INTERVAL_START", "UTC_OFFSET", "SECONDS", "KWH", "QUALITY", "SERIES", "REVISED_AT"]
FIELD_COUNT = len(HEADER)
INTERVAL_SECONDS = 900
OFFSET_PATTERN = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
QUALITIES = {"A": False, "E": True, "ACTUAL": False, "ESTIMATED": True}
SERIES_NAMES = {
    "C": Series.CONSUMPTION,
    "CONSUMPTION": Series.CONSUMPTION,
    "G": Series.GENERATION,
    "GENERATION": Series.GENERATION,
}
ESIID_FIELD = re.compile(r"^'?\d{17,22}$")
EPOCH = datetime(1970, 1, 1)


class TabUtcIntervalParser:
    name = "tab_utc"
    kind = "interval"
    label = "tab-delimited interval extract with UTC offsets"

    @classmethod
    def matches(cls, first_line: str) -> bool:
        fields = first_line.lstrip("\ufeff").rstrip("\r\n").split("\t")
        if [header_key(name) for name in fields] == [header_key(name) for name in HEADER]:
            return True
        return len(fields) == FIELD_COUNT and bool(ESIID_FIELD.match(fields[0].strip()))

    def __init__(self, first_line: str, *, directory: PremiseDirectory, received_at: datetime):
        if not self.matches(first_line):
            raise LineError(f"line 1 is neither the header nor a line of a {self.label}: {first_line.strip()[:200]!r}")
        fields = first_line.lstrip("\ufeff").rstrip("\r\n").split("\t")
        self.has_header = not ESIID_FIELD.match(fields[0].strip())
        self.first_data_line = 2 if self.has_header else 1
        self.directory = directory
        self.received_epoch = to_epoch(received_at)
        self._months: set[date] = set()  # of the batch being parsed
        self._wh: dict[str, int] = {}
        self._revisions: dict[str, int] = {}
        self._meters: dict[str, tuple[int, int] | str] = {}  # number -> (meter id, premise id) or a reason

    def prefetch(self, lines: list[str]) -> None:
        self.directory.prefetch({line.partition("\t")[0] for line in lines})
        numbers = {fields[1].strip() for fields in (line.split("\t", 2) for line in lines) if len(fields) > 2}
        numbers -= set(self._meters) | {""}
        if len(self._meters) + len(numbers) > 200_000:
            self._meters.clear()
        numbers = sorted(numbers)
        for start in range(0, len(numbers), 500):
            chunk = numbers[start : start + 500]
            found = Meter.objects.filter(meter_number__in=chunk).values_list("meter_number", "id", "premise_id")
            for number, meter_id, premise_id in found:
                self._meters[number] = (meter_id, premise_id)
            for number in chunk:
                self._meters.setdefault(number, f"unknown meter {number}")

    def parse(self, lines: list[str], first_line: int) -> ParsedBatch:
        batch = ParsedBatch()
        self._months = batch.months
        number = first_line - 1
        for line in lines:
            number += 1
            if not line.strip():
                batch.skipped += 1
                continue
            fields = split_quoted(line, "\t") if '"' in line else line.rstrip("\r\n").split("\t")
            if len(fields) != FIELD_COUNT:
                batch.rejections.append(
                    Rejection(number, f"expected {FIELD_COUNT} tab-separated fields, found {len(fields)}")
                )
                continue
            try:
                batch.rows.append(self._row(fields, number, esiid_key=line.partition("\t")[0]))
            except LineError as error:
                batch.rejections.append(Rejection(number, str(error)))
        return batch

    def _row(self, fields: list[str], number: int, esiid_key: str) -> tuple:
        _esiid, meter_number, start, offset, seconds, kwh, quality, series_text, revised = fields
        premise_id, clock = self.directory.resolve(esiid_key)
        start_epoch = clock.slots.get((start, offset))
        if start_epoch is None:
            start_epoch = self._start(clock, start.strip(), offset.strip())
            bounded(clock.slots)[start, offset] = start_epoch
            self._months.add(utc_month(start_epoch))
        if seconds.strip() != str(INTERVAL_SECONDS):
            raise LineError(
                f"SECONDS {seconds.strip()!r}: only {INTERVAL_SECONDS}-second (15-minute) intervals are loaded"
            )
        wh = self._wh.get(kwh)
        if wh is None:
            wh = bounded(self._wh)[kwh] = parse_wh(kwh, "KWH")
        estimated = QUALITIES.get(quality.strip().upper())
        if estimated is None:
            raise LineError(f"QUALITY {quality.strip()!r} is not A or E")
        series = SERIES_NAMES.get(series_text.strip().upper())
        if series is None:
            raise LineError(f"SERIES {series_text.strip()!r} is not C or G")
        revised_epoch = self._revisions.get(revised)
        if revised_epoch is None:
            revised_epoch = bounded(self._revisions)[revised] = self._revision(revised.strip())
        return (
            premise_id,
            start_epoch,
            series,
            wh,
            estimated,
            revised_epoch,
            self._meter(meter_number, premise_id),
            number,
        )

    def _start(self, clock, start: str, offset: str) -> int:
        try:
            wall = datetime.fromisoformat(start)
        except ValueError:
            raise LineError(f"INTERVAL_START {start!r} is not YYYY-MM-DD HH:MM") from None
        if wall.tzinfo is not None:
            raise LineError(f"INTERVAL_START {start!r} must be the local time; its offset goes in UTC_OFFSET")
        if wall.minute % 15 or wall.second or wall.microsecond:
            raise LineError(f"INTERVAL_START {start} is not on a quarter hour")
        match = OFFSET_PATTERN.match(offset)
        if not match:
            raise LineError(f"UTC_OFFSET {offset!r} is not ±HH:MM")
        sign, hours, minutes = match.groups()
        shift = timedelta(hours=int(hours), minutes=int(minutes)) * (-1 if sign == "-" else 1)
        epoch = int((wall - shift - EPOCH).total_seconds())
        check_usage_day(wall.date(), "INTERVAL_START", clock.local_date(self.received_epoch))
        actual = datetime.fromtimestamp(epoch, clock.zone)
        if actual.utcoffset() != shift or actual.replace(tzinfo=None) != wall:
            raise LineError(
                f"UTC_OFFSET {offset} does not match {clock.name} at {start} (the zone is at "
                f"{_format_offset(actual.utcoffset())} then)"
            )
        return epoch

    def _revision(self, revised: str) -> int:
        try:
            moment = datetime.fromisoformat(revised)
        except ValueError:
            raise LineError(f"REVISED_AT {revised!r} is not an ISO 8601 time") from None
        if moment.tzinfo is None:
            raise LineError(f"REVISED_AT {revised!r} has no UTC offset")
        return check_revision(to_epoch(moment), "REVISED_AT", self.received_epoch)

    def _meter(self, number: str, premise_id: int) -> int | None:
        number = number.strip()
        if not number:
            return None
        found = self._meters.get(number, f"unknown meter {number}")  # every batch's meters are prefetched
        if isinstance(found, str):
            raise LineError(found)
        meter_id, meter_premise_id = found
        if meter_premise_id != premise_id:
            raise LineError(f"meter {number} is not at this ESIID's premise")
        return meter_id


def _format_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
