"""seed_demo's usage part: a year of believable 15-minute reads for every customer's premises, daily
and monthly reads that add up to them, estimates and corrections."""

import io
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Max, Sum
from django.test import override_settings
from django.utils import timezone

from portal.management.commands.seed_demo import DemoWorld
from tests.factories import OccupancyFactory, PremiseFactory, customer_at
from usage import demo
from usage.models import DailyRead, IntervalCorrection, IntervalRead, MonthlyRead, Series

pytestmark = pytest.mark.django_db

CENTRAL = ZoneInfo("America/Chicago")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Four customers as meters.demo leaves them, the first with two premises; seeded once for the
    module (a year of reads takes seconds) and rolled back after it. A year, as the demo has it (the
    suite's settings shorten it for the tests that seed the whole demo for other reasons)."""
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(DEMO_USAGE_DAYS=365):
        first = customer_at(PremiseFactory(floor_area_m2=160))
        OccupancyFactory(customer=first, premise=PremiseFactory(floor_area_m2=90))
        customers = [first, *(customer_at(PremiseFactory(floor_area_m2=120)) for _ in range(3))]
        world = DemoWorld(rng=random.Random(7), password="x", stdout=io.StringIO())
        world.objects["customers"] = customers
        demo.seed(world)
        premises = [
            occupancy.premise for customer in customers for occupancy in customer.occupancies.order_by("premise_id")
        ]
        yield world, premises
        transaction.set_rollback(True)


def _local_day(moment):
    return moment.astimezone(CENTRAL).date()


def test_every_premise_gets_a_year_ending_yesterday(seeded):
    world, premises = seeded
    yesterday = timezone.localdate() - timedelta(days=1)
    last_reads = dict(
        IntervalRead.objects.filter(series=Series.CONSUMPTION)
        .values("premise_id")
        .annotate(last=Max("interval_start"))
        .values_list("premise_id", "last")
    )
    assert set(last_reads) == {premise.pk for premise in premises}
    assert all(_local_day(last) == yesterday for last in last_reads.values())
    days = [DailyRead.objects.filter(premise=premise).count() for premise in premises]
    assert days == [365] * len(premises)
    assert world.objects["usage_premises"] == [premise.pk for premise in premises]


def test_a_normal_day_has_96_quarters_and_dst_days_92_or_100(seeded):
    _world, premises = seeded
    starts = IntervalRead.objects.filter(premise=premises[0], series=Series.CONSUMPTION).values_list(
        "interval_start", flat=True
    )
    per_day = {}
    for start in starts:
        per_day[_local_day(start)] = per_day.get(_local_day(start), 0) + 1
    counts = sorted(per_day.values())
    # A year ending yesterday holds one spring-forward and one fall-back day (unless today is one).
    assert counts.count(96) >= 363
    assert set(counts) <= {92, 96, 100}
    assert len(per_day) == 365


def test_generation_only_where_there_are_solar_panels_and_only_in_daylight(seeded):
    _world, premises = seeded
    solar = set(IntervalRead.objects.filter(series=Series.GENERATION).values_list("premise_id", flat=True).distinct())
    assert solar == {premises[0].pk, premises[3].pk}
    night = [
        read
        for read in IntervalRead.objects.filter(premise=premises[0], series=Series.GENERATION, wh__gt=0)
        if not 6 <= read.interval_start.astimezone(CENTRAL).hour < 21
    ]
    assert night == []


def test_summer_afternoons_use_more_than_spring_nights(seeded):
    """Air conditioning: a July afternoon hour draws more than an April night hour."""
    _world, premises = seeded
    reads = IntervalRead.objects.filter(premise=premises[1], series=Series.CONSUMPTION)
    summer, spring = [], []
    for read in reads.iterator():
        local = read.interval_start.astimezone(CENTRAL)
        if local.month == 7 and 14 <= local.hour < 18:
            summer.append(read.wh)
        elif local.month == 4 and 1 <= local.hour < 5:
            spring.append(read.wh)
    assert summer and spring
    assert sum(summer) / len(summer) > 2 * sum(spring) / len(spring)


def test_estimated_reads_remain_and_revised_days_keep_their_first_values_as_corrections(seeded):
    _world, premises = seeded
    year_premises = [premise.pk for premise in premises[:2]]
    assert IntervalRead.objects.filter(premise_id__in=year_premises, estimated=True).exists()
    corrected = IntervalRead.objects.filter(premise_id__in=year_premises, historical_correction=True)
    assert corrected.exists()
    assert not corrected.filter(estimated=True).exists()
    assert IntervalCorrection.objects.filter(premise_id__in=year_premises, previous_estimated=True).count() == (
        corrected.count()
    )
    correction = IntervalCorrection.objects.first()
    assert correction.revised_at > correction.previous_revised_at


def test_daily_reads_add_up_the_days_intervals_and_the_register_counts_on(seeded):
    _world, premises = seeded
    reads = list(DailyRead.objects.filter(premise=premises[0]).order_by("read_date"))
    for read in reads[::50]:
        day_wh = IntervalRead.objects.filter(
            premise=premises[0],
            series=Series.CONSUMPTION,
            interval_start__gte=datetime.combine(read.read_date, time.min, tzinfo=CENTRAL),
            interval_start__lt=datetime.combine(read.read_date + timedelta(days=1), time.min, tzinfo=CENTRAL),
        ).aggregate(wh=Sum("wh"))["wh"]
        assert read.kwh == Decimal(day_wh).scaleb(-3)
        assert read.end_reading - read.start_reading == read.kwh
    assert all(earlier.end_reading == later.start_reading for earlier, later in zip(reads, reads[1:], strict=False))


def test_monthly_reads_are_whole_billing_cycles_summing_their_days(seeded):
    _world, premises = seeded
    cycles = list(MonthlyRead.objects.filter(premise=premises[0]).order_by("start_date"))
    assert 11 <= len(cycles) <= 12
    for cycle in cycles:
        days = DailyRead.objects.filter(
            premise=premises[0], read_date__gte=cycle.start_date, read_date__lte=cycle.end_date
        )
        assert days.count() == (cycle.end_date - cycle.start_date).days + 1
        assert cycle.actual_kwh == days.aggregate(total=Sum("kwh"))["total"]
        assert cycle.metered_kw > 0
    assert all(
        earlier.end_date + timedelta(days=1) == later.start_date
        for earlier, later in zip(cycles, cycles[1:], strict=False)
    )
    assert all(MonthlyRead.objects.filter(premise=premise).count() >= 11 for premise in premises)


def test_the_same_house_gives_the_same_reads():
    def reads():
        house = demo._house(random.Random(5), floor_area=140, solar=True)
        return demo.generate(1, CENTRAL, house, last_day=date(2026, 3, 10), days=5).days

    first = reads()
    assert first == reads()
    assert sum(len(starts) for starts, _consumption, _generation in first.values()) == 4 * 96 + 92
