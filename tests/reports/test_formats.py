"""The file formats: the Texas layouts parse back with MeterGate's own ingestion parsers to the
stored values, DST days have the shapes real files have, the ISO layout carries UTC offsets."""

import datetime as dt
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from reports.formats import Export, day_plan, file_name, write_export
from tests.factories import PremiseFactory
from usage.models import DailyRead, IntervalRead, MonthlyRead, OnDemandRead

from .conftest import CHICAGO, load_days, local, parse_back

pytestmark = pytest.mark.django_db

SPRING = dt.date(2026, 3, 8)  # America/Chicago springs forward at 02:00
FALL = dt.date(2026, 11, 1)  # and falls back at 02:00


def _export(premise, kind="interval", format="texas_csv", first=SPRING, days=1) -> bytes:
    chunks = []
    export = Export(
        premise.pk,
        premise.esiid,
        premise.time_zone,
        kind,
        format,
        [(local(first), local(first + timedelta(days=days)))],
    )
    rows = write_export(export, chunks.append)
    content = b"".join(chunks)
    return content, rows


def _stored(premise) -> list[tuple]:
    return [
        (int(read.interval_start.timestamp()), read.series, read.wh, read.estimated, int(read.revised_at.timestamp()))
        for read in IntervalRead.objects.filter(premise=premise).order_by("interval_start", "series")
    ]


def test_spring_forward_day_has_96_rows_with_the_skipped_hour_blank_and_parses_back_exactly():
    premise = PremiseFactory()
    assert load_days(premise, SPRING, 1) == 92

    content, rows = _export(premise)

    lines = content.decode().splitlines()
    assert rows == 92
    assert len(lines) == 1 + 96
    blank = [line for line in lines[1:] if ",,," in line]
    assert [line.split(",")[3:5] for line in blank] == [
        ["02:00", "02:15"],
        ["02:15", "02:30"],
        ["02:30", "02:45"],
        ["02:45", "03:00"],
    ]
    assert lines[1].startswith(f"'{premise.esiid},03/08/2026,")
    assert lines[1].split(",")[3:8] == ["00:00", "00:15", "0.100", "A", "Consumption"]
    assert lines[4].split(",")[5:7] == ["0.103", "E"]
    assert lines[-1].split(",")[3:5] == ["23:45", "00:00"]
    name, parsed, rejections = parse_back(content)
    assert (name, rejections) == ("texas_csv", [])
    assert sorted(row[1:6] for row in parsed) == _stored(premise)


def test_fall_back_day_has_100_rows_with_the_repeated_hour_as_real_files_write_it():
    premise = PremiseFactory()
    assert load_days(premise, FALL, 1) == 100

    content, rows = _export(premise, first=FALL)

    lines = content.decode().splitlines()
    assert rows == 100 and len(lines) == 101
    times = [line.split(",")[3:5] for line in lines[5:14]]
    assert times == [
        ["01:00", "01:15"], ["01:15", "01:30"], ["01:30", "01:45"], ["01:45", "02:00"],  # daylight time
        ["02:00", "01:15"], ["01:15", "01:30"], ["01:30", "01:45"], ["01:45", "02:00"],  # standard time
        ["02:00", "02:15"],
    ]  # fmt: skip
    _name, parsed, rejections = parse_back(content)
    assert rejections == []
    assert sorted(row[1:6] for row in parsed) == _stored(premise)
    # The second 01:00 is an hour after the first, in UTC.
    first, second = parsed[4][1], parsed[8][1]
    assert second - first == 3600


def test_iso_layout_gives_each_interval_its_utc_offset_on_the_fall_back_day():
    premise = PremiseFactory()
    load_days(premise, FALL, 1)

    content, rows = _export(premise, format="iso_csv", first=FALL)

    lines = content.decode().splitlines()
    assert lines[0] == "ESIID,INTERVAL_START,INTERVAL_END,KWH,QUALITY,SERIES,REVISED_AT"
    assert rows == 100 and len(lines) == 101
    assert lines[5].split(",")[1:4] == ["2026-11-01T01:00:00-05:00", "2026-11-01T01:15:00-05:00", "0.104"]
    assert lines[9].split(",")[1:4] == ["2026-11-01T01:00:00-06:00", "2026-11-01T01:15:00-06:00", "0.108"]
    assert lines[8].split(",")[2] == "2026-11-01T01:00:00-06:00"  # the last daylight interval ends at 01:00 CST
    starts = [datetime.fromisoformat(line.split(",")[1]) for line in lines[1:]]
    assert all(later - earlier == timedelta(minutes=15) for earlier, later in zip(starts, starts[1:], strict=False))


