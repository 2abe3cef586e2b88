"""Bodies of the usage API, JSON or CSV, written as text straight from the selectors' tuples.

A year of 15-minute reads is 35,040 rows per series: a serializer or a datetime per row would
cost more than the whole budget, so rows are formatted with string pieces cached per local day
(`day_labels`), and handed out a few thousand at a time (a stream: memory stays flat).

Interval rows: `start` is the local time with its UTC offset (so the repeated hour of a
fall-back day is never ambiguous), kWh an exact decimal string with 3 places, the series
(`consumption` / `generation`), the estimated flag and the revision time. With a tariff, each
row gets its estimated `cost` and the totals an estimated cost per series.
"""

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from .models import Series

QUARTER = 900
CHUNK_ROWS = 2_000
SERIES_NAMES = {Series.CONSUMPTION.value: "consumption", Series.GENERATION.value: "generation"}
SERIES_BY_CODE = ("", "consumption", "generation")  # indexed by the series code, 1 or 2
INTERVAL_CSV_HEADER = "INTERVAL_START,SERIES,KWH,ESTIMATED,REVISED_AT"
# A cost per interval: (interval start epoch, series, Wh) -> Decimal, or None where no tariff is in force.
CostOf = Callable[[int, int, int], Decimal | None]


def kwh_text(wh: int) -> str:
    return f"{wh // 1000}.{wh % 1000:03d}"


def _offset_text(moment: datetime) -> str:
    text = moment.isoformat()
    return "Z" if text.endswith("+00:00") else text[-6:]


@lru_cache(maxsize=4096)
def day_labels(zone_name: str, day: date) -> tuple[int, tuple[str, ...]]:
    """The epoch of the local day's midnight and the ISO text (local time with offset) of each of
    its quarter hours: 96, or 92 / 100 on the days the clocks change."""
    zone = ZoneInfo(zone_name)
    midnight = datetime.combine(day, time(), tzinfo=zone)
    following = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    first, last = int(midnight.timestamp()), int(following.timestamp())
    offset = _offset_text(midnight)
    if offset == _offset_text(following):  # no clock change: pure text, no datetime per quarter
        prefix = f"{day.isoformat()}T"
        labels = tuple(f"{prefix}{minute // 60:02d}:{minute % 60:02d}:00{offset}" for minute in range(0, 1440, 15))
    else:
        labels = tuple(_iso(datetime.fromtimestamp(epoch, zone)) for epoch in range(first, last, QUARTER))
    return first, labels


@lru_cache(maxsize=4096)
def day_heads(zone_name: str, day: date, csv: bool) -> tuple[int, tuple[tuple[str, ...], ...]]:
    """The local day's midnight epoch and, per series code (1, 2), the text of each of its rows
    up to the kWh: `{"start":"<local time>","series":"<name>","kwh":"` or `<local time>,<name>,`."""
    first, labels = day_labels(zone_name, day)
    if csv:
        per_series = [tuple(f"{label},{name}," for label in labels) for name in SERIES_BY_CODE[1:]]
    else:
        per_series = [
            tuple(f'{{"start":"{label}","series":"{name}","kwh":"' for label in labels) for name in SERIES_BY_CODE[1:]
        ]
    return first, ((), *per_series)


