"""Estimated costs: reads x the tariff in force, split by offtake / injection and peak / off-peak.

The worked example (premise in Chicago, label partner tariff with a weekday 14:00-20:00 TOU map,
then the premise's own flat tariff from Thursday):

Wednesday 2025-07-16, label partner's tariff (offtake 0.30 peak / 0.10 off-peak, injection 0.08 / 0.04):
  consumption 250 Wh every quarter: peak 24 x 250 Wh = 6 kWh x 0.30 = 1.80; off-peak 72 x 250 = 18 kWh x 0.10 = 1.80
  generation 400 Wh 10:00-16:00: peak (14:00-16:00) 8 x 400 Wh = 3.2 kWh x 0.08 = 0.256;
    off-peak 16 x 400 Wh = 6.4 kWh x 0.04 = 0.256
Thursday 2025-07-17, the premise's own tariff (no TOU map: all off-peak; offtake 0.12, injection 0.05):
  consumption 96 x 250 Wh = 24 kWh x 0.12 = 2.88; generation 24 x 400 Wh = 9.6 kWh x 0.05 = 0.48
Totals: offtake peak 6 kWh 1.80, offtake off-peak 42 kWh 4.68, injection peak 3.2 kWh 0.256 -> 0.26,
injection off-peak 16 kWh 0.736 -> 0.74; offtake 6.48, injection 0.992 -> 0.99, total 5.488 -> 5.49.
Rounding each interval instead would give injection peak 8 x 0.03 = 0.24, not 0.26.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.factories import LabelPartnerFactory, PremiseFactory
from tests.usage.tariff_factories import (
    TariffFactory,
    TouMapFactory,
    TouRuleFactory,
    label_partner_tariff,
    weekday_afternoon_peak,
)
from usage.services.costs import ESTIMATE_NOTE, estimate_cost, tariff_timeline

CHICAGO = ZoneInfo("America/Chicago")
CONSUMPTION, GENERATION = 1, 2
pytestmark = pytest.mark.django_db


def epoch(*args) -> int:
    return int(datetime(*args, tzinfo=CHICAGO).timestamp())


def day_rows(year, month, day, *, consumption_wh=250, generation_wh=400, generation_hours=(10, 16)):
    """IntervalRow tuples of one local day: consumption every quarter, generation in daylight hours."""
    start = datetime(year, month, day, tzinfo=CHICAGO)
    end = datetime.combine(start.date() + timedelta(days=1), time(0), tzinfo=CHICAGO)
    rows = []
    for second in range(int(start.timestamp()), int(end.timestamp()), 900):
        rows.append((second, CONSUMPTION, consumption_wh, False, second))
        hour = datetime.fromtimestamp(second, CHICAGO).hour
        if generation_hours[0] <= hour < generation_hours[1]:
            rows.append((second, GENERATION, generation_wh, False, second))
    return rows


@pytest.fixture
def worked_example():
    partner = LabelPartnerFactory()
    premise = PremiseFactory(label_partner=partner)
    label_partner_tariff(partner, tou_map=weekday_afternoon_peak(), valid_from=date(2025, 1, 1))
    TariffFactory(
        premise=premise,
        valid_from=date(2025, 7, 17),
        offtake_peak=Decimal("0.25"),
        offtake_off_peak=Decimal("0.12"),
        injection_peak=Decimal("0.05"),
        injection_off_peak=Decimal("0.05"),
    )
    return premise


def test_worked_example_of_two_days_with_a_tariff_change(worked_example):
    rows = day_rows(2025, 7, 16) + day_rows(2025, 7, 17)

    summary = estimate_cost(premise=worked_example, rows=rows)

    assert summary.priced
    assert summary.currency == "USD"
    assert (summary.offtake_peak_kwh, summary.offtake_peak_cost) == (Decimal("6.000"), Decimal("1.80"))
    assert (summary.offtake_off_peak_kwh, summary.offtake_off_peak_cost) == (Decimal("42.000"), Decimal("4.68"))
    assert (summary.injection_peak_kwh, summary.injection_peak_cost) == (Decimal("3.200"), Decimal("0.26"))
    assert (summary.injection_off_peak_kwh, summary.injection_off_peak_cost) == (Decimal("16.000"), Decimal("0.74"))
    assert (summary.offtake_cost, summary.injection_cost) == (Decimal("6.48"), Decimal("0.99"))
    assert summary.total == Decimal("5.49")
    assert summary.unpriced_kwh == 0
    assert summary.note == ESTIMATE_NOTE and "not a bill" in summary.note


def test_timeline_prices_each_interval_by_tariff_and_period(worked_example):
    timeline = tariff_timeline(
        premise=worked_example,
        start=datetime(2025, 7, 16, 5, tzinfo=UTC),
        end=datetime(2025, 7, 18, 5, tzinfo=UTC),
    )

    assert timeline.price(epoch(2025, 7, 16, 15, 0), CONSUMPTION) == ("peak", Decimal("0.30000"))
    assert timeline.price(epoch(2025, 7, 16, 9, 0), GENERATION) == ("off_peak", Decimal("0.04000"))
    assert timeline.price(epoch(2025, 7, 17, 15, 0), CONSUMPTION) == ("off_peak", Decimal("0.12"))
    # Exact, not rounded: 400 Wh x 0.08 = 0.032.
    assert timeline.cost(epoch(2025, 7, 16, 15, 0), GENERATION, 400) == Decimal("0.032")


def test_the_premises_own_tariff_wins_over_its_label_partners_from_its_first_local_day(worked_example):
    timeline = tariff_timeline(premise=worked_example)

    # 23:45 on Wednesday local is already Thursday in UTC: still the label partner's day.
    assert timeline.price(epoch(2025, 7, 16, 23, 45), CONSUMPTION) == ("off_peak", Decimal("0.10000"))
    assert timeline.price(epoch(2025, 7, 17, 0, 0), CONSUMPTION) == ("off_peak", Decimal("0.12"))


def test_no_tariff_in_force_gives_no_price_and_no_cost():
    premise = PremiseFactory()
    TariffFactory(premise=premise, valid_from=date(2025, 7, 1), valid_to=date(2025, 7, 31))
    timeline = tariff_timeline(premise=premise)

    assert timeline.price(epoch(2025, 8, 1, 0, 0), CONSUMPTION) is None
    assert timeline.cost(epoch(2025, 6, 30, 23, 45), CONSUMPTION, 100) is None
    assert timeline.cost(epoch(2025, 7, 31, 23, 45), CONSUMPTION, 100) == Decimal("0.01")


def test_another_premises_or_label_partners_tariff_never_applies():
    premise = PremiseFactory()
    TariffFactory(premise=PremiseFactory(label_partner=premise.label_partner))
    label_partner_tariff(LabelPartnerFactory())

    summary = estimate_cost(premise=premise, rows=day_rows(2025, 7, 16))

    assert not summary.priced
    assert summary.total is None
    assert summary.unpriced_kwh == Decimal("33.600")  # 96 x 250 Wh + 24 x 400 Wh


def test_energy_outside_every_tariff_is_counted_as_unpriced():
    premise = PremiseFactory()
    TariffFactory(premise=premise, valid_from=date(2025, 7, 17), tou_map=None)

    summary = estimate_cost(premise=premise, rows=day_rows(2025, 7, 16) + day_rows(2025, 7, 17))

    assert summary.unpriced_kwh == Decimal("33.600")
    assert summary.offtake_off_peak_kwh == Decimal("24.000")
    assert summary.offtake_off_peak_cost == Decimal("2.40")
    assert summary.total == Decimal("2.40") - Decimal("0.38")  # 9.6 kWh x 0.04 = 0.384


def test_a_dst_day_is_one_local_day_of_one_tariff_with_the_repeated_hour_priced_twice():
    premise = PremiseFactory()
    every_day_night_peak = TouMapFactory()
    TouRuleFactory(tou_map=every_day_night_peak, weekdays="1234567", start_time=time(1, 0), end_time=time(3, 0))
    TariffFactory(
        premise=premise,
        tou_map=every_day_night_peak,
        valid_from=date(2025, 11, 2),
        valid_to=date(2025, 11, 2),
        offtake_peak=Decimal("0.20"),
        offtake_off_peak=Decimal("0.10"),
    )
    rows = day_rows(2025, 11, 1, consumption_wh=1000, generation_hours=(0, 0))
    rows += day_rows(2025, 11, 2, consumption_wh=1000, generation_hours=(0, 0))
    rows += day_rows(2025, 11, 3, consumption_wh=1000, generation_hours=(0, 0))

    summary = estimate_cost(premise=premise, rows=rows)

    # 100 quarters on the fall-back day; 01:00-03:00 local holds 12 of them (01:00-02:00 twice).
    assert summary.offtake_peak_kwh == Decimal("12.000")
    assert summary.offtake_off_peak_kwh == Decimal("88.000")
    assert summary.total == Decimal("11.20")  # 12 x 0.20 + 88 x 0.10
    assert summary.unpriced_kwh == Decimal("192.000")  # the ordinary days either side


def test_the_timeline_reads_tariffs_in_one_query_and_prices_a_year_without_more(
    worked_example, django_assert_num_queries
):
    first = epoch(2025, 1, 1, 0, 0)
    with django_assert_num_queries(2):  # the tariffs, then their TOU maps' rules
        timeline = tariff_timeline(premise=worked_example)
        prices = {timeline.price(second, CONSUMPTION) for second in range(first, first + 365 * 86400, 900)}

    assert prices == {
        ("peak", Decimal("0.30000")),
        ("off_peak", Decimal("0.10000")),
        ("off_peak", Decimal("0.12")),
    }
