"""Demo world, usage part: a year of 15-minute reads (ending yesterday) for every demo customer's
premises, with daily register and monthly billing reads that add up to them.

The shape is a Texas house: a base load, morning and evening peaks, air conditioning that follows a
summer temperature curve, a little electric heat in winter. Premises with rooftop solar are metered
net, as Texas meters are: "Consumption" is what the house drew from the grid after its own panels,
"Generation" the surplus it put back (zero at night). A few days were first sent estimated and later
revised with actual values (so the corrections history has rows), and a few estimates are still
waiting for theirs. Everything goes through the bulk loader (COPY on PostgreSQL).
"""

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from meters.models import Occupancy

from .ingest.loader import loader_for
from .models import Series
from .services import IntervalReading, load_interval_reads

QUARTER = timedelta(minutes=15)
POSTED_AT = time(6, 0)  # the meter-data system posts a day's reads the next morning
REVISED_AFTER_DAYS = 3  # an estimated day gets its actual values a few days later


@dataclass
class House:
    """What drives one premise's load, drawn once per premise."""

    base_kw: float
    peak_kw: float
    ac_kw_per_degree: float
    heat_kw_per_degree: float
    solar_kw: float
    register_start: int
    cycle_day: int
    rng: random.Random


@dataclass
class PremiseSeries:
    """One premise's generated days: per local day, its quarters' UTC starts and Wh per series."""

    premise_id: int
    zone: ZoneInfo
    register_start: int
    cycle_day: int
    days: dict[date, tuple[list[datetime], list[int], list[int]]] = field(default_factory=dict)
    estimated_days: set[date] = field(default_factory=set)  # still estimated (never revised)
    revised_days: set[date] = field(default_factory=set)  # sent estimated, then revised to actual