def test_iso_layout_on_the_spring_forward_day_has_92_intervals_and_no_blank_rows():
    premise = PremiseFactory()
    load_days(premise, SPRING, 1)

    content, rows = _export(premise, format="iso_csv")

    lines = content.decode().splitlines()
    assert rows == 92 and len(lines) == 93
    assert lines[8].split(",")[1] == "2026-03-08T01:45:00-06:00"
    assert lines[9].split(",")[1] == "2026-03-08T03:00:00-05:00"


def test_generation_is_written_as_its_own_block_of_each_day_and_parses_back():
    premise = PremiseFactory()
    load_days(premise, dt.date(2026, 7, 1), 2, generation=True)

    content, rows = _export(premise, first=dt.date(2026, 7, 1), days=2)

    lines = content.decode().splitlines()
    assert rows == 2 * 96 * 2 and len(lines) == 1 + 2 * 96 * 2
    assert lines[97].endswith(",0.007,A,Surplus Generation")
    _name, parsed, rejections = parse_back(content)
    assert rejections == [] and sorted(row[1:6] for row in parsed) == _stored(premise)


def test_a_missing_interval_is_a_blank_row_and_a_day_without_data_is_left_out():
    premise = PremiseFactory()
    load_days(premise, dt.date(2026, 7, 1), 1, wh_of=lambda index: 250)
    IntervalRead.objects.filter(premise=premise, interval_start=local(dt.date(2026, 7, 1), 12)).delete()

    content, rows = _export(premise, first=dt.date(2026, 7, 1), days=3)

    lines = content.decode().splitlines()
    assert rows == 95 and len(lines) == 97
    assert [line.split(",")[3:7] for line in lines if ",,," in line] == [["12:00", "12:15", "", ""]]


def test_json_holds_every_interval_with_offsets_and_exact_kwh():
    premise = PremiseFactory()
    load_days(premise, FALL, 1)

    content, rows = _export(premise, format="json", first=FALL)

    document = json.loads(content)
    assert (document["esiid"], document["kind"], document["unit"], rows) == (premise.esiid, "interval", "kWh", 100)
    assert document["intervals"][4]["start"] == "2026-11-01T01:00:00-05:00"
    assert document["intervals"][8]["start"] == "2026-11-01T01:00:00-06:00"
    assert document["intervals"][3] | {"revised_at": None} == {
        "start": "2026-11-01T00:45:00-05:00",
        "end": "2026-11-01T01:00:00-05:00",
        "kwh": "0.103",
        "quality": "estimated",
        "series": "consumption",
        "revised_at": None,
    }


def test_daily_and_monthly_layouts_parse_back_with_the_register_parsers():
    premise = PremiseFactory()
    revised = timezone.now().replace(microsecond=0) - timedelta(hours=2)
    DailyRead.objects.create(
        premise=premise,
        read_date=dt.date(2026, 11, 1),
        revised_at=revised,
        start_reading=Decimal("24002.915"),
        end_reading=Decimal("24038.915"),
        kwh=Decimal("36.492"),
    )
    MonthlyRead.objects.create(
        premise=premise,
        start_date=dt.date(2026, 10, 3),
        end_date=dt.date(2026, 11, 2),
        revised_at=revised,
        actual_kwh=Decimal("1187.000"),
        metered_kw=Decimal("5.210"),
    )

    daily, daily_rows = _export(premise, kind="daily", first=dt.date(2026, 10, 1), days=40)
    monthly, monthly_rows = _export(premise, kind="monthly", first=dt.date(2026, 10, 1), days=40)

    assert daily.decode().splitlines() == [
        "ESIID,READ_DATE,REVISION_DATE,START_READING,END_READING,USAGE_KWH",
        f"'{premise.esiid},11/01/2026,{revised.astimezone(CHICAGO):%m/%d/%Y %H:%M:%S},24002.915,24038.915,36.492",
    ]
    assert monthly.decode().splitlines()[1].startswith(f"'{premise.esiid},10/03/2026,11/02/2026,")
    assert monthly.decode().splitlines()[1].endswith(",1187.000,5.210,,,")
    assert (daily_rows, monthly_rows) == (1, 1)
    name, parsed, rejections = parse_back(daily)
    assert (name, rejections, parsed[0][1], parsed[0][5]) == ("daily_csv", [], dt.date(2026, 11, 1), Decimal("36.492"))
    name, parsed, rejections = parse_back(monthly)
    assert (name, rejections, parsed[0][4]) == ("monthly_csv", [], Decimal("1187.000"))
    assert parsed[0][3] == int(revised.timestamp())


