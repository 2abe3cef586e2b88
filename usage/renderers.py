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


def _iso(moment: datetime) -> str:
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class LocalLabels:
    """Epoch -> local ISO text, for epochs on quarter hours that mostly come in order."""

    def __init__(self, zone_name: str):
        self.zone_name, self.zone = zone_name, ZoneInfo(zone_name)
        self.first = self.last = 0
        self.labels: tuple[str, ...] = ()
        self.others: dict[int, str] = {}

    def __call__(self, epoch: int) -> str:
        if self.first <= epoch < self.last:
            return self.labels[(epoch - self.first) // QUARTER]
        if epoch % QUARTER:  # a revision time: seconds of its own
            text = self.others.get(epoch)
            if text is None:
                if len(self.others) > 10_000:
                    self.others.clear()
                text = self.others[epoch] = _iso(datetime.fromtimestamp(epoch, self.zone))
            return text
        self.first, self.labels = day_labels(self.zone_name, datetime.fromtimestamp(epoch, self.zone).date())
        self.last = self.first + len(self.labels) * QUARTER
        return self.labels[(epoch - self.first) // QUARTER]


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
        self.starts, self.revisions = LocalLabels(zone_name), LocalLabels(zone_name)
        self.rows = 0
        self.wh = dict.fromkeys(SERIES_NAMES, 0)

    def stream(self, rows: Iterable[tuple[int, int, int, bool, int]]) -> Iterator[bytes]:
        yield self._open().encode()
        lines: list[str] = []
        line = self._csv_line if self.csv else self._json_item
        for row in rows:
            lines.append(line(row))
            if len(lines) >= CHUNK_ROWS:
                yield "".join(lines).encode()
                lines.clear()
        yield ("".join(lines) + self._close()).encode()

    def _open(self) -> str:
        if self.csv:
            return INTERVAL_CSV_HEADER + (",COST\n" if self.cost else "\n")
        return json.dumps(self.head, separators=(",", ":"))[:-1] + ',"intervals":['

    def _close(self) -> str:
        if self.csv:
            return ""
        totals = {"kwh": {SERIES_NAMES[series]: kwh_text(wh) for series, wh in self.wh.items()}}
        if self.cost_totals:
            totals["cost"] = self.cost_totals()
        return '],"totals":' + json.dumps(totals, separators=(",", ":")) + "}"

    def _cost_text(self, epoch: int, series: int, wh: int) -> str | None:
        amount = self.cost(epoch, series, wh)
        return None if amount is None else str(amount)

    def _json_item(self, row) -> str:
        epoch, series, wh, estimated, revised = row
        self.wh[series] += wh
        comma = "," if self.rows else ""
        self.rows += 1
        item = (
            f'{comma}{{"start":"{self.starts(epoch)}","series":"{SERIES_NAMES[series]}","kwh":"{wh // 1000}.'
            f'{wh % 1000:03d}","estimated":{"true" if estimated else "false"},'
            f'"revised_at":"{self.revisions(revised)}"'
        )
        if self.cost:
            amount = self._cost_text(epoch, series, wh)
            return item + (f',"cost":"{amount}"}}' if amount is not None else ',"cost":null}')
        return item + "}"

    def _csv_line(self, row) -> str:
        epoch, series, wh, estimated, revised = row
        self.rows += 1
        line = (
            f"{self.starts(epoch)},{SERIES_NAMES[series]},{wh // 1000}.{wh % 1000:03d},"
            f"{'true' if estimated else 'false'},{self.revisions(revised)}"
        )
        if self.cost:
            amount = self._cost_text(epoch, series, wh)
            return f"{line},{amount or ''}\n"
        return line + "\n"


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
