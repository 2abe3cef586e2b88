"""What every meter-data parser shares: batches of lines, rejected lines, ESIID resolution, local
time arithmetic (cached, so that a row costs dictionary look-ups rather than datetime work), and
the value checks of kWh, dates and times.

Parsers turn lines into plain tuples (see `usage.ingest.loader` for their columns); times travel as
integer seconds since the Unix epoch (UTC) so that nothing per row builds a datetime.
"""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from meters.models import Premise
from meters.validators import ESIID_PATTERN, normalize_esiid

from .copy_rows import PackedRows, widen

EARLIEST_USAGE_DATE = date(2000, 1, 1)
MAX_WH = 2_147_483_647  # the interval table's integer column
CACHE_LIMIT = 200_000  # entries per look-up cache: memory stays flat however long the file


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    reason: str


@dataclass(slots=True)
class ParsedBatch:
    rows: list[tuple] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    skipped: int = 0  # lines that carry no data (blank lines, intervals the file marks as missing)
    months: set[date] = field(default_factory=set)  # UTC months of interval starts first seen here
    packed: PackedRows | None = None  # the rows already in binary COPY form instead (`parse_packed`)

    @property
    def count(self) -> int:
        return self.packed.count if self.packed is not None else len(self.rows)

    @property
    def spans(self) -> dict:
        """premise id -> (first, last) value of the first key column (interval start, read date, ...)."""
        if self.packed is not None:
            return self.packed.spans
        spans: dict = {}
        for row in self.rows:
            widen(spans, row[0], row[1], row[1])
        return spans


class LineError(ValueError):
    """A line (or one of its fields) is invalid; the message is the reason reported for the line."""


def read_batches(stream, size: int, first_line: int) -> Iterator[tuple[list[str], int, int]]:
    """Yield (lines, number of the first line, characters read) for each run of `size` lines."""
    stream = iter(stream)
    number = first_line
    while lines := list(islice(stream, size)):
        yield lines, number, sum(map(len, lines))
        number += len(lines)


def split_quoted(line: str, delimiter: str) -> list[str]:
    """Fields of a line that may use CSV quoting (files re-saved by a spreadsheet)."""
    return next(csv.reader([line], delimiter=delimiter), [])


def bounded(cache: dict) -> dict:
    if len(cache) > CACHE_LIMIT:
        cache.clear()
    return cache


# --- Premises -----------------------------------------------------------------------------------


class PremiseDirectory:
    """ESIIDs as written in files, resolved to (premise id, the clock of its time zone).

    `known` maps the raw field (apostrophe and all) to the premise, so that the common case is one
    dictionary look-up; `refused` maps raw fields to the reason they cannot be used.
    """

    QUERY_CHUNK = 500

    def __init__(self):
        self.known: dict[str, tuple[int, ZoneClock]] = {}
        self.refused: dict[str, str] = {}
        self._clocks: dict[str, ZoneClock] = {}

    def prefetch(self, raw_fields: Iterable[str]) -> None:
        """Resolve in a few queries every field not seen before."""
        new = {raw for raw in raw_fields if raw not in self.known and raw not in self.refused}
        if not new:
            return
        if len(self.known) + len(self.refused) + len(new) > CACHE_LIMIT:
            self.known.clear()
            self.refused.clear()
        by_esiid: dict[str, list[str]] = {}
        for raw in new:
            esiid = normalize_esiid(raw.strip('"'))
            if not ESIID_PATTERN.match(esiid):
                self.refused[raw] = f"ESIID {raw.strip()!r} is not 17 to 22 digits"
            else:
                by_esiid.setdefault(esiid, []).append(raw)
        esiids = list(by_esiid)
        for start in range(0, len(esiids), self.QUERY_CHUNK):
            chunk = esiids[start : start + self.QUERY_CHUNK]
            for esiid, premise_id, zone_name in Premise.objects.filter(esiid__in=chunk).values_list(
                "esiid", "id", "time_zone"
            ):
                raws = by_esiid.pop(esiid)
                try:
                    clock = self.clock(zone_name)
                except LineError as error:
                    self.refused.update(dict.fromkeys(raws, f"ESIID {esiid}: {error}"))
                    continue
                for raw in raws:
                    self.known[raw] = (premise_id, clock)
        for esiid, raws in by_esiid.items():
            for raw in raws:
                self.refused[raw] = f"unknown ESIID {esiid}"

    def resolve(self, raw: str) -> tuple[int, "ZoneClock"]:
        """The premise of one field (LineError with the reason when there is none). Parsers prefetch
        every batch before parsing it, so this is a look-up, never a query, on the parse thread."""
        if raw not in self.known and raw not in self.refused:
            self.prefetch([raw])
        if raw in self.known:
            return self.known[raw]
        raise LineError(self.refused[raw])

    def clock(self, zone_name: str) -> "ZoneClock":
        if zone_name not in self._clocks:
            self._clocks[zone_name] = ZoneClock(zone_name)
        return self._clocks[zone_name]


