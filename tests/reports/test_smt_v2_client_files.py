"""The SMT v2 client (written only from the reference) reads every revision (version A), CSV and
Green Button XML answered at once, and /v2/greenbutton/ from a live MeterGate, and meets each refusal."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from reports.models import DataAccessLog
from tests.usage.greenbutton_support import parsed, xml_root
from tests.usage.smt_support import day_starts, kwh_of
from usage.services import IntervalReading, load_interval_reads

from .smt_v2_client import rd_values
from .smt_v2_support import company, recent_day, shared_home
from .test_smt_v2_client import client_of, refusal

pytestmark = pytest.mark.django_db(transaction=True)

ESPI = "{http://naesb.org/espi}"
TEXAS_HEADER = (
    "ESIID,USAGE_DATE,REVISION_DATE,USAGE_START_TIME,USAGE_END_TIME,USAGE_KWH,ESTIMATED_ACTUAL,"
    "CONSUMPTION_SURPLUSGENERATION"
)
REVISED = datetime(2025, 12, 2, 14, 30, tzinfo=UTC)  # the first load's revision is 12/01/2025 12:00 UTC


def revise(premise, day, indexes):
    """A later revision of some intervals of the day: each value 1 kWh more, actual."""
    starts = day_starts(day)
    load_interval_reads(
        readings=[
            IntervalReading(
                premise_id=premise.pk, interval_start=starts[index], kwh=kwh_of(index) + 1, revised_at=REVISED
            )
            for index in indexes
        ]
    )


def test_version_a_answers_every_revision_each_with_its_revts(live_server):
    who = company()
    place = shared_home(who)
    day = recent_day()
    revise(place.premise, day, [1, 2])
    client = client_of(live_server, who)

    latest = client.interval_reads([place.premise.esiid], day, day)["energyData"]
    every = client.interval_reads([place.premise.esiid], day, day, version="A")["energyData"]

    [entry] = latest
    assert rd_values(entry)[1:3] == [("1.101", "A"), ("1.102", "A")]
    assert [(entry["DT"], entry["RevTS"]) for entry in every] == [
        (f"{day:%m/%d/%Y}", "12/01/2025 06:00:00"),
        (f"{day:%m/%d/%Y}", "12/02/2025 08:30:00"),
    ]
    logged = DataAccessLog.objects.filter(premise=place.premise).order_by("at").values_list("rows", flat=True)
    assert list(logged) == [96, 96 + 2]  # version A answered the two replaced values too
    first, second = (rd_values(entry) for entry in every)
    assert first[1:3] == [("0.101", "A"), ("0.102", "A")] and first[3] == ("0.103", "A")
    assert second[1:3] == [("1.101", "A"), ("1.102", "A")] and second[0] is None and second[3] is None


def test_csv_is_answered_at_once_in_smts_interval_layout(live_server):
    who = company()
    place = shared_home(who)
    day = recent_day()
    client = client_of(live_server, who)

    text = client.interval_reads([place.premise.esiid], day, day, report_format="CSV")

    lines = text.splitlines()
    assert lines[0] == TEXAS_HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 96
    assert rows[0]["ESIID"] == f"'{place.premise.esiid}"
    assert (rows[0]["USAGE_DATE"], rows[0]["USAGE_START_TIME"], rows[0]["USAGE_KWH"]) == (
        f"{day:%m/%d/%Y}",
        "00:00",
        "0.100",
    )
    assert (rows[-1]["USAGE_START_TIME"], rows[-1]["USAGE_END_TIME"]) == ("23:45", "00:00")


def test_daily_reads_come_as_csv_too(live_server):
    who = company()
    place = shared_home(who)
    day = recent_day()
    client = client_of(live_server, who)

    text = client.daily_reads([place.premise.esiid], day, day, report_format="CSV")

    [row] = list(csv.DictReader(io.StringIO(text)))
    assert (row["START_READING"], row["END_READING"], row["USAGE_KWH"]) == ("24002.915", "24038.915", "36.492")


def test_xml_is_answered_at_once_as_a_green_button_feed(live_server):
    who = company()
    place = shared_home(who)
    day = recent_day()
    client = client_of(live_server, who)

    text = client.interval_reads([place.premise.esiid], day, day, report_format="XML")

    readings = xml_root(text.encode()).iter(f"{ESPI}IntervalReading")
    values = [int(reading.find(f"{ESPI}value").text) for reading in readings]
    assert len(values) == 96
    assert sum(values) == sum(int(kwh_of(index) * 1000) for index in range(96))


def test_greenbutton_answers_the_15_minute_reads_as_a_feed(live_server):
    who = company()
    place = shared_home(who)
    day = recent_day()
    client = client_of(live_server, who)

    text = client.green_button([place.premise.esiid], day, day)

    [usage_point] = parsed(text.encode())  # greenbutton-objects, an independent ESPI parser
    assert len(xml_root(text.encode()).findall(f".//{ESPI}IntervalReading")) == 96
    assert usage_point.meterReadings


def test_greenbutton_refuses_an_esiid_without_an_agreement(live_server):
    who = company()
    shared_home(who)
    stranger = shared_home(company(2))
    client = client_of(live_server, who)

    refused = refusal(lambda: client.green_button([stranger.premise.esiid], recent_day(), recent_day()))

    assert refused.status == 403


def test_greenbutton_refuses_a_format_other_than_xml(live_server):
    who = company()
    place = shared_home(who)
    client = client_of(live_server, who)
    day = recent_day()

    refused = refusal(lambda: client._reads("/v2/greenbutton/", [place.premise.esiid], day, day, report_format="CSV"))

    assert refused.status == 400


def test_every_revision_in_csv_is_refused_with_the_reason(live_server):
    who = company()
    place = shared_home(who)
    client = client_of(live_server, who)
    day = recent_day()

    refused = refusal(lambda: client.interval_reads([place.premise.esiid], day, day, report_format="CSV", version="A"))

    assert refused.status == 400
    assert "JSON" in refused.message


def test_daily_reads_in_green_button_xml_are_refused(live_server):
    who = company()
    place = shared_home(who)
    client = client_of(live_server, who)

    day = recent_day()

    refused = refusal(lambda: client.daily_reads([place.premise.esiid], day, day, report_format="XML"))

    assert refused.status == 400
    assert refused.message


def test_csv_of_a_day_without_reads_is_no_data(live_server):
    who = company()
    place = shared_home(who, with_reads=False)
    client = client_of(live_server, who)

    refused = refusal(
        lambda: client.interval_reads([place.premise.esiid], recent_day(), recent_day(), report_format="CSV")
    )

    assert (refused.status, refused.code) == (404, "1")


def test_daily_version_a_answers_the_one_revision_kept(live_server):
    who = company()
    place = shared_home(who)
    client = client_of(live_server, who)
    day = recent_day()

    latest = client.daily_reads([place.premise.esiid], day, day)
    every = client.daily_reads([place.premise.esiid], day, day, version="A")

    assert every["registeredReads"] == latest["registeredReads"]
    assert Decimal(every["registeredReads"][0]["energyDataKwh"]) == Decimal("36.492")
