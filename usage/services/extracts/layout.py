"""The tab-delimited consumption extract with an explicit UTC offset per row (seed 003, "with UTC
Offset"), one target interval (or one TOU period of it) per line, UTF-8, LF line ends, a header:

    ESIID  METER  INTERVAL_START  UTC_OFFSET  SECONDS  KWH  QUALITY  SERIES  REVISED_AT  [TOU_PERIOD]

- ESIID: the premise. METER: the number of the premise's current electric meter, or empty.
- INTERVAL_START: local wall-clock start of the target interval in the premise's time zone
  (`YYYY-MM-DD HH:MM`); UTC_OFFSET (`-05:00`) names the instant, so the repeated fall-back hour
  is unambiguous. A day interval starts at local midnight.
- SECONDS: the interval's true length: 900, 1800, 3600, or for a day 86400 (82800 on the spring-
  forward day = 92 quarter hours, 90000 on the fall-back day = 100 quarter hours).
- KWH / WH / MWH (the header names the type's unit): the energy summed over the interval (or its
  quarter hours in one TOU period), exact: kWh with 3 decimals, Wh whole, MWh with 6 decimals.
- QUALITY: `A` when every quarter hour summed was an actual read, `E` when any was estimated or
  the values were spread from a daily register read with a load profile.
- SERIES: `C` consumption, `G` generation (energy put back on the grid).
- REVISED_AT: the latest revision time among the values summed, ISO 8601 with offset.
- TOU_PERIOD (only for a type with a TOU map): the period (peak, off_peak, ...) whose quarter
  hours this line sums; an interval that spans periods has one line per period.

Lines come by premise, then interval start, series and TOU period. A 15-minute kWh type without a
TOU map writes exactly the layout `usage.ingest.tab_utc` reads, so such a file loads back as is.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from ...models import ExtractType, Series

BASE_COLUMNS = ["ESIID", "METER", "INTERVAL_START", "UTC_OFFSET", "SECONDS"]
TRAILING_COLUMNS = ["QUALITY", "SERIES", "REVISED_AT"]
TOU_COLUMN = "TOU_PERIOD"
# Wh stored -> the target unit: a power of ten, so the conversion is an exact decimal shift.
UNIT_EXPONENT = {ExtractType.Unit.WH: 0, ExtractType.Unit.KWH: -3, ExtractType.Unit.MWH: -6}
SERIES_CODES = {Series.CONSUMPTION: "C", Series.GENERATION: "G"}


def header(unit: str, *, with_tou: bool) -> list[str]:
    return [*BASE_COLUMNS, unit.upper(), *TRAILING_COLUMNS, *([TOU_COLUMN] if with_tou else [])]


def convert(wh: int, unit: str) -> Decimal:
    """Watt-hours in the target unit, exactly (kWh keeps 3 decimals, MWh 6)."""
    return Decimal(wh).scaleb(UNIT_EXPONENT[unit])


def format_value(wh: int, unit: str) -> str:
    return format(convert(wh, unit), "f")


def format_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class LineWriter:
    """Formats buckets as lines. Everything but the sum is cached text (the wall-clock start and
    offset of each instant, revision stamps, values), since millions of lines share few of them."""

    CACHE_LIMIT = 100_000

    def __init__(self, *, unit: str, with_tou: bool):
        self.unit = unit
        self.with_tou = with_tou
        self._starts: dict[tuple[int, str], str] = {}
        self._revisions: dict[tuple[int, str], str] = {}
        self._values: dict[int, str] = {}

    def header_line(self) -> str:
        return "\t".join(header(self.unit, with_tou=self.with_tou)) + "\n"

    def lines(self, *, esiid: str, meter: str, zone: ZoneInfo, buckets) -> Iterator[str]:
        """The lines of one premise's buckets."""
        prefix = f"{esiid}\t{meter}\t"
        starts, revisions, values = self._starts, self._revisions, self._values
        for bucket in buckets:
            start = starts.get((bucket.start, zone.key)) or self._start(bucket.start, zone)
            value = values.get(bucket.wh) or self._value(bucket.wh)
            revised = revisions.get((bucket.revised, zone.key)) or self._revision(bucket.revised, zone)
            quality = "E" if bucket.estimated else "A"
            line = f"{prefix}{start}\t{bucket.seconds}\t{value}\t{quality}\t{SERIES_CODES[bucket.series]}\t{revised}"
            yield f"{line}\t{bucket.period}\n" if self.with_tou else f"{line}\n"

    def _start(self, epoch: int, zone: ZoneInfo) -> str:
        """`wall clock<TAB>offset` of an instant."""
        if len(self._starts) > self.CACHE_LIMIT:
            self._starts.clear()
        moment = datetime.fromtimestamp(epoch, zone)
        text = self._starts[epoch, zone.key] = f"{moment:%Y-%m-%d %H:%M}\t{format_offset(moment.utcoffset())}"
        return text

    def _revision(self, epoch: int, zone: ZoneInfo) -> str:
        if len(self._revisions) > self.CACHE_LIMIT:
            self._revisions.clear()
        text = self._revisions[epoch, zone.key] = datetime.fromtimestamp(epoch, zone).isoformat()
        return text

    def _value(self, wh: int) -> str:
        if len(self._values) > self.CACHE_LIMIT:
            self._values.clear()
        text = self._values[wh] = format_value(wh, self.unit)
        return text