def test_day_plans_have_96_92_and_100_intervals():
    ordinary, spring, fall = (day_plan("America/Chicago", day) for day in (dt.date(2026, 7, 1), SPRING, FALL))
    assert (len(ordinary), len(spring), len(fall)) == (96, 96, 100)
    assert sum(epoch is not None for epoch, _s, _e in spring) == 92
    assert fall[0][0] == int(datetime(2026, 11, 1, 5, 0, tzinfo=UTC).timestamp())


def test_file_names_say_what_is_inside_and_do_not_change_between_runs():
    name = file_name(
        reference="REP-000012",
        esiid="10443720000000001",
        kind="interval",
        format="texas_csv",
        first_day=dt.date(2026, 10, 1),
        last_day=dt.date(2026, 10, 31),
    )
    assert name == "IntervalMeterUsage_10443720000000001_20261001-20261031_REP-000012.csv"


def test_daily_reads_in_json():
    premise = PremiseFactory()
    revised = timezone.now().replace(microsecond=0) - timedelta(hours=2)
    for day, kwh in ((dt.date(2026, 11, 1), "36.492"), (dt.date(2026, 11, 2), "30.001")):
        DailyRead.objects.create(premise=premise, read_date=day, revised_at=revised, kwh=Decimal(kwh))

    content, rows = _export(premise, kind="daily", format="json", first=dt.date(2026, 10, 30), days=5)

    document = json.loads(content)
    assert rows == 2
    assert [(read["read_date"], read["kwh"], read["start_reading"]) for read in document["reads"]] == [
        ("2026-11-01", "36.492", None),
        ("2026-11-02", "30.001", None),
    ]


def _on_demand(premise, read_at, status="completed", register="1200.500", usage=None):
    return OnDemandRead.objects.create(
        premise=premise,
        requested_at=read_at,
        status=status,
        answered_at=read_at,
        read_at=read_at if status == "completed" else None,
        register_kwh=Decimal(register) if status == "completed" else None,
        usage_kwh=usage,
    )


@pytest.mark.parametrize(
    ("format", "lines"),
    [
        (
            "texas_csv",
            ["ESIID,READ_DATE,READ_TIME,REGISTER_KWH,USAGE_KWH", "'{esiid},11/01/2026,01:30:00,1200.500,",
             "'{esiid},11/02/2026,09:00:00,1212.750,12.250"],
        ),
        (
            "iso_csv",
            ["ESIID,READ_AT,REGISTER_KWH,USAGE_KWH", "{esiid},2026-11-01T01:30:00-06:00,1200.500,",
             "{esiid},2026-11-02T09:00:00-06:00,1212.750,12.250"],
        ),
    ],
)  # fmt: skip
def test_the_on_demand_report_lists_the_reads_the_meter_answered(format, lines):
    premise = PremiseFactory()
    _on_demand(premise, local(FALL, 1, 30).astimezone(UTC) + timedelta(hours=1))  # the second 01:30, CST
    _on_demand(premise, local(FALL + timedelta(days=1), 9), register="1212.750", usage=Decimal("12.250"))
    _on_demand(premise, local(FALL, 5), status="failed")
    _on_demand(premise, local(FALL + timedelta(days=9)))  # after the period

    content, rows = _export(premise, kind="on_demand", format=format, first=FALL, days=5)

    assert rows == 2
    assert content.decode().splitlines() == [line.format(esiid=premise.esiid) for line in lines]


def test_the_on_demand_report_in_json():
    premise = PremiseFactory()
    _on_demand(premise, local(FALL, 9), usage=Decimal("3.000"))

    content, rows = _export(premise, kind="on_demand", format="json", first=FALL, days=1)

    assert rows == 1
    assert json.loads(content)["reads"] == [
        {"read_at": "2026-11-01T09:00:00-06:00", "register_kwh": "1200.500", "usage_kwh": "3.000"}
    ]
