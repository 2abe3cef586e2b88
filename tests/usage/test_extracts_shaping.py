"""Consumption extracts, shaped: exact units, 15/30/60-minute and day targets across both DST
changes, TOU periods, and daily register reads spread with a load profile (worked examples)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from tests.factories import MeterFactory, PremiseFactory
from usage.models import DailyRead, ExtractRequest, LoadProfile, Series, TouMap, TouRule
from usage.services.extracts import create_initial_load

from .extract_support import FALL_BACK, ORDINARY, SPRING_FORWARD, extract_type, lines_of, load_day, run

pytestmark = pytest.mark.django_db


def initial(kind_of_type, first_day, last_day=None):
    request = create_initial_load(extract_type=kind_of_type, first_day=first_day, last_day=last_day or first_day)
    request, outbox = run(request)
    assert request.status == ExtractRequest.Status.COMPLETE, request.error
    return request, lines_of(outbox.files[request.file_name])


def test_the_spring_forward_day_has_92_quarter_hours_23_hours_and_one_82800_second_day():
    premise = PremiseFactory()
    load_day(premise, SPRING_FORWARD)  # 1, 2, ... 92 Wh

    _, quarters = initial(extract_type(interval_minutes=15), SPRING_FORWARD)
    _, hours = initial(extract_type(interval_minutes=60), SPRING_FORWARD)
    _, days = initial(extract_type(interval_minutes=1440), SPRING_FORWARD)

    assert len(quarters) == 92
    assert [(line["INTERVAL_START"], line["UTC_OFFSET"]) for line in hours[1:4]] == [
        ("2025-03-09 01:00", "-06:00"),
        ("2025-03-09 03:00", "-05:00"),  # 02:00 does not exist
        ("2025-03-09 04:00", "-05:00"),
    ]
    assert len(hours) == 23
    assert hours[1]["KWH"] == "0.026"  # 5 + 6 + 7 + 8 Wh
    assert [(line["SECONDS"], line["KWH"]) for line in days] == [("82800", "4.278")]  # 92 × 93 / 2 Wh


def test_the_fall_back_day_has_100_quarter_hours_and_the_repeated_hour_twice_by_its_offset():
    premise = PremiseFactory()
    load_day(premise, FALL_BACK)  # 1, 2, ... 100 Wh

    _, quarters = initial(extract_type(interval_minutes=15), FALL_BACK)
    _, hours = initial(extract_type(interval_minutes=60), FALL_BACK)
    _, days = initial(extract_type(interval_minutes=1440), FALL_BACK)

    assert len(quarters) == 100
    assert len(hours) == 25
    assert [(line["INTERVAL_START"], line["UTC_OFFSET"], line["KWH"]) for line in hours[1:3]] == [
        ("2025-11-02 01:00", "-05:00", "0.026"),
        ("2025-11-02 01:00", "-06:00", "0.042"),  # 9 + 10 + 11 + 12 Wh
    ]
    assert [(line["INTERVAL_START"], line["SECONDS"], line["KWH"]) for line in days] == [
        ("2025-11-02 00:00", "90000", "5.050")
    ]


def test_units_are_exact_in_kwh_wh_and_mwh():
    premise = PremiseFactory()
    load_day(premise, ORDINARY, wh=lambda index: 1234567 if index == 0 else 1)

    _, kwh = initial(extract_type(unit="kWh"), ORDINARY)
    _, wh = initial(extract_type(unit="Wh"), ORDINARY)
    _, mwh = initial(extract_type(unit="MWh", interval_minutes=1440), ORDINARY)

    assert (kwh[0]["KWH"], kwh[1]["KWH"]) == ("1234.567", "0.001")
    assert (wh[0]["WH"], wh[1]["WH"]) == ("1234567", "1")
    assert mwh[0]["MWH"] == "1.234662"  # 1 234 567 + 95 Wh
    assert Decimal(mwh[0]["MWH"]) * 1_000_000 == 1234567 + 95


def test_half_hours_sum_two_quarter_hours_and_any_estimate_marks_the_sum_estimated():
    premise = PremiseFactory()
    load_day(premise, ORDINARY, estimated=lambda index: index == 3)

    _, half_hours = initial(extract_type(interval_minutes=30), ORDINARY)

    assert len(half_hours) == 48
    assert [(line["INTERVAL_START"], line["SECONDS"], line["KWH"], line["QUALITY"]) for line in half_hours[:2]] == [
        ("2025-06-10 00:00", "1800", "0.003", "A"),
        ("2025-06-10 00:30", "1800", "0.007", "E"),
    ]


def test_consumption_and_generation_are_summed_apart():
    premise = PremiseFactory()
    load_day(premise, ORDINARY, wh=lambda index: 10)
    load_day(premise, ORDINARY, wh=lambda index: 2, series=Series.GENERATION)

    _, days = initial(extract_type(interval_minutes=1440), ORDINARY)

    assert [(line["SERIES"], line["KWH"]) for line in days] == [("C", "0.960"), ("G", "0.192")]


def test_a_tou_map_sums_each_target_interval_per_period(settings):
    premise = PremiseFactory()
    load_day(premise, ORDINARY, wh=lambda index: 1)
    tou_map = TouMap.objects.create(code="summer-peak", name="Summer peak", default_period="off_peak")
    # Peak 14:30-19:00 on weekdays: the 14:00 hour is half off-peak, half peak.
    TouRule.objects.create(tou_map=tou_map, period="peak", weekdays="12345", start_time=time(14, 30),
                           end_time=time(19))  # fmt: skip

    _, hours = initial(extract_type(interval_minutes=60, tou_map=tou_map), ORDINARY)
    _, days = initial(extract_type(interval_minutes=1440, tou_map=tou_map), ORDINARY)

    fourteen = [line for line in hours if line["INTERVAL_START"] == "2025-06-10 14:00"]
    assert [(line["TOU_PERIOD"], line["KWH"], line["SECONDS"]) for line in fourteen] == [
        ("off_peak", "0.002", "3600"),
        ("peak", "0.002", "3600"),
    ]
    assert len(hours) == 25  # 24 hours, one of them in two periods
    assert [(line["TOU_PERIOD"], line["KWH"]) for line in days] == [("off_peak", "0.078"), ("peak", "0.018")]


def test_a_daily_read_of_a_premise_without_intervals_is_spread_flat_over_its_quarter_hours():
    premise = PremiseFactory()
    DailyRead.objects.create(premise=premise, read_date=ORDINARY, kwh=Decimal("10.000"), revised_at=_revised())
    DailyRead.objects.create(premise=premise, read_date=FALL_BACK, kwh=Decimal("1.000"), revised_at=_revised())

    _, quarters = initial(extract_type(interval_minutes=15), ORDINARY)
    _, fall_back = initial(extract_type(interval_minutes=15), FALL_BACK)

    values = [Decimal(line["KWH"]) for line in quarters]
    assert len(values) == 96 and sum(values) == Decimal("10.000")
    assert set(values) == {Decimal("0.104"), Decimal("0.105")}  # 10 000 Wh / 96, remainders to the first
    assert {line["QUALITY"] for line in quarters} == {"E"}
    assert len(fall_back) == 100 and {line["KWH"] for line in fall_back} == {"0.010"}


def test_a_weighted_load_profile_shapes_the_spread_and_keeps_the_day_total():
    premise = PremiseFactory()
    DailyRead.objects.create(premise=premise, read_date=ORDINARY, kwh=Decimal("14.400"), revised_at=_revised())
    evening = LoadProfile.objects.create(code="evening", name="Evening", weights=[1] * 72 + [3] * 24)  # 18:00+

    _, hours = initial(extract_type(interval_minutes=60, load_profile=evening), ORDINARY)

    # 144 weights share 14 400 Wh: 100 Wh a quarter hour of weight 1, 300 of weight 3.
    assert [line["KWH"] for line in hours] == ["0.400"] * 18 + ["1.200"] * 6


def test_the_load_profile_on_dst_days_drops_or_repeats_the_weights_of_the_changing_hour():
    premise = PremiseFactory()
    for day in (SPRING_FORWARD, FALL_BACK):
        DailyRead.objects.create(premise=premise, read_date=day, kwh=Decimal("2.800"), revised_at=_revised())
    night = LoadProfile.objects.create(code="night", name="Night", weights=[5] * 12 + [1] * 84)  # 00:00-03:00

    _, spring = initial(extract_type(interval_minutes=60, load_profile=night), SPRING_FORWARD)
    _, fall = initial(extract_type(interval_minutes=60, load_profile=night), FALL_BACK)

    # Spring: hours 00, 01, 03 ... 23: two night hours of weight 20, 21 hours of 4 (total 124); each
    # quarter's share is floored to whole Wh and the 56 Wh left go to the largest remainders.
    assert [line["KWH"] for line in spring[:3]] == ["0.452", "0.452", "0.092"]
    assert [line["INTERVAL_START"][11:] for line in spring[:3]] == ["00:00", "01:00", "03:00"]
    # Fall: 00, 01 (-05), 01 (-06), 02 are night hours (weight 20 each), 21 more of 4: total 164.
    assert [line["KWH"] for line in fall[:5]] == ["0.344", "0.344", "0.344", "0.340", "0.068"]
    assert sum(Decimal(line["KWH"]) for line in spring) == sum(Decimal(line["KWH"]) for line in fall) == Decimal("2.8")


def test_a_day_with_interval_reads_ignores_its_daily_read():
    premise = PremiseFactory()
    load_day(premise, ORDINARY, wh=lambda index: 1)
    DailyRead.objects.create(premise=premise, read_date=ORDINARY, kwh=Decimal("50.000"), revised_at=_revised())

    _, days = initial(extract_type(interval_minutes=1440), ORDINARY)

    assert [line["KWH"] for line in days] == ["0.096"]


def test_every_active_premise_is_extracted_with_its_current_meter_and_inactive_ones_are_not():
    first, second = MeterFactory(), MeterFactory()
    inactive = PremiseFactory(status="inactive")
    for premise in (first.premise, second.premise, inactive):
        load_day(premise, ORDINARY, wh=lambda index: 1)

    _, days = initial(extract_type(interval_minutes=1440), ORDINARY)

    assert [(line["ESIID"], line["METER"]) for line in days] == [
        (first.premise.esiid, first.meter_number),
        (second.premise.esiid, second.meter_number),
    ]


def test_a_day_target_of_a_premise_in_another_zone_is_its_own_local_day():
    denver = PremiseFactory(time_zone="America/Denver")
    load_day(denver, ORDINARY, wh=lambda index: 1)
    load_day(denver, ORDINARY + timedelta(days=1), wh=lambda index: 2)

    # Chicago's 10 and 11 June: Denver's 10 June ends at 01:00 Chicago on the 11th, inside the period;
    # Denver's 11 June ends after the period and is left for the next request.
    _, days = initial(extract_type(interval_minutes=1440), ORDINARY, ORDINARY + timedelta(days=1))

    assert [(line["INTERVAL_START"], line["UTC_OFFSET"], line["KWH"]) for line in days] == [
        ("2025-06-10 00:00", "-06:00", "0.096")
    ]


def _revised() -> datetime:
    return datetime(2025, 12, 1, 6, tzinfo=UTC)


def test_initial_load_runs_from_the_first_local_midnight_to_after_the_last_day():
    request = create_initial_load(extract_type=extract_type(), first_day=date(2025, 3, 8), last_day=SPRING_FORWARD)

    assert (request.period_start, request.period_end) == (
        datetime(2025, 3, 8, 6, tzinfo=UTC),
        datetime(2025, 3, 10, 5, tzinfo=UTC),
    )
