"""The values of CDS usage segments (WG3-01 §10.8): Value Format objects and the Value Objects that
fill each Value Set, fast enough for a year of quarter hours in one answer.

Electric usage is `electric_usage` in kWh with a `direction`: `forward` (consumption, energy from
the grid), `reverse` (surplus generation put back on the grid) and `net` (forward + reverse). The
specification signs every direction the same way: positive from the grid to the customer, negative
back to the grid, so generation values are negative and net is consumption minus generation.
Cost (`c`) is the estimate of `usage.services.costs`: forward energy at the tariff's offtake price,
reverse energy at its injection price (negative: a credit); null where no tariff is in force.

Value Objects are shared: one `{"eu": "0.250"}` serves every quarter hour of 250 Wh, and one cost
object every (price, Wh) pair, so a year's answer builds a few thousand small objects, not 100,000.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from portal.cds.value_types import DEFAULT_CURRENCY, cost_format, usage_format

from ..models import Series

QUARTER = 900
FORWARD, REVERSE, NET = usage_format("forward"), usage_format("reverse"), usage_format("net")


def formats(*, generation: bool, currency: str | None) -> list[dict]:
    """The Value Formats of a segment: consumption (and its cost), plus, where the premise put
    energy back on the grid, generation and net (and generation's cost). No currency: no cost."""
    layout = [FORWARD, REVERSE, NET] if generation else [FORWARD]
    if currency is not None:
        layout.append(cost_format(currency, 0, "forward"))
        if generation:
            layout.append(cost_format(currency, 1, "reverse"))
    return layout


def project(segment, allowed: set[str]) -> None:
    """Keep only the formats whose ids are in `allowed` (a grant's `include_usage_segment_value_types`)
    and their values; a cost's `indexes` follow its usage to its new place, or are empty when that
    usage is not kept (WG3-01 §10.8.5.7). Nothing allowed: empty `formats` and `values` (§7.2.8.1)."""
    keep = [index for index, item in enumerate(segment.formats) if item["id"] in allowed]
    if len(keep) == len(segment.formats):
        return
    if not keep:
        segment.formats, segment.values = [], []
        return
    moved = {old: new for new, old in enumerate(keep)}
    formats = []
    for index in keep:
        item = segment.formats[index]
        if "indexes" in item:
            item = {**item, "indexes": [moved[old] for old in item["indexes"] if old in moved]}
        formats.append(item)
    # Value Sets are shared between intervals alike: project each distinct one once, and keep sharing.
    projected: dict[int, list] = {}
    rows = []
    for row in segment.values:
        piece = projected.get(id(row))
        if piece is None:
            piece = projected[id(row)] = [row[index] for index in keep]
        rows.append(piece)
    segment.formats, segment.values = formats, rows


_USAGE: dict[int, dict] = {}
_COSTS: dict[tuple, dict] = {}
_CACHE_LIMIT = 200_000


def usage_value(wh: int) -> dict:
    """`{"eu": kWh}` of a signed number of Wh, exact to the Wh."""
    value = _USAGE.get(wh)
    if value is None:
        magnitude = -wh if wh < 0 else wh
        value = {"eu": f"{'-' if wh < 0 else ''}{magnitude // 1000}.{magnitude % 1000:03d}"}
        if len(_USAGE) < _CACHE_LIMIT:
            _USAGE[wh] = value
    return value


def cost_value(price: Decimal, wh: int) -> dict:
    """`{"c": price x kWh}` exactly (no rounding: an estimate per quarter hour, summed by the client)."""
    key = (price, wh)
    value = _COSTS.get(key)
    if value is None:
        amount = (price * wh).scaleb(-3)
        value = {"c": format(amount.normalize(), "f") if amount else "0"}
        if len(_COSTS) < _CACHE_LIMIT:
            _COSTS[key] = value
    return value


class Reads(NamedTuple):
    """A premise's quarter hours as parallel lists, in time order (consumption before generation)."""

    epochs: list[int]
    series: list[int]
    whs: list[int]
    revisions: list[int]


class _Rows(dict):
    """The Value Sets of quarter hours priced alike, built on first use and shared after: by Wh
    (consumption only) or by (Wh in, Wh out). A year's answer then holds a few thousand Value Set
    lists, not 35,040, which keeps the garbage collector out of the request."""

    __slots__ = ("build", "prices")

    def __init__(self, build, prices):
        super().__init__()
        self.build, self.prices = build, prices

    def __missing__(self, key):
        row = self[key] = self.build(self.prices, key)
        return row


def _consumption_row(prices, wh: int) -> list:
    return [usage_value(wh), None if prices is None else cost_value(prices[0], wh)]


def _bidirectional_row(prices, key: tuple) -> list:
    wh_in, wh_out = key
    row = [
        None if wh_in is None else usage_value(wh_in),
        None if wh_out is None else usage_value(-wh_out),
        None if wh_in is None or wh_out is None else usage_value(wh_in - wh_out),
    ]
    if prices is not False:  # False: the segment is not priced (no cost formats)
        row.append(None if prices is None or wh_in is None else cost_value(prices[0], wh_in))
        row.append(None if prices is None or wh_out is None else cost_value(prices[1], -wh_out))
    return row


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The start of a local day (on a daylight-saving day the wall clock still starts at 00:00)."""
    return datetime.combine(day, time.min, tzinfo=zone)


class Pricer:
    """Offtake and injection prices of quarter hours, fast: the prices of a local day's quarter
    hours depend only on the tariff in force that day, its weekday, month and length (TOU rules
    speak weekdays, months and times of day), so each such day profile is priced once, and its
    quarter hours share one Value Set table per price pair."""

    def __init__(self, timeline, time_zone: str):
        self.timeline = timeline
        self.zone = ZoneInfo(time_zone)
        self.days: dict = {}
        self.tables: dict = {}

    def day(self, epoch: int, build) -> tuple[int, int, list]:
        """(start, end, Value Set table of each quarter hour) of the local day holding `epoch`."""
        day = datetime.fromtimestamp(epoch, self.zone).date()
        start = int(local_midnight(day, self.zone).timestamp())
        end = int(local_midnight(day + timedelta(days=1), self.zone).timestamp())
        tariff = self.timeline.tariff_of_epoch(start)
        # Without a TOU map a day's prices depend on its tariff and length only.
        timed = tariff is not None and tariff.tou_map_id is not None
        key = (tariff.pk if tariff else None, day.isoweekday() if timed else 0, day.month if timed else 0, end - start)
        tables = self.days.get((build, key))
        if tables is None:
            price = self.timeline.price
            profile = [
                (offtake[1], price(moment, Series.GENERATION)[1])
                if (offtake := price(moment, Series.CONSUMPTION))
                else None
                for moment in range(start, end, QUARTER)
            ]
            tables = self.days[(build, key)] = [self.table(build, prices) for prices in profile]
        return start, end, tables

    def table(self, build, prices) -> _Rows:
        table = self.tables.get((build, prices))
        if table is None:
            table = self.tables[(build, prices)] = _Rows(build, prices)
        return table

    def currency(self, start: datetime, end: datetime) -> str | None:
        """The currency of the tariffs in force in [start, end), or None when none is."""
        for moment in range(int(start.timestamp()), int(end.timestamp()), 86400):
            tariff = self.timeline.tariff_of_epoch(moment)
            if tariff is not None:
                return tariff.currency or DEFAULT_CURRENCY
        return None

    def period_cost(self, start: datetime, wh: int) -> dict | None:
        """A day's or cycle's consumption cost at the price in force at its start (reads without a
        time of use)."""
        priced = self.timeline.price(int(start.timestamp()), Series.CONSUMPTION)
        return None if priced is None else cost_value(priced[1], wh)


def consumption_values(reads: Reads, first: int, last: int, start: int, count: int, pricer, width: int) -> list:
    """Value Sets of a segment without generation, from `reads[first:last]` (its quarter hours
    from `start`). The hot loop of a year's answer: one table look-up per quarter hour."""
    values = [[None] * width] * count
    epochs, whs = reads.epochs, reads.whs
    if pricer is None:
        table = _Rows(lambda _prices, wh: [usage_value(wh)], None)
        for index in range(first, last):
            values[(epochs[index] - start) // QUARTER] = table[whs[index]]
        return values
    day_start = day_end = 0
    tables: list = []
    for index in range(first, last):
        epoch = epochs[index]
        if not day_start <= epoch < day_end:
            day_start, day_end, tables = pricer.day(epoch, _consumption_row)
        slot = (epoch - day_start) // QUARTER
        values[(epoch - start) // QUARTER] = tables[slot][whs[index]]
    return values


def bidirectional_values(reads: Reads, first: int, last: int, start: int, count: int, pricer, width: int) -> list:
    """Value Sets of a segment with generation: forward, reverse (negative), net, and their costs.
    A quarter hour missing one series has that value and net null."""
    consumed, generated = [None] * count, [None] * count
    for index in range(first, last):
        slot = (reads.epochs[index] - start) // QUARTER
        (consumed if reads.series[index] == Series.CONSUMPTION else generated)[slot] = reads.whs[index]
    values = [[None] * width] * count
    unpriced = _Rows(_bidirectional_row, False)
    day_start = day_end = 0
    tables: list = []
    for slot in range(count):
        wh_in, wh_out = consumed[slot], generated[slot]
        if wh_in is None and wh_out is None:
            continue
        if pricer is None:
            values[slot] = unpriced[(wh_in, wh_out)]
            continue
        epoch = start + slot * QUARTER
        if not day_start <= epoch < day_end:
            day_start, day_end, tables = pricer.day(epoch, _bidirectional_row)
        values[slot] = tables[(epoch - day_start) // QUARTER][(wh_in, wh_out)]
    return values
