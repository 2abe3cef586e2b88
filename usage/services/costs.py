"""Estimated costs of meter reads: reads x the tariff in force for each interval (seed 000).

An estimate, never a bill: the supplier's billing system has the real invoice.

Which tariff: for each *local* day of the premise (its time zone), the premise's own tariff valid
that day wins over its label partner's; none valid that day: the interval is not priced. Which
price: the tariff's TOU map gives the interval's period by its start; period `peak` takes the peak
price, every other period (off-peak, shoulder, ...) the off-peak price; no TOU map: off-peak.
Series 1 (consumption) is offtake, series 2 (generation) injection.

Arithmetic is exact (Decimal): Wh are summed as integers per tariff, series and period, multiplied
by the price per kWh once, and only the final figures are rounded, half up, to cents. Each shown
figure is its own exact sum rounded, so the total (offtake - injection, rounded once) may differ by
a cent from the rounded lines added up.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from ..models import Series, Tariff
from ..tou import OFF_PEAK, PEAK, LocalClock, TouCalendar, date_to_day, day_to_date

CENT = Decimal("0.01")
ESTIMATE_NOTE = (
    "Estimated cost: your reads multiplied by the tariff on record. This is not a bill; your energy "
    "supplier's invoice is the amount you owe."
)
_UNKNOWN = object()


def price_for(tariff: Tariff, series: int, period: str) -> Decimal:
    peak = period == PEAK
    if series == Series.GENERATION:
        return tariff.injection_peak if peak else tariff.injection_off_peak
    return tariff.offtake_peak if peak else tariff.offtake_off_peak


def round_money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class TariffTimeline:
    """Answers the tariff, period and price of any interval of one premise; built by
    `tariff_timeline`. Per local day it keeps the tariff in force and its TOU table, so an interval
    costs one offset look-up (cached per UTC hour), one dictionary look-up and an index."""

    def __init__(self, *, premise, tariffs: Iterable[Tariff]):
        self.clock = LocalClock(premise.time_zone)
        self.time_zone = premise.time_zone
        self._own, self._partner = [], []
        for tariff in tariffs:
            (self._own if tariff.premise_id == premise.pk else self._partner).append(tariff)
        # The latest start first: should two tariffs of one holder overlap, the newer one counts.
        for tariffs_of_holder in (self._own, self._partner):
            tariffs_of_holder.sort(key=lambda tariff: tariff.valid_from, reverse=True)
        # local day -> (tariff or None, the TOU map's minute table that day or None, its calendar)
        self._days: dict[int, tuple] = {}
        self._calendars: dict[int | None, TouCalendar] = {}
        self._prices_per_wh: dict[tuple[int, int, str], Decimal] = {}
        # Rows come ordered by start, then series: both series of an interval share one look-up.
        self._last_seconds: int | None = None
        self._last: tuple[Tariff | None, str | None] = (None, None)

    def classify(self, seconds: int) -> tuple[Tariff | None, str | None]:
        """(tariff in force, `peak` or `off_peak`) of the interval starting at `seconds`."""
        if seconds == self._last_seconds:
            return self._last
        day, second_of_day = divmod(self.clock.local_seconds(seconds), 86400)
        entry = self._days.get(day)
        if entry is None:
            entry = self._day_entry(day)
        tariff, table, calendar = entry
        if tariff is None:
            result = (None, None)
        else:
            # A TOU map in another zone than the premise's has no shared table: ask its calendar.
            period = table[second_of_day // 60] if table is not None else calendar.period_of_epoch(seconds)
            result = (tariff, PEAK if period == PEAK else OFF_PEAK)
        self._last_seconds, self._last = seconds, result
        return result

    def tariff_of_epoch(self, seconds: int) -> Tariff | None:
        return self.classify(seconds)[0]

    def price(self, interval_start_epoch: int, series: int) -> tuple[str, Decimal] | None:
        """(period, price per kWh) of the interval, or None when no tariff is in force then."""
        tariff, period = self.classify(interval_start_epoch)
        if tariff is None:
            return None
        return period, price_for(tariff, series, period)

    def cost(self, interval_start_epoch: int, series: int, wh: int) -> Decimal | None:
        """The exact (unrounded) cost of `wh` in that interval, or None when no tariff is in force."""
        tariff, period = self.classify(interval_start_epoch)
        if tariff is None:
            return None
        key = (tariff.id, series, period)
        price_per_wh = self._prices_per_wh.get(key)
        if price_per_wh is None:
            # Shifting the decimal point is exact: one multiplication per interval, no rounding.
            price_per_wh = self._prices_per_wh[key] = price_for(tariff, series, period).scaleb(-3)
        return price_per_wh * wh

    def _day_entry(self, day: int) -> tuple:
        tariff = self._tariff_on(day)
        if tariff is None:
            entry = (None, None, None)
        else:
            calendar = self._calendars.get(tariff.tou_map_id)
            if calendar is None:
                calendar = self._calendars[tariff.tou_map_id] = TouCalendar(
                    tariff.tou_map, time_zone=self.time_zone, clock=self.clock
                )
            same_zone = calendar.clock is self.clock
            entry = (tariff, calendar.day_table(day) if same_zone else None, calendar)
        self._days[day] = entry
        return entry

    def _tariff_on(self, day: int) -> Tariff | None:
        for tariffs_of_holder in (self._own, self._partner):
            for tariff in tariffs_of_holder:
                if date_to_day(tariff.valid_from) <= day and (
                    tariff.valid_to is None or day <= date_to_day(tariff.valid_to)
                ):
                    return tariff
        return None


def tariff_timeline(*, premise, start: datetime | None = None, end: datetime | None = None) -> TariffTimeline:
    """The tariffs of `premise` (its own and its label partner's) for intervals starting in
    [start, end); without bounds, every tariff on record. One query."""
    holders = Q(premise=premise)
    if premise.label_partner_id:
        holders |= Q(label_partner_id=premise.label_partner_id)
    tariffs = Tariff.objects.filter(holders)
    clock = LocalClock(premise.time_zone)
    if end is not None:
        last_day = clock.local_day(int(end.timestamp()) - 1)
        tariffs = tariffs.filter(valid_from__lte=day_to_date(last_day))
    if start is not None:
        first_day = clock.local_day(int(start.timestamp()))
        tariffs = tariffs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day_to_date(first_day)))
    tariffs = tariffs.select_related("tou_map").prefetch_related("tou_map__rules")
    return TariffTimeline(premise=premise, tariffs=tariffs)


@dataclass
class CostSummary:
    """kWh and estimated cost of a window, split into offtake / injection and peak / off-peak.
    Costs are None when nothing was priced; `total` = offtake - injection."""

    currency: str = ""
    offtake_peak_kwh: Decimal = Decimal("0.000")
    offtake_off_peak_kwh: Decimal = Decimal("0.000")
    injection_peak_kwh: Decimal = Decimal("0.000")
    injection_off_peak_kwh: Decimal = Decimal("0.000")
    unpriced_kwh: Decimal = Decimal("0.000")  # energy of intervals no tariff was in force for
    offtake_peak_cost: Decimal | None = None
    offtake_off_peak_cost: Decimal | None = None
    injection_peak_cost: Decimal | None = None
    injection_off_peak_cost: Decimal | None = None
    offtake_cost: Decimal | None = None
    injection_cost: Decimal | None = None
    total: Decimal | None = None
    priced: bool = False  # at least one interval had a tariff; see `unpriced_kwh` for the rest
    note: str = ESTIMATE_NOTE
    tariffs: list[int] = field(default_factory=list)  # ids of the tariffs applied

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


_BUCKETS = {
    (Series.CONSUMPTION, PEAK): "offtake_peak",
    (Series.CONSUMPTION, OFF_PEAK): "offtake_off_peak",
    (Series.GENERATION, PEAK): "injection_peak",
    (Series.GENERATION, OFF_PEAK): "injection_off_peak",
}


def estimate_cost(*, premise, rows: Iterable[tuple]) -> CostSummary:
    """The estimated cost of `rows` (usage.selectors IntervalRow tuples of this premise: start
    epoch, series, Wh, estimated, revised epoch), streamed once. Rounded to cents at the end only."""
    timeline = tariff_timeline(premise=premise)
    classify = timeline.classify
    # Keyed by the tariff's id: a model instance hashes and compares in Python, an int does not.
    wh_by_bucket: dict[tuple[int, int, str], int] = defaultdict(int)
    tariffs: dict[int, Tariff] = {}
    unpriced_wh = 0
    for start, series, wh, *_ in rows:
        tariff, period = classify(start)
        if tariff is None:
            unpriced_wh += wh
            continue
        tariffs[tariff.id] = tariff
        wh_by_bucket[(tariff.id, series, period)] += wh
    return _summarise(
        {(tariffs[pk], series, period): wh for (pk, series, period), wh in wh_by_bucket.items()}, unpriced_wh
    )


def _summarise(wh_by_bucket: dict, unpriced_wh: int) -> CostSummary:
    summary = CostSummary(unpriced_kwh=Decimal(unpriced_wh).scaleb(-3))
    if not wh_by_bucket:
        return summary
    currencies = {tariff.currency for tariff in {key[0] for key in wh_by_bucket}}
    energy = dict.fromkeys(_BUCKETS.values(), 0)
    money = dict.fromkeys(_BUCKETS.values(), Decimal(0))
    for (tariff, series, period), wh in wh_by_bucket.items():
        bucket = _BUCKETS[(series, period)]
        energy[bucket] += wh
        money[bucket] += (price_for(tariff, series, period) * wh).scaleb(-3)
    for bucket, wh in energy.items():
        setattr(summary, f"{bucket}_kwh", Decimal(wh).scaleb(-3))
    summary.tariffs = sorted({key[0].pk for key in wh_by_bucket})
    if len(currencies) > 1:
        # Amounts in two currencies cannot be added up; the kWh stay right.
        summary.note = f"{ESTIMATE_NOTE} The tariffs of this period use several currencies, so no cost is shown."
        return summary
    summary.currency = currencies.pop()
    summary.priced = True
    for bucket, amount in money.items():
        setattr(summary, f"{bucket}_cost", round_money(amount))
    offtake = money["offtake_peak"] + money["offtake_off_peak"]
    injection = money["injection_peak"] + money["injection_off_peak"]
    summary.offtake_cost, summary.injection_cost = round_money(offtake), round_money(injection)
    summary.total = round_money(offtake - injection)
    return summary
