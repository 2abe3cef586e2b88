"""The Texas 15-minute interval CSV, in the shapes real Smart Meter Texas files have."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.factories import PremiseFactory
from usage.models import IntervalRead, Series
from usage.services import UsageError

from .conftest import TEXAS_HEADER, ingest_text, texas_day, texas_file, texas_row

pytestmark = pytest.mark.django_db

QUARTER = timedelta(minutes=15)


def _clock(minute: int) -> str:
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}"


def _starts(premise, series=Series.CONSUMPTION) -> list[datetime]:
    return list(
        IntervalRead.objects.filter(premise=premise, series=series)
        .order_by("interval_start")
        .values_list("interval_start", flat=True)
    )


def _consecutive(first: datetime, count: int) -> list[datetime]:
    return [first + QUARTER * index for index in range(count)]


def test_good_lines_are_stored_in_utc_with_exact_kwh_quality_and_series():
    premise = PremiseFactory()  # America/Chicago
    text = texas_file(
        texas_row(premise.esiid, "07/01/2025", "00:00", "00:15", kwh="0.858", revision="07/02/2025 06:21:01"),
        texas_row(premise.esiid, "07/01/2025", "00:00", "00:15", kwh="1.204", series="Surplus Generation"),
        texas_row(premise.esiid, "07/01/2025", "00:15", "00:30", kwh="0.430", flag="E"),
    )

    result = ingest_text(text)

    assert (result.format, result.loaded, result.rejected) == ("texas_csv", 3, 0)
    first = IntervalRead.objects.get(premise=premise, series=Series.CONSUMPTION, interval_start__minute=0)
    assert first.interval_start == datetime(2025, 7, 1, 5, 0, tzinfo=UTC)  # 00:00 CDT
    assert first.kwh == Decimal("0.858")
    assert first.revised_at == datetime(2025, 7, 2, 11, 21, 1, tzinfo=UTC)
    assert (first.estimated, first.historical_correction, first.meter_id) == (False, False, None)
    generation = IntervalRead.objects.get(premise=premise, series=Series.GENERATION)
    assert generation.kwh == Decimal("1.204")
    assert IntervalRead.objects.get(premise=premise, interval_start__minute=15).quality == "estimated"


def test_esiid_with_or_without_the_leading_apostrophe_is_the_same_premise():
    premise = PremiseFactory()
    text = texas_file(
        texas_row(premise.esiid, "07/01/2025", "00:00", "00:15"),
        f"{premise.esiid},07/01/2025,07/02/2025 06:00:00,00:15,00:30,0.100,A,Consumption",
    )

    result = ingest_text(text)

    assert result.loaded == 2
    assert IntervalRead.objects.filter(premise=premise).count() == 2


def test_end_time_0000_is_the_next_midnight():
    premise = PremiseFactory()

    ingest_text(texas_file(texas_row(premise.esiid, "07/01/2025", "23:45", "00:00")))

    assert _starts(premise) == [datetime(2025, 7, 2, 4, 45, tzinfo=UTC)]  # 23:45 CDT


def test_kwh_without_leading_or_trailing_zeros_is_read_exactly():
    premise = PremiseFactory()
    text = texas_file(
        texas_row(premise.esiid, "03/01/2022", "00:00", "00:15", kwh=".145"),
        texas_row(premise.esiid, "03/01/2022", "00:15", "00:30", kwh=".14"),
        texas_row(premise.esiid, "03/01/2022", "00:30", "00:45", kwh="2"),
    )

    ingest_text(text)

    assert [read.wh for read in IntervalRead.objects.filter(premise=premise).order_by("interval_start")] == [
        145,
        140,
        2000,
    ]


def test_daily_email_file_with_spaces_before_times_and_no_final_newline_loads():
    premise = PremiseFactory()
    text = (
        f"{TEXAS_HEADER}\n"
        f"'{premise.esiid},12/29/2025,12/30/2025 07:41:08, 00:00, 00:15,0.620,E,Consumption\n"
        f"'{premise.esiid},12/29/2025,12/30/2025 07:41:08, 23:45, 00:00,0.473,A,Consumption"
    )

    result = ingest_text(text, name="IntervalMeterUsage20251230214501123EML.CSV")

    assert (result.loaded, result.rejected) == (2, 0)
    assert _starts(premise) == [datetime(2025, 12, 29, 6, 0, tzinfo=UTC), datetime(2025, 12, 30, 5, 45, tzinfo=UTC)]


def test_windows_line_endings_and_spreadsheet_quoting_are_accepted():
    premise = PremiseFactory()
    text = (
        f"{TEXAS_HEADER}\r\n"
        f"'{premise.esiid},07/01/2025,07/02/2025 06:21:01,00:00,00:15,0.858,A,Consumption\r\n"
        f'"\'{premise.esiid}","07/01/2025","07/02/2025 06:21:01","00:15","00:30","0.100","A","Consumption"\r\n'
    )

    result = ingest_text(text)

    assert (result.loaded, result.rejected) == (2, 0)


def test_bad_lines_are_reported_with_line_number_and_reason_and_good_lines_still_load():
    premise = PremiseFactory()
    esiid = premise.esiid
    text = texas_file(
        texas_row(esiid, "07/01/2025", "00:00", "00:15"),  # line 2, good
        texas_row("10443720099999999", "07/01/2025", "00:00", "00:15"),  # 3
        texas_row("1044372", "07/01/2025", "00:00", "00:15"),  # 4
        texas_row(esiid, "13/45/2025", "00:00", "00:15", revision="07/02/2025 06:00:00"),  # 5
        texas_row(esiid, "07/01/2025", "00:15", "00:45"),  # 6
        texas_row(esiid, "07/01/2025", "00:05", "00:20"),  # 7
        texas_row(esiid, "07/01/2025", "25:00", "25:15"),  # 8
        texas_row(esiid, "07/01/2025", "00:30", "00:45", kwh="abc"),  # 9
        texas_row(esiid, "07/01/2025", "00:30", "00:45", kwh="0.1234"),  # 10
        texas_row(esiid, "07/01/2025", "00:30", "00:45", kwh="-0.5"),  # 11
        texas_row(esiid, "07/01/2025", "00:30", "00:45", flag="X"),  # 12
        texas_row(esiid, "07/01/2025", "00:30", "00:45", series="Net"),  # 13
        texas_row(esiid, "07/01/2025", "00:30", "00:45", revision="yesterday"),  # 14
        f"'{esiid},07/01/2025,07/02/2025 06:00:00,00:30,00:45,0.5,A",  # 15
        texas_row(esiid, "01/01/2099", "00:30", "00:45", revision="01/01/2025 06:00:00"),  # 16
        texas_row(esiid, "07/01/1999", "00:30", "00:45"),  # 17
        texas_row(esiid, "07/01/2025", "00:30", "00:45", kwh="", flag="A"),  # 18
        texas_row(esiid, "07/01/2025", "00:45", "01:00"),  # 19, good
    )

    result = ingest_text(text)

    assert result.loaded == 2
    assert [(item.line, item.reason) for item in result.rejections] == [
        (3, "unknown ESIID 10443720099999999"),
        (4, 'ESIID "\'1044372" is not 17 to 22 digits'),
        (5, "USAGE_DATE '13/45/2025' is not a date (MM/DD/YYYY)"),
        (6, "USAGE_END_TIME 00:45 is not 15 minutes after USAGE_START_TIME 00:15"),
        (7, "USAGE_START_TIME 00:05 is not on a quarter hour"),
        (8, "USAGE_START_TIME '25:00' is not a time (HH:MM)"),
        (9, "USAGE_KWH 'abc' is not a number"),
        (10, "USAGE_KWH 0.1234 has more than 3 decimal places"),
        (11, "USAGE_KWH -0.5 is negative"),
        (12, "ESTIMATED_ACTUAL 'X' is not A or E"),
        (13, "CONSUMPTION_SURPLUSGENERATION 'Net' is not Consumption or Surplus Generation"),
        (14, "REVISION_DATE 'yesterday' is not a date (MM/DD/YYYY)"),
        (15, "expected 8 fields, found 7"),
        (16, "USAGE_DATE 01/01/2099 is in the future"),
        (17, "USAGE_DATE 07/01/1999 is before 2000"),
        (18, "USAGE_KWH is empty"),
    ]
    assert result.rejected == 16
    assert IntervalRead.objects.filter(premise=premise).count() == 2


def test_unknown_esiid_is_a_rejected_line_not_an_error():
    text = texas_file(*texas_day("10443720012345678", "07/01/2025"))

    result = ingest_text(text)

    assert (result.loaded, result.rejected) == (0, 96)
    assert {item.reason for item in result.rejections} == {"unknown ESIID 10443720012345678"}


def test_consumption_and_generation_interleaved_are_two_series_of_the_same_intervals():
    premise = PremiseFactory()
    consumption = texas_day(premise.esiid, "07/01/2025", kwh="0.300")
    generation = texas_day(premise.esiid, "07/01/2025", kwh="0.120", series="Surplus Generation")
    interleaved = [row for pair in zip(consumption, generation, strict=True) for row in pair]

    result = ingest_text(texas_file(*interleaved))

    assert result.loaded == 192
    assert _starts(premise, Series.CONSUMPTION) == _starts(premise, Series.GENERATION)
    assert _starts(premise) == _consecutive(datetime(2025, 7, 1, 5, 0, tzinfo=UTC), 96)


# --- Daylight-saving days ------------------------------------------------------------------------


def _spring_day_as_smt_writes_it(esiid: str) -> list[str]:
    """03/09/2025: 96 rows; the four of 02:00–03:00, which never happened, blank."""
    rows = []
    for quarter in range(96):
        start, end = _clock(quarter * 15), _clock(quarter * 15 + 15)
        if 8 <= quarter < 12:
            rows.append(f"'{esiid},03/09/2025,03/10/2025 09:39:39,{start},{end},,,Consumption")
        else:
            rows.append(texas_row(esiid, "03/09/2025", start, end, revision="03/10/2025 09:39:39"))
    return rows


def _fall_day(esiid: str, *, smt_quirk: bool) -> list[str]:
    """11/02/2025: 100 rows, 01:00–02:00 twice (daylight time, then standard time)."""
    minutes = list(range(0, 120, 15)) + list(range(60, 24 * 60, 15))
    rows = []
    for index, minute in enumerate(minutes):
        start, end = _clock(minute), _clock(minute + 15)
        if smt_quirk and index == 8:
            start = "02:00"  # what real files write for the first repeated quarter hour
        rows.append(texas_row(esiid, "11/02/2025", start, end, kwh=f"0.{index:03d}", revision="11/03/2025 08:00:00"))
    return rows


def test_spring_forward_day_as_smt_writes_it_stores_92_quarter_hours_and_skips_the_4_blank_rows():
    premise = PremiseFactory()

    result = ingest_text(texas_file(*_spring_day_as_smt_writes_it(premise.esiid)))

    assert (result.loaded, result.skipped, result.rejected) == (92, 4, 0)
    # 00:00 CST is 06:00 UTC; 23 hours of consecutive quarter hours follow.
    assert _starts(premise) == _consecutive(datetime(2025, 3, 9, 6, 0, tzinfo=UTC), 92)


def test_spring_forward_day_with_92_rows_loads_the_same_23_hours():
    premise = PremiseFactory()
    rows = [row for row in _spring_day_as_smt_writes_it(premise.esiid) if ",,," not in row]

    result = ingest_text(texas_file(*rows))

    assert (result.loaded, result.skipped) == (92, 0)
    assert _starts(premise) == _consecutive(datetime(2025, 3, 9, 6, 0, tzinfo=UTC), 92)


def test_a_value_in_the_hour_skipped_in_spring_is_rejected():
    premise = PremiseFactory()

    result = ingest_text(texas_file(texas_row(premise.esiid, "03/09/2025", "02:15", "02:30")))

    assert [item.reason for item in result.rejections] == [
        "02:15 on 03/09/2025 does not exist in America/Chicago (clocks spring forward)"
    ]


@pytest.mark.parametrize("smt_quirk", [True, False], ids=["first-repeat-written-02:00-01:15", "plain-repeat"])
def test_fall_back_day_stores_100_quarter_hours_told_apart_by_line_order(smt_quirk):
    premise = PremiseFactory()

    result = ingest_text(texas_file(*_fall_day(premise.esiid, smt_quirk=smt_quirk)))

    assert (result.loaded, result.rejected) == (100, 0)
    # 00:00 CDT is 05:00 UTC; 25 hours of consecutive quarter hours follow.
    assert _starts(premise) == _consecutive(datetime(2025, 11, 2, 5, 0, tzinfo=UTC), 100)
    reads = IntervalRead.objects.filter(premise=premise).order_by("interval_start")
    assert [read.wh for read in reads] == list(range(100))  # each value where its line put it
    assert reads[4].interval_start == datetime(2025, 11, 2, 6, 0, tzinfo=UTC)  # 01:00 CDT
    assert reads[8].interval_start == datetime(2025, 11, 2, 7, 0, tzinfo=UTC)  # 01:00 CST


def test_fall_back_day_with_both_series_interleaved_keeps_each_series_in_order():
    premise = PremiseFactory()
    consumption = _fall_day(premise.esiid, smt_quirk=True)
    generation = [row.replace(",Consumption", ",Surplus Generation") for row in consumption]
    interleaved = [row for pair in zip(consumption, generation, strict=True) for row in pair]

    result = ingest_text(texas_file(*interleaved))

    assert result.loaded == 200
    assert _starts(premise, Series.GENERATION) == _consecutive(datetime(2025, 11, 2, 5, 0, tzinfo=UTC), 100)


def test_a_repeated_hour_seen_a_third_time_is_rejected():
    premise = PremiseFactory()
    rows = [texas_row(premise.esiid, "11/02/2025", "01:00", "01:15", kwh=f"0.00{n}") for n in range(3)]

    result = ingest_text(texas_file(*rows))

    assert result.loaded == 2
    assert [item.reason for item in result.rejections] == [
        "01:00 on 11/02/2025 appears more than twice for this ESIID and series"
    ]


# --- Layouts and headers -------------------------------------------------------------------------


def test_older_layout_without_revision_and_series_loads_as_consumption():
    premise = PremiseFactory()
    text = (
        "ESIID,USAGE_DATE,USAGE_START_TIME,USAGE_END_TIME,USAGE_KWH,ESTIMATED_ACTUAL\n"
        f"'{premise.esiid},07/01/2025,00:00,00:15,0.858,A\n"
    )

    result = ingest_text(text)

    assert (result.format, result.loaded) == ("texas_csv", 1)
    assert IntervalRead.objects.get(premise=premise).series == Series.CONSUMPTION


def test_a_file_whose_first_line_is_no_known_header_is_refused_whole():
    with pytest.raises(UsageError) as refused:
        ingest_text("hello,world\n1,2\n")

    assert refused.value.code == "unknown_format"


def test_forcing_a_format_the_header_does_not_match_is_refused():
    premise = PremiseFactory()

    with pytest.raises(UsageError) as refused:
        ingest_text(texas_file(texas_row(premise.esiid, "07/01/2025", "00:00", "00:15")), format="tab_utc")

    assert refused.value.code == "bad_header"


def test_a_premise_with_an_unknown_time_zone_gets_its_lines_rejected_not_the_file():
    broken = PremiseFactory(time_zone="Mars/Olympus_Mons")
    fine = PremiseFactory()

    result = ingest_text(
        texas_file(
            texas_row(broken.esiid, "07/01/2025", "00:00", "00:15"),
            texas_row(fine.esiid, "07/01/2025", "00:00", "00:15"),
        )
    )

    assert result.loaded == 1
    assert [item.reason for item in result.rejections] == [
        f"ESIID {broken.esiid}: the premise's time zone 'Mars/Olympus_Mons' is unknown"
    ]
