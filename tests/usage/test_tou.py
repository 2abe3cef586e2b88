"""TOU calendars: the period of an instant by local weekday, month and time, across DST."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.usage.tariff_factories import TouMapFactory, TouRuleFactory, weekday_afternoon_peak
from usage.tou import LocalClock, TouCalendar, parse_months, parse_weekdays

CHICAGO = ZoneInfo("America/Chicago")
pytestmark = pytest.mark.django_db


def local(*args, zone=CHICAGO) -> datetime:
    return datetime(*args, tzinfo=zone)


def quarters_of_local_day(day: datetime) -> list[int]:
    """Epoch seconds of every 15-minute interval start of a local day (92, 96 or 100 of them)."""
    start = int(day.timestamp())
    end = int((day + timedelta(days=1)).replace(tzinfo=day.tzinfo).timestamp())
    return list(range(start, end, 900))


def test_weekday_afternoon_is_peak_and_the_rest_off_peak():
    calendar = TouCalendar(weekday_afternoon_peak())

    wednesday = (2025, 7, 16)
    assert calendar.period_at(local(*wednesday, 13, 45)) == "off_peak"
    assert calendar.period_at(local(*wednesday, 14, 0)) == "peak"
    assert calendar.period_at(local(*wednesday, 19, 45)) == "peak"
    assert calendar.period_at(local(*wednesday, 20, 0)) == "off_peak"
    assert calendar.period_at(local(2025, 7, 19, 15, 0)) == "off_peak"  # a Saturday


def test_the_same_instant_in_utc_gives_the_same_period():
    calendar = TouCalendar(weekday_afternoon_peak())

    # 14:00 CDT is 19:00 UTC: peak; 14:00 UTC is 09:00 CDT: off-peak.
    assert calendar.period_at(datetime(2025, 7, 16, 19, 0, tzinfo=UTC)) == "peak"
    assert calendar.period_at(datetime(2025, 7, 16, 14, 0, tzinfo=UTC)) == "off_peak"


def test_without_a_map_every_hour_is_off_peak():
    calendar = TouCalendar(None)

    assert {calendar.period_of_epoch(second) for second in range(1752600000, 1752600000 + 86400 * 7, 900)} == {
        "off_peak"
    }


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="aware"):
        TouCalendar(weekday_afternoon_peak()).period_at(datetime(2025, 7, 16, 15, 0))  # noqa: DTZ001


def test_rules_are_tried_in_position_order_and_months_limit_them():
    tou_map = TouMapFactory(default_period="off_peak")
    TouRuleFactory(tou_map=tou_map, position=2, period="peak", weekdays="1234567", months="")
    TouRuleFactory(tou_map=tou_map, position=1, period="shoulder", weekdays="1234567", months="12,1-2")
    calendar = TouCalendar(tou_map)

    assert calendar.period_at(local(2025, 1, 15, 15, 0)) == "shoulder"  # winter: the shoulder rule first
    assert calendar.period_at(local(2025, 7, 15, 15, 0)) == "peak"
    assert calendar.periods == ["off_peak", "shoulder", "peak"]


def test_a_rule_ending_before_it_starts_wraps_past_midnight_on_its_own_weekdays():
    tou_map = TouMapFactory()
    TouRuleFactory(tou_map=tou_map, period="night", weekdays="12345", start_time=time(22, 0), end_time=time(6, 0))
    calendar = TouCalendar(tou_map)

    assert calendar.period_at(local(2025, 7, 16, 23, 0)) == "night"  # Wednesday evening
    assert calendar.period_at(local(2025, 7, 17, 5, 45)) == "night"  # Thursday early
    assert calendar.period_at(local(2025, 7, 17, 6, 0)) == "off_peak"
    assert calendar.period_at(local(2025, 7, 19, 2, 0)) == "off_peak"  # Saturday early: not a weekday rule


def test_an_end_of_midnight_means_the_end_of_the_day():
    tou_map = TouMapFactory()
    TouRuleFactory(tou_map=tou_map, weekdays="1234567", start_time=time(18, 0), end_time=time(0, 0))
    calendar = TouCalendar(tou_map)

    assert calendar.period_at(local(2025, 7, 16, 23, 45)) == "peak"
    assert calendar.period_at(local(2025, 7, 17, 0, 0)) == "off_peak"


def test_the_spring_forward_day_has_92_intervals_and_still_six_peak_hours():
    tou_map = TouMapFactory()
    TouRuleFactory(tou_map=tou_map, weekdays="1234567")  # 14:00-20:00 every day
    calendar = TouCalendar(tou_map)

    quarters = quarters_of_local_day(local(2025, 3, 9))
    periods = [calendar.period_of_epoch(second) for second in quarters]

    assert len(quarters) == 92
    assert periods.count("peak") == 24
    assert calendar.period_at(local(2025, 3, 9, 14, 0)) == "peak"  # 19:00 UTC, after the change to CDT


def test_the_fall_back_day_counts_the_repeated_hour_twice():
    tou_map = TouMapFactory()
    TouRuleFactory(tou_map=tou_map, weekdays="1234567", start_time=time(1, 0), end_time=time(3, 0))
    calendar = TouCalendar(tou_map)

    quarters = quarters_of_local_day(local(2025, 11, 2))
    periods = [calendar.period_of_epoch(second) for second in quarters]

    assert len(quarters) == 100
    # 01:00-02:00 CDT, 01:00-02:00 CST, 02:00-03:00 CST: 12 quarters.
    assert periods.count("peak") == 12
    assert calendar.period_at(datetime(2025, 11, 2, 6, 30, tzinfo=UTC)) == "peak"  # 01:30 CDT
    assert calendar.period_at(datetime(2025, 11, 2, 7, 30, tzinfo=UTC)) == "peak"  # 01:30 CST


def _reference_period(rules, default, moment_utc: datetime, zone: ZoneInfo) -> str:
    """The period the slow, obvious way: one datetime conversion per instant."""
    moment = moment_utc.astimezone(zone)
    minute = moment.hour * 60 + moment.minute
    for weekdays, months, start, end, period in rules:
        if moment.isoweekday() in weekdays and moment.month in months:
            covered = start <= minute < end if start < end else (minute >= start or minute < end)
            if covered:
                return period
    return default


@pytest.mark.parametrize("zone_name", ["America/Chicago", "Asia/Kolkata", "Australia/Lord_Howe", "Europe/Brussels"])
def test_cached_periods_agree_with_a_conversion_per_instant_for_a_whole_year(zone_name):
    # Kolkata's half-hour offset puts UTC hours across local midnight; Lord Howe moves its clock
    # by 30 minutes at DST, so some UTC hours hold two offsets.
    tou_map = TouMapFactory(time_zone=zone_name)
    TouRuleFactory(
        tou_map=tou_map, position=1, period="shoulder", months="6-8", start_time=time(7, 0), end_time=time(9, 30)
    )
    TouRuleFactory(
        tou_map=tou_map, position=2, period="peak", weekdays="12345", start_time=time(14, 0), end_time=time(20, 0)
    )
    TouRuleFactory(
        tou_map=tou_map, position=3, period="night", weekdays="67", start_time=time(23, 0), end_time=time(1, 30)
    )
    rules = [
        (parse_weekdays(rule.weekdays), parse_months(rule.months), *_minutes(rule), rule.period)
        for rule in tou_map.rules.order_by("position")
    ]
    calendar = TouCalendar(tou_map)
    zone = ZoneInfo(zone_name)
    first = datetime(2025, 1, 1, tzinfo=UTC)

    mismatches = []
    for quarter in range(365 * 96):
        moment = first + timedelta(minutes=15 * quarter)
        expected = _reference_period(rules, "off_peak", moment, zone)
        if calendar.period_of_epoch(int(moment.timestamp())) != expected:
            mismatches.append(moment)
    assert mismatches == []


def _minutes(rule) -> tuple[int, int]:
    return rule.start_time.hour * 60 + rule.start_time.minute, (rule.end_time.hour * 60 + rule.end_time.minute) or 1440


def test_local_clock_gives_local_days_across_dst():
    clock = LocalClock("America/Chicago")

    # Local midnight of 2025-03-10 is 05:00 UTC (CDT); one second earlier is still 2025-03-09.
    midnight = int(datetime(2025, 3, 10, 5, 0, tzinfo=UTC).timestamp())
    assert clock.local_day(midnight) - clock.local_day(midnight - 1) == 1


@pytest.mark.parametrize(
    ("text", "months"), [("", set(range(1, 13))), ("6,7,8", {6, 7, 8}), ("6-9, 12", {6, 7, 8, 9, 12})]
)
def test_months_parse_lists_and_ranges(text, months):
    assert parse_months(text) == months


@pytest.mark.parametrize("text", ["13", "9-6", "summer", "0"])
def test_months_out_of_range_are_refused(text):
    with pytest.raises(ValueError, match="month"):
        parse_months(text)


@pytest.mark.parametrize("text", ["", "8", "1,2"])
def test_weekdays_other_than_1_to_7_are_refused(text):
    with pytest.raises(ValueError, match="weekday"):
        parse_weekdays(text)
