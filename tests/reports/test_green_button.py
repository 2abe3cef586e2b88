"""Green Button XML as a report format: the same readings as the CSV formats (DST days included),
read back by an independent parser, delivered through the usual path; kinds it cannot hold are
refused up front."""

import csv
import datetime as dt
import io
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.test import TestCase

from reports import services
from reports.formats import Export, write_export
from reports.services import ReportError
from tests.factories import MonthlyReadFactory, PremiseFactory
from tests.usage.greenbutton_support import parsed, readings_of

from .conftest import covered_premise, load_days, local

pytestmark = pytest.mark.django_db

SPRING = dt.date(2026, 3, 8)  # America/Chicago: 92 intervals
FALL = dt.date(2026, 11, 1)  # 100 intervals
SERIES = {"consumption": "forward", "generation": "reverse"}


def _export(premise, format: str, windows, kind="interval") -> bytes:
    chunks = []
    write_export(Export(premise.pk, premise.esiid, premise.time_zone, kind, format, windows), chunks.append)
    return b"".join(chunks)


def _day(day: dt.date):
    return (local(day), local(day + timedelta(days=1)))


def _iso_csv_readings(content: bytes) -> dict[str, list]:
    found = defaultdict(list)
    for row in csv.DictReader(io.StringIO(content.decode())):
        start = datetime.fromisoformat(row["INTERVAL_START"])
        seconds = int((datetime.fromisoformat(row["INTERVAL_END"]) - start).total_seconds())
        wh = int(Decimal(row["KWH"]).scaleb(3))
        found[SERIES[row["SERIES"]]].append((start, seconds, wh, row["QUALITY"] == "E"))
    return dict(found)


def test_xml_and_csv_of_the_same_period_hold_the_same_readings_dst_days_included():
    premise = PremiseFactory()
    for day in (SPRING, FALL):
        load_days(premise, day, 1, generation=True)
    windows = [_day(SPRING), _day(FALL)]

    from_csv = _iso_csv_readings(_export(premise, "iso_csv", windows))
    (usage_point,) = parsed(_export(premise, "espi_xml", windows))

    from_xml = readings_of(usage_point)
    assert len(from_xml["forward"]) == 92 + 100
    for flow in ("forward", "reverse"):
        assert [(start.timestamp(), *rest) for start, *rest in from_xml[flow]] == [
            (start.timestamp(), *rest) for start, *rest in from_csv[flow]
        ]


def test_a_days_readings_add_up_to_the_day_total_of_the_texas_csv():
    premise = PremiseFactory()
    load_days(premise, FALL, 1)

    texas = _export(premise, "texas_csv", [_day(FALL)]).decode().splitlines()[1:]
    (usage_point,) = parsed(_export(premise, "espi_xml", [_day(FALL)]))

    csv_total = sum(Decimal(line.split(",")[5]) for line in texas if line.split(",")[5])
    xml_total = sum(reading[2] for reading in readings_of(usage_point)["forward"])
    assert Decimal(xml_total).scaleb(-3) == csv_total


def test_a_monthly_green_button_file_holds_the_billing_cycles():
    premise = PremiseFactory()
    MonthlyReadFactory(premise=premise, start_date=dt.date(2026, 6, 15), end_date=dt.date(2026, 7, 14))

    content = _export(premise, "espi_xml", [(local(dt.date(2026, 6, 1)), local(dt.date(2026, 8, 1)))], "monthly")

    assert content.count(b"<UsageSummary ") == 1
    assert b"<value>720000</value>" in content


def test_a_green_button_report_is_delivered_as_an_xml_file(third_party, agent, reports_dir):
    premise, _ = covered_premise(third_party)
    day = dt.date.today() - timedelta(days=3)
    load_days(premise, day, 1)

    with TestCase.captureOnCommitCallbacks(execute=True):
        request = services.create_report_request(
            by=agent, kind="interval", format="espi_xml", start_date=day, end_date=day, esiids=[premise.esiid]
        )

    request.refresh_from_db()
    assert request.status == "delivered"
    (item,) = request.items.all()
    assert item.file_name.endswith(".xml")
    assert item.rows == 96
    content = (reports_dir / f"third-party-{third_party.pk}" / item.file_name).read_bytes()
    (usage_point,) = parsed(content)
    assert len(readings_of(usage_point)["forward"]) == 96


@pytest.mark.parametrize("kind", ["daily", "on_demand"])
def test_green_button_is_refused_for_kinds_it_cannot_hold(third_party, agent, kind):
    premise, _ = covered_premise(third_party)
    day = dt.date.today() - timedelta(days=3)

    with pytest.raises(ReportError) as refused:
        services.create_report_request(
            by=agent, kind=kind, format="espi_xml", start_date=day, end_date=day, esiids=[premise.esiid]
        )

    assert refused.value.code == "invalid_format"
    assert "format" in refused.value.fields


def test_a_schedule_of_daily_reads_in_green_button_is_refused_and_one_of_intervals_made(third_party, agent):
    _premise, agreement = covered_premise(third_party)

    with pytest.raises(ReportError) as refused:
        services.create_schedule(by=agent, agreement=agreement, kind="daily", format="espi_xml")
    schedule = services.create_schedule(by=agent, agreement=agreement, kind="interval", format="espi_xml")

    assert refused.value.code == "invalid_format"
    assert schedule.format == "espi_xml"