# --- Local time ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """A local time the clocks show twice (the repeated hour when daylight saving ends): the file's
    order says which one a line means."""

    first: int  # epoch of the first occurrence (daylight time)
    second: int  # epoch of the second (standard time)
    day: date
    minute: int


class ZoneClock:
    """Local wall-clock arithmetic in one time zone, with caches that parsers fill on first use.

    `slots` maps a parser's raw time fields to the epoch of an interval start (valid and unambiguous
    ones only), `pieces` the same fields to (binary COPY value, epoch); `revisions` maps raw revision
    stamps to their epoch.
    """

    def __init__(self, zone_name: str):
        try:
            self.zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise LineError(f"the premise's time zone {zone_name!r} is unknown") from error
        self.name = zone_name
        self.slots: dict = {}
        self.pieces: dict = {}
        self.revisions: dict = {}

    def epoch(self, day: date, minute: int, fold: int = 0) -> int:
        """Epoch seconds of a local wall-clock time (LineError when the clocks skip it)."""
        wall = datetime.combine(day, time(minute // 60, minute % 60))
        moment = wall.replace(tzinfo=self.zone, fold=fold)
        seconds = int(moment.timestamp())
        if datetime.fromtimestamp(seconds, self.zone).replace(tzinfo=None) != wall:
            raise LineError(f"{wall:%H:%M} on {day:%m/%d/%Y} does not exist in {self.name} (clocks spring forward)")
        return seconds

    def start(self, day: date, minute: int) -> int | Ambiguous:
        """Epoch of a local interval start, or both candidates when the time is repeated."""
        first = self.epoch(day, minute, fold=0)
        second = self.epoch(day, minute, fold=1)
        return first if first == second else Ambiguous(first, second, day, minute)

    def is_repeated(self, day: date, minute: int) -> bool:
        try:
            return isinstance(self.start(day, minute), Ambiguous)
        except LineError:
            return False

    def stamp(self, wall: datetime) -> int:
        """Epoch of a local revision stamp (the earlier reading when the time is repeated)."""
        return int(wall.replace(tzinfo=self.zone, fold=0).timestamp())

    def local_date(self, epoch: int) -> date:
        return datetime.fromtimestamp(epoch, self.zone).date()


class OccurrenceCounter:
    """Tells the first from the second occurrence of a repeated local time, by the order of lines.

    State is kept only for repeated times (the fall-back hour): per premise, series and day, which
    of its quarter hours were seen once (low bits) and twice (high bits). When it grows past
    `LIMIT` keys, the days other than the current one are forgotten: files come ordered by
    premise or by time, so a day left behind does not come back.
    """

    LIMIT = 500_000

    def __init__(self):
        self._seen: dict[tuple, int] = {}

    def resolve(self, ambiguous: Ambiguous, *, premise_id: int, series: int) -> int:
        key = (premise_id, series, ambiguous.day)
        bits = self._seen.get(key, 0)
        once = 1 << (ambiguous.minute // 15 % 8)
        twice = once << 8
        if bits & twice:
            raise LineError(
                f"{ambiguous.minute // 60:02d}:{ambiguous.minute % 60:02d} on {ambiguous.day:%m/%d/%Y} "
                "appears more than twice for this ESIID and series"
            )
        if key not in self._seen and len(self._seen) >= self.LIMIT:
            self._seen = {kept: value for kept, value in self._seen.items() if kept[2] == ambiguous.day}
        self._seen[key] = bits | (twice if bits & once else once)
        return ambiguous.second if bits & once else ambiguous.first


# --- Values -------------------------------------------------------------------------------------


def parse_wh(text: str, column: str = "kWh") -> int:
    """Watt-hours of a kWh text with at most 3 decimals (`.145`, `0.858`, `12`), exactly."""
    value = text.strip()
    if not value:
        raise LineError(f"{column} is empty")
    if value.startswith("-"):
        raise LineError(f"{column} {value} is negative")
    whole, _, fraction = value.partition(".")
    if not (whole or fraction) or not _digits(whole) or not _digits(fraction):
        raise LineError(f"{column} {value!r} is not a number")
    if len(fraction) > 3:
        raise LineError(f"{column} {value} has more than 3 decimal places")
    wh = int(whole or "0") * 1000 + int(fraction.ljust(3, "0"))
    if wh > MAX_WH:
        raise LineError(f"{column} {value} is too large for one interval")
    return wh


def _digits(text: str) -> bool:
    return text == "" or (text.isascii() and text.isdigit())


def parse_us_date(text: str, column: str) -> date:
    """A `MM/DD/YYYY` date (ISO `YYYY-MM-DD` is accepted too)."""
    value = text.strip()
    try:
        if "/" in value:
            month, day, year = value.split("/")
            if len(year) != 4:
                raise ValueError
            return date(int(year), int(month), int(day))
        return date.fromisoformat(value)
    except ValueError:
        raise LineError(f"{column} {value!r} is not a date (MM/DD/YYYY)") from None


def parse_us_datetime(text: str, column: str) -> datetime:
    """A naive `MM/DD/YYYY HH:MM[:SS]` (or `MM/DD/YYYY` alone, meaning midnight)."""
    value = text.strip()
    day_text, _, clock_text = value.partition(" ")
    day = parse_us_date(day_text, column)
    if not clock_text:
        return datetime.combine(day, time())
    try:
        parts = [int(part) for part in clock_text.strip().split(":")]
        if len(parts) not in (2, 3):
            raise ValueError
        return datetime.combine(day, time(*parts))
    except ValueError:
        raise LineError(f"{column} {value!r} is not MM/DD/YYYY HH:MM:SS") from None


def parse_hhmm(text: str, column: str) -> int:
    """Minutes after midnight of an `HH:MM` wall-clock time on a quarter hour."""
    value = text.strip()
    hours, _, minutes = value.partition(":")
    if not (hours.isascii() and hours.isdigit() and minutes.isascii() and minutes.isdigit() and len(minutes) == 2):
        raise LineError(f"{column} {value!r} is not a time (HH:MM)")
    hour, minute = int(hours), int(minutes)
    if hour > 23 or minute > 59:
        raise LineError(f"{column} {value!r} is not a time (HH:MM)")
    if minute % 15:
        raise LineError(f"{column} {value} is not on a quarter hour")
    return hour * 60 + minute


def check_usage_day(day: date, column: str, today: date) -> date:
    if day < EARLIEST_USAGE_DATE:
        raise LineError(f"{column} {day:%m/%d/%Y} is before {EARLIEST_USAGE_DATE:%Y}")
    if day > today + timedelta(days=1):
        raise LineError(f"{column} {day:%m/%d/%Y} is in the future")
    return day


def check_revision(epoch: int, column: str, received_epoch: int) -> int:
    # A revision stamped in the future would shadow every later correction; refuse it.
    if epoch > received_epoch + 86_400:
        raise LineError(f"{column} is in the future")
    return epoch


def to_epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def utc_month(seconds: int) -> date:
    moment = datetime.fromtimestamp(seconds, UTC)
    return date(moment.year, moment.month, 1)


def parse_decimal(text: str, column: str, *, max_digits: int, required: bool = True) -> Decimal | None:
    """A non-negative decimal with at most 3 decimal places (None for a blank optional value)."""
    value = text.strip()
    if not value:
        if required:
            raise LineError(f"{column} is empty")
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise LineError(f"{column} {value!r} is not a number") from None
    if not number.is_finite():
        raise LineError(f"{column} {value!r} is not a number")
    if number < 0:
        raise LineError(f"{column} {value} is negative")
    if number.as_tuple().exponent < -3:
        raise LineError(f"{column} {value} has more than 3 decimal places")
    if number.adjusted() >= max_digits - 3:
        raise LineError(f"{column} {value} is too large")
    return number.quantize(Decimal("0.001"))


def header_key(name: str) -> str:
    """A column name reduced to lower-case letters and digits: `REVISION_DATE` = `revisionDate`."""
    return "".join(character for character in name.lower() if character.isalnum())


def map_columns(header_line: str, aliases: dict[str, set[str]], delimiter: str = ",") -> dict[str, int]:
    """Position of each known column in a header line, by any of its accepted names."""
    names = [header_key(name) for name in split_quoted(header_line.lstrip("\ufeff").strip(), delimiter)]
    positions = {}
    for column, accepted in aliases.items():
        for index, name in enumerate(names):
            if name in accepted:
                positions[column] = index
                break
    return positions
