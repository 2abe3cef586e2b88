"""The tab-delimited interval extract with explicit UTC offsets (seed 003)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.factories import MeterFactory, PremiseFactory
from usage.models import IntervalRead, Series

from .conftest import ingest_text

pytestmark = pytest.mark.django_db

HEADER = "ESIID\tMETER\tINTERVAL_START\tUTC_OFFSET\tSECONDS\tKWH\tQUALITY\tSERIES\tREVISED_AT"
REVISED = "2025-11-03T06:00:00-06:00"


def tab_row(esiid, start, offset, kwh="0.250", *, meter="", seconds="900", quality="A", series="C", revised=REVISED):
    return "\t".join([esiid, meter, start, offset, seconds, kwh, quality, series, revised])


def tab_file(*rows: str, header: bool = True) -> str:
    return "\n".join(([HEADER] if header else []) + list(rows)) + "\n"


def test_good_lines_are_stored_at_the_instant_their_offset_names():
    meter = MeterFactory()
    premise = meter.premise
    text = tab_file(
        tab_row(premise.esiid, "2025-07-01 00:00", "-05:00", "0.858", meter=meter.meter_number),
        tab_row(premise.esiid, "2025-07-01T00:00:00", "-05:00", "0.120", series="G", quality="E"),
    )

    result = ingest_text(text, name="extract.tsv")

    assert (result.format, result.loaded, result.rejected) == ("tab_utc", 2, 0)
    consumption = IntervalRead.objects.get(premise=premise, series=Series.CONSUMPTION)
    assert consumption.interval_start == datetime(2025, 7, 1, 5, 0, tzinfo=UTC)
    assert (consumption.kwh, consumption.meter_id) == (Decimal("0.858"), meter.pk)
    assert consumption.revised_at == datetime(2025, 11, 3, 12, 0, tzinfo=UTC)
    generation = IntervalRead.objects.get(premise=premise, series=Series.GENERATION)
    assert (generation.kwh, generation.estimated, generation.meter_id) == (Decimal("0.120"), True, None)


def test_the_repeated_fall_back_hour_is_told_apart_by_its_offsets_whatever_the_order():
    premise = PremiseFactory()
    text = tab_file(
        tab_row(premise.esiid, "2025-11-02 01:00", "-06:00", "0.200"),  # standard time, listed first
        tab_row(premise.esiid, "2025-11-02 01:00", "-05:00", "0.100"),
    )

    ingest_text(text)

    reads = IntervalRead.objects.filter(premise=premise).order_by("interval_start")
    assert [(read.interval_start, read.wh) for read in reads] == [
        (datetime(2025, 11, 2, 6, 0, tzinfo=UTC), 100),
        (datetime(2025, 11, 2, 7, 0, tzinfo=UTC), 200),
    ]


def test_a_full_fall_back_day_is_100_consecutive_quarter_hours():
    premise = PremiseFactory()
    first = datetime(2025, 11, 2, 5, 0, tzinfo=UTC)
    rows = []
    for index in range(100):
        moment = (first + timedelta(minutes=15 * index)).astimezone(premise_zone())
        offset = "-05:00" if moment.utcoffset() == timedelta(hours=-5) else "-06:00"
        rows.append(tab_row(premise.esiid, moment.strftime("%Y-%m-%d %H:%M"), offset))

    result = ingest_text(tab_file(*rows))

    assert result.loaded == 100
    starts = list(
        IntervalRead.objects.filter(premise=premise).order_by("interval_start").values_list("interval_start", flat=True)
    )
    assert starts == [first + timedelta(minutes=15 * index) for index in range(100)]


def premise_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/Chicago")


def test_bad_lines_are_reported_with_line_number_and_reason():
    premise = PremiseFactory()
    elsewhere = MeterFactory()
    esiid = premise.esiid
    text = tab_file(
        tab_row(esiid, "2025-07-01 00:00", "-06:00"),  # 2: CDT is -05:00 in July
        tab_row(esiid, "2025-07-01 00:10", "-05:00"),  # 3
        tab_row(esiid, "2025-07-01 00:15", "-05:00", seconds="3600"),  # 4
        tab_row(esiid, "2025-07-01 00:15", "-05:00", quality="V"),  # 5
        tab_row(esiid, "2025-07-01 00:15", "-05:00", series="X"),  # 6
        tab_row(esiid, "2025-07-01 00:15", "-05:00", revised="2025-07-02 06:00"),  # 7
        tab_row(esiid, "2025-07-01 00:15", "-05:00", meter="NOPE-1"),  # 8
        tab_row(esiid, "2025-07-01 00:15", "-05:00", meter=elsewhere.meter_number),  # 9
        tab_row(esiid, "July 1st", "-05:00"),  # 10
        tab_row(esiid, "2025-07-01 00:15", "CDT"),  # 11
        "\t".join([esiid, "", "2025-07-01 00:15", "-05:00", "900", "0.1"]),  # 12
        tab_row(esiid, "2025-03-09 02:15", "-06:00"),  # 13: never happened
        tab_row(esiid, "2025-07-01 00:15", "-05:00"),  # 14: good
    )

    result = ingest_text(text)

    assert result.loaded == 1
    assert [(item.line, item.reason) for item in result.rejections] == [
        (2, "UTC_OFFSET -06:00 does not match America/Chicago at 2025-07-01 00:00 (the zone is at -05:00 then)"),
        (3, "INTERVAL_START 2025-07-01 00:10 is not on a quarter hour"),
        (4, "SECONDS '3600': only 900-second (15-minute) intervals are loaded"),
        (5, "QUALITY 'V' is not A or E"),
        (6, "SERIES 'X' is not C or G"),
        (7, "REVISED_AT '2025-07-02 06:00' has no UTC offset"),
        (8, "unknown meter NOPE-1"),
        (9, f"meter {elsewhere.meter_number} is not at this ESIID's premise"),
        (10, "INTERVAL_START 'July 1st' is not YYYY-MM-DD HH:MM"),
        (11, "UTC_OFFSET 'CDT' is not ±HH:MM"),
        (12, "expected 9 tab-separated fields, found 6"),
        (13, "UTC_OFFSET -06:00 does not match America/Chicago at 2025-03-09 02:15 (the zone is at -05:00 then)"),
    ]


def test_a_file_without_header_line_is_read_from_its_first_line():
    premise = PremiseFactory()

    result = ingest_text(tab_file(tab_row(premise.esiid, "2025-07-01 00:00", "-05:00"), header=False))

    assert (result.format, result.loaded) == ("tab_utc", 1)


def test_loading_the_extract_twice_changes_nothing():
    premise = PremiseFactory()
    text = tab_file(*(tab_row(premise.esiid, f"2025-07-01 {hour:02d}:00", "-05:00") for hour in range(24)))

    first, second = ingest_text(text), ingest_text(text)

    assert (first.loaded, second.loaded, second.unchanged) == (24, 0, 24)
