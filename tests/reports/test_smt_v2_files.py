"""SMT v2 reads answered at once as files (reportFormat CSV or XML, deliveryMode API): several ESIIDs
in one document, each read logged, and readingType on CSV."""

import pytest

from reports.models import DataAccessLog
from tests.usage.greenbutton_support import xml_root

from .smt_v2_support import recent_day, shared_home
from .test_smt_v2_api import caller, reads_body  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

ESPI = "{http://naesb.org/espi}"


def test_csv_of_two_esiids_has_one_header_and_both_are_logged(caller):  # noqa: F811
    who, post = caller
    first, second = shared_home(who), shared_home(who)
    day = recent_day()
    body = {**reads_body(who, first.premise.esiid, day, day), "esiid": [first.premise.esiid, second.premise.esiid]}

    answer = post("/v2/15minintervalreads/", {**body, "reportFormat": "CSV"})

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    lines = answer.content.decode().splitlines()
    assert [line for line in lines if line.startswith("ESIID,")] == [lines[0]]
    assert len(lines) == 1 + 2 * 96
    assert {line.split(",")[0] for line in lines[1:]} == {f"'{first.premise.esiid}", f"'{second.premise.esiid}"}
    logged = DataAccessLog.objects.filter(third_party=who.third_party, via="api")
    assert sorted(logged.values_list("premise_id", "rows")) == sorted([(first.premise.pk, 96), (second.premise.pk, 96)])


def test_xml_of_two_esiids_is_one_feed_with_a_usage_point_each(caller):  # noqa: F811
    who, post = caller
    first, second = shared_home(who), shared_home(who)
    day = recent_day()
    body = {**reads_body(who, first.premise.esiid, day, day), "esiid": [first.premise.esiid, second.premise.esiid]}

    answer = post("/v2/15minintervalreads/", {**body, "reportFormat": "XML"})

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/atom+xml")
    root = xml_root(answer.content)
    assert len(root.findall(f".//{ESPI}UsagePoint")) == 2
    assert len(root.findall(f".//{ESPI}IntervalReading")) == 2 * 96


def test_csv_follows_reading_type(caller):  # noqa: F811
    who, post = caller
    place = shared_home(who)
    day = recent_day()

    body = {**reads_body(who, place.premise.esiid, day, day), "reportFormat": "CSV", "readingType": "G"}

    answer = post("/v2/15minintervalreads/", body)

    assert answer.status_code == 404
    assert answer.json()["errorMessage"] == "No data received from the respective TDSP"


def test_monthly_billing_comes_as_green_button_usage_summaries(caller):  # noqa: F811
    who, post = caller
    place = shared_home(who)
    day = recent_day()

    body = {**reads_body(who, place.premise.esiid, day, day), "reportFormat": "XML"}

    answer = post("/v2/monthlybillingInformation/", body)

    assert answer.status_code == 200
    assert len(xml_root(answer.content).findall(f".//{ESPI}UsageSummary")) == 1


def test_a_refused_file_request_reads_nothing(caller):  # noqa: F811
    who, post = caller
    place = shared_home(who)
    day = recent_day()

    answer = post(
        "/v2/15minintervalreads/",
        {**reads_body(who, place.premise.esiid, day, day), "reportFormat": "XML", "version": "A"},
    )

    assert answer.status_code == 400
    assert not DataAccessLog.objects.exists()