def _iso(moment: datetime) -> str:
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class IntervalBody:
    """The body of an interval response; `rows` counts the reads written so far."""

    def __init__(
        self,
        *,
        head: dict,
        zone_name: str,
        csv: bool,
        cost: CostOf | None = None,
        cost_totals: Callable[[], dict] | None = None,
    ):
        self.head, self.csv, self.cost, self.cost_totals = head, csv, cost, cost_totals
        self.zone_name, self.zone = zone_name, ZoneInfo(zone_name)
        self.rows = 0
        self.wh = [0, 0, 0]  # by series code

    def stream(self, rows: Iterable[tuple[int, int, int, bool, int]]) -> Iterator[bytes]:
        if self.csv:
            yield (INTERVAL_CSV_HEADER + (",COST\n" if self.cost else "\n")).encode()
            for lines in self._lines(rows):
                yield ("\n".join(lines) + "\n").encode()
            return
        yield (json.dumps(self.head, separators=(",", ":"))[:-1] + ',"intervals":[').encode()
        separator = ""
        for lines in self._lines(rows):
            yield (separator + ",".join(lines)).encode()
            separator = ","
        yield self._json_close().encode()

    def _lines(self, rows) -> Iterator[list[str]]:
        """Lists of formatted rows, CHUNK_ROWS at a time. The hot loop of the API: a row is three
        cached texts joined: what comes before the kWh (start and series, per local day), the kWh
        (per Wh value) and what comes after it (flag and revision time, per revision)."""
        zone_name, zone, csv, cost, totals = self.zone_name, self.zone, self.csv, self.cost, self.wh
        first = last = 0
        heads: tuple = ()
        tails: dict[tuple[bool, int], str] = {}
        kwh_texts: dict[int, str] = {}
        lines: list[str] = []
        append = lines.append
        for epoch, series, wh, estimated, revised in rows:
            if not first <= epoch < last:
                first, heads = day_heads(zone_name, datetime.fromtimestamp(epoch, zone).date(), csv)
                last = first + len(heads[1]) * QUARTER
            tail = tails.get((estimated, revised))
            if tail is None:
                tail = tails[(estimated, revised)] = self._tail(estimated, revised)
            kwh = kwh_texts.get(wh)
            if kwh is None:
                kwh = kwh_texts[wh] = f"{wh // 1000}.{wh % 1000:03d}"
            if cost is None:
                append(heads[series][(epoch - first) // QUARTER] + kwh + tail)
            else:
                append(heads[series][(epoch - first) // QUARTER] + kwh + tail + self._cost_cell(epoch, series, wh))
            totals[series] += wh
            if len(lines) >= CHUNK_ROWS:
                self.rows += len(lines)
                yield lines
                lines = []
                append = lines.append
        self.rows += len(lines)
        if lines:
            yield lines

    def _tail(self, estimated: bool, revised: int) -> str:
        revision = _iso(datetime.fromtimestamp(revised, self.zone))
        if self.csv:
            return f",{'true' if estimated else 'false'},{revision}"
        close = "" if self.cost else "}"
        return f'","estimated":{"true" if estimated else "false"},"revised_at":"{revision}"{close}'

    def _cost_cell(self, epoch: int, series: int, wh: int) -> str:
        amount = self.cost(epoch, series, wh)
        if self.csv:
            return "," if amount is None else f",{amount}"
        return ',"cost":null}' if amount is None else f',"cost":"{amount}"}}'

    def _json_close(self) -> str:
        totals = {"kwh": {name: kwh_text(self.wh[code]) for code, name in SERIES_NAMES.items()}}
        if self.cost_totals:
            totals["cost"] = self.cost_totals()
        return '],"totals":' + json.dumps(totals, separators=(",", ":")) + "}"


class RecordBody:
    """The body of a daily, monthly or on-demand response: few rows, each a dict of texts."""

    def __init__(self, *, head: dict, items_name: str, columns: list[str], csv: bool):
        self.head, self.items_name, self.columns, self.csv = head, items_name, columns, csv
        self.rows = 0

    def stream(self, items: Iterable[dict]) -> Iterator[bytes]:
        if self.csv:
            yield (",".join(column.upper() for column in self.columns) + "\n").encode()
        else:
            yield (json.dumps(self.head, separators=(",", ":"))[:-1] + f',"{self.items_name}":[').encode()
        for item in items:
            if self.csv:
                text = ",".join(_csv_value(item[column]) for column in self.columns) + "\n"
            else:
                text = ("," if self.rows else "") + json.dumps(item, separators=(",", ":"))
            self.rows += 1
            yield text.encode()
        if not self.csv:
            yield b"]}"


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.3f}"


def moment_text(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return None if moment is None else _iso(moment.astimezone(zone))