def seed(world) -> None:
    base_seed = world.rng.getrandbits(32)
    customers = world.objects.get("customers", [])
    occupancies = (
        Occupancy.objects.current().filter(customer__in=customers).select_related("premise").order_by("premise_id")
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    days = settings.DEMO_USAGE_DAYS
    # The longest step of seed_demo (about a minute on SQLite for a year): say so rather than look stuck.
    world.stdout.write(f"Loading {days} days of 15-minute reads for {occupancies.count()} premises ...")
    loaded = []
    for index, occupancy in enumerate(occupancies):
        premise = occupancy.premise
        house = _house(
            random.Random(base_seed + premise.pk), floor_area=premise.floor_area_m2 or 150, solar=index % 3 == 0
        )
        # One premise at a time: a year of every premise at once would hold millions of objects.
        _load([generate(premise.pk, ZoneInfo(premise.time_zone), house, last_day=yesterday, days=days)])
        loaded.append(premise.pk)
    world.objects["usage_premises"] = loaded


def _house(rng: random.Random, *, floor_area: int, solar: bool) -> House:
    size = max(0.5, min(floor_area / 150, 2.2))
    return House(
        base_kw=rng.uniform(0.25, 0.5) * size,
        peak_kw=rng.uniform(0.8, 1.6) * size,
        ac_kw_per_degree=rng.uniform(0.28, 0.45) * size,
        heat_kw_per_degree=rng.uniform(0.05, 0.15) * size,
        solar_kw=rng.choice([4.5, 6.0, 7.2, 8.4]) if solar else 0.0,
        register_start=rng.randint(10_000, 60_000),
        cycle_day=rng.randint(1, 28),
        rng=rng,
    )


def _bump(hour: float, centre: float, width: float) -> float:
    return math.exp(-(((hour - centre) / width) ** 2))


# Per local quarter hour of a day: how much the occupants draw (a morning and a larger evening peak;
# at weekends a later morning and some use through the day), and the outdoor temperature's swing
# around the day's mean (coolest before dawn, warmest at 3 pm).
WEEKDAY_USE = [0.6 * _bump(q / 4, 7.25, 1.1) + _bump(q / 4, 19.5, 2.0) for q in range(96)]
WEEKEND_USE = [
    0.5 * _bump(q / 4, 9.0, 1.8) + 0.3 * _bump(q / 4, 13.5, 3.0) + _bump(q / 4, 19.0, 2.2) for q in range(96)
]
TEMPERATURE_SWING = [6 * math.sin(2 * math.pi * (q / 4 - 9) / 24) for q in range(96)]


def _local_quarters(start: datetime, quarters: int, zone: ZoneInfo) -> list[int]:
    """The local quarter of the day (0-95) of each of a day's quarters: on a daylight-saving day the
    wall clock skips or repeats an hour."""
    if quarters == 96:
        return list(range(96))
    result = []
    for quarter in range(quarters):
        local = (start + quarter * QUARTER).astimezone(zone)
        result.append(local.hour * 4 + local.minute // 15)
    return result


def generate(premise_id: int, zone: ZoneInfo, house: House, *, last_day: date, days: int) -> PremiseSeries:
    """`days` local days of reads up to `last_day` for one house; the same house gives the same reads."""
    rng = house.rng
    series = PremiseSeries(premise_id, zone, house.register_start, house.cycle_day)
    weather = 0.0
    for offset in range(days):
        day = last_day - timedelta(days=days - 1 - offset)
        year_day = day.timetuple().tm_yday
        weather = 0.7 * weather + rng.gauss(0, 2.2)  # a warm spell lasts a few days
        mean_temperature = 20 + 9 * math.cos(2 * math.pi * (year_day - 200) / 365) + weather  # °C
        clouds = min(1.0, max(0.15, rng.betavariate(4, 1.6)))
        away = rng.random() < 0.03  # a day out: only the base load and the thermostat
        use = WEEKEND_USE if day.weekday() >= 5 else WEEKDAY_USE
        solar = _solar_curve(house, year_day, clouds)
        start = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
        quarters = int((end - start) / QUARTER)  # 92, 96 or 100: the local day's length decides
        consumption, generation = [], []
        for local_quarter in _local_quarters(start, quarters, zone):
            outdoor = mean_temperature + TEMPERATURE_SWING[local_quarter]
            load_kw = (
                house.base_kw
                + house.peak_kw * (0.15 if away else use[local_quarter])
                + house.ac_kw_per_degree * max(0.0, outdoor - 24) * (0.6 if away else 1.0)
                + house.heat_kw_per_degree * max(0.0, 12 - outdoor)
            ) * rng.uniform(0.85, 1.15)
            solar_kw = solar[local_quarter]
            consumption.append(round(max(0.0, load_kw - solar_kw) * 250))  # kW over 15 minutes, in Wh
            generation.append(round(max(0.0, solar_kw - load_kw) * 250))
        starts = [start + quarter * QUARTER for quarter in range(quarters)]
        series.days[day] = (starts, consumption, generation if house.solar_kw else [])
    if days >= 45:
        ordered = sorted(series.days)
        # Two days sent estimated and corrected later; an older day and yesterday still estimated.
        series.revised_days = {ordered[-40], ordered[-min(150, days)]}
        series.estimated_days = {ordered[-min(95, days - 1)], ordered[-1]}
    return series


def _solar_curve(house: House, year_day: int, clouds: float) -> list[float]:
    """Panel output in kW per local quarter: a sine over the daylight hours, longer and higher in
    summer, lower on a cloudy day."""
    if not house.solar_kw:
        return [0.0] * 96
    season = math.sin(2 * math.pi * (year_day - 80) / 365)  # 1 at the June solstice
    daylight = 12 + 1.8 * season
    sunrise = 13.3 - daylight / 2  # solar noon near 1:20 pm local (Central daylight time)
    peak = house.solar_kw * (0.78 + 0.17 * season) * clouds
    return [
        peak * math.sin(math.pi * (q / 4 - sunrise) / daylight) if sunrise < q / 4 < sunrise + daylight else 0.0
        for q in range(96)
    ]


def _posted(day: date, zone: ZoneInfo, after_days: int = 1) -> datetime:
    return datetime.combine(day + timedelta(days=after_days), POSTED_AT, tzinfo=zone)


def _estimate(series: PremiseSeries, day: date) -> tuple[list[datetime], list[int], list[int]]:
    """What the meter-data system sends for a day the meter did not report: the day before, quarter
    by quarter ("like day" estimation); the day's own total spread flat when the days differ in length."""
    starts, consumption, generation = series.days[day]
    before = series.days.get(day - timedelta(days=1))
    if before is not None and len(before[0]) == len(starts):
        return starts, before[1], before[2]
    flat = round(sum(consumption) / len(consumption))
    return starts, [flat] * len(starts), [0] * len(generation)


def _readings(series: PremiseSeries, day: date, *, estimated: bool, revised_at: datetime):
    starts, consumption, generation = _estimate(series, day) if estimated else series.days[day]
    for values, kind in ((consumption, Series.CONSUMPTION), (generation, Series.GENERATION)):
        for moment, wh in zip(starts, values, strict=False):
            yield IntervalReading(
                series.premise_id, moment, Decimal(wh).scaleb(-3), kind, estimated, revised_at=revised_at
            )


def _first_sent(generated: list[PremiseSeries]):
    for series in generated:
        for day in series.days:
            estimated = day in series.revised_days or day in series.estimated_days
            yield from _readings(series, day, estimated=estimated, revised_at=_posted(day, series.zone))


def _revisions(generated: list[PremiseSeries]):
    for series in generated:
        for day in sorted(series.revised_days):
            revised_at = _posted(day, series.zone, REVISED_AFTER_DAYS)
            yield from _readings(series, day, estimated=False, revised_at=revised_at)


def _load(generated: list[PremiseSeries]) -> None:
    load_interval_reads(readings=_first_sent(generated))
    load_interval_reads(readings=_revisions(generated))  # replaces the estimates: corrections history
    replaced_at = timezone.now()
    daily_rows, monthly_rows = [], []
    for series in generated:
        daily = _daily_rows(series)
        daily_rows += daily
        monthly_rows += _monthly_rows(series, daily)
    with transaction.atomic():
        loader_for("daily", replaced_at=replaced_at).load(daily_rows)
        loader_for("monthly", replaced_at=replaced_at).load(monthly_rows)


def _stored_consumption(series: PremiseSeries, day: date) -> list[int]:
    """The day's consumption as finally stored (the estimate where no actual came)."""
    return (_estimate(series, day) if day in series.estimated_days else series.days[day])[1]


def _daily_rows(series: PremiseSeries) -> list[tuple]:
    """Daily register reads: the day's kWh from its intervals, the register counting up."""
    register = Decimal(series.register_start)
    rows = []
    for line, day in enumerate(sorted(series.days), start=1):
        kwh = Decimal(sum(_stored_consumption(series, day))).scaleb(-3)
        revised = int(_posted(day, series.zone).timestamp())
        rows.append((series.premise_id, day, revised, register, register + kwh, kwh, line))
        register += kwh
    return rows


def _monthly_rows(series: PremiseSeries, daily: list[tuple]) -> list[tuple]:
    """Billing cycles from the premise's cycle day to the day before the next one, complete ones only;
    the metered kW is the highest quarter-hour demand of the cycle."""
    if len(daily) < 40:
        return []
    cycle_day = series.cycle_day
    kwh_by_day = {row[1]: row[5] for row in daily}
    peak_by_day = {day: max(_stored_consumption(series, day)) for day in series.days}
    cycles = defaultdict(list)
    for day in kwh_by_day:
        anchor = day if day.day >= cycle_day else (day.replace(day=1) - timedelta(days=1))
        cycles[(anchor.year, anchor.month)].append(day)
    first, last = min(kwh_by_day), max(kwh_by_day)
    rows = []
    for line, ((year, month), days) in enumerate(sorted(cycles.items()), start=1):
        start_date, end_date = date(year, month, cycle_day), max(days)
        if start_date < first or (end_date == last and (end_date + timedelta(days=1)).day != cycle_day):
            continue  # a cycle the year cuts off
        kwh = sum((kwh_by_day[day] for day in days), Decimal(0))
        demand = Decimal(max(peak_by_day[day] for day in days) * 4).scaleb(-3)
        revised = int(_posted(end_date, series.zone).timestamp())
        rows.append((series.premise_id, start_date, end_date, revised, kwh, demand, demand, None, None, line))
    return rows
