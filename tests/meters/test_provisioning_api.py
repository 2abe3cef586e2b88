"""Provisioning API for premises (installations) and meters; who may call the meters endpoints."""

from datetime import date

import pytest

from meters.models import Meter, Premise
from tests.conftest import issue_token
from tests.factories import (
    LabelPartnerFactory,
    MeterFactory,
    OAuthClientFactory,
    PremiseFactory,
)

pytestmark = pytest.mark.django_db

PREMISE_URL = "/api/v1/provisioning/premises/{}"
PREMISES_URL = "/api/v1/provisioning/premises/"
METER_URL = "/api/v1/provisioning/meters/{}"
METERS_URL = "/api/v1/provisioning/meters/"
MOVE_INS_URL = "/api/v1/provisioning/move-ins"
MOVE_OUTS_URL = "/api/v1/provisioning/move-outs"

ESIID = "10443720000123456"


@pytest.fixture
def api(api_client, utility_token):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {utility_token}")
    return api_client


def premise_body(**overrides) -> dict:
    return {
        "esiid": ESIID,
        "service_address": "1200 Barton Springs Rd",
        "city": "Austin",
        "state": "tx",
        "postal_code": "78704",
        "label_partner": "texpower",
        "dwelling_type": "detached",
        "floor_area_m2": 140,
        "occupants": 3,
        "heating_type": "heat_pump",
        **overrides,
    }


# --- Who may call it ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", PREMISES_URL),
        ("put", PREMISE_URL.format("INST-1")),
        ("get", METERS_URL),
        ("put", METER_URL.format("M-1")),
        ("post", MOVE_INS_URL),
        ("post", MOVE_OUTS_URL),
    ],
)
def test_every_meters_provisioning_endpoint_needs_a_token(api_client, db, method, url):
    response = getattr(api_client, method)(url, {}, format="json")

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", PREMISES_URL),
        ("put", PREMISE_URL.format("INST-1")),
        ("get", METERS_URL),
        ("put", METER_URL.format("M-1")),
        ("post", MOVE_INS_URL),
        ("post", MOVE_OUTS_URL),
    ],
)
def test_every_meters_provisioning_endpoint_refuses_a_usage_token(api_client, method, url):
    token = issue_token(OAuthClientFactory(allowed_scopes="usage"), "usage")

    response = getattr(api_client, method)(url, {}, format="json", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 403


# --- Premises ----------------------------------------------------------------------------------


def test_a_premise_put_twice_gives_the_same_state_and_200(api):
    LabelPartnerFactory(code="texpower")

    first = api.put(PREMISE_URL.format("INST-1"), premise_body(), format="json")
    state_after_first = Premise.objects.values().get(external_id="INST-1")
    second = api.put(PREMISE_URL.format("INST-1"), premise_body(), format="json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert Premise.objects.values().get(external_id="INST-1") == state_after_first
    body = first.json()
    assert (body["esiid"], body["state"], body["label_partner"], body["heating_type"]) == (
        ESIID,
        "TX",
        "texpower",
        "heat_pump",
    )


def test_a_premise_put_updates_its_installation_profile(api):
    PremiseFactory(external_id="INST-2", esiid=ESIID, label_partner=None)

    response = api.put(
        PREMISE_URL.format("INST-2"), premise_body(label_partner=None, occupants=5, status="inactive"), format="json"
    )

    assert response.status_code == 200
    premise = Premise.objects.get(external_id="INST-2")
    assert (premise.occupants, premise.status, premise.dwelling_type) == (5, "inactive", "detached")


def test_a_premise_with_bad_input_gets_every_field_error(api):
    response = api.put(
        PREMISE_URL.format("INST-3"),
        premise_body(
            esiid="1044372",
            dwelling_type="castle",
            floor_area_m2=-4,
            time_zone="Mars/Olympus",
            label_partner="no-such-brand",
            postal_code="",
        ),
        format="json",
    )

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"esiid", "dwelling_type", "floor_area_m2", "time_zone", "label_partner", "postal_code"}
    assert fields["esiid"] == ["An ESIID is 17 to 22 digits."]
    assert not Premise.objects.exists()


def test_a_premise_without_its_required_fields_is_refused(api):
    response = api.put(PREMISE_URL.format("INST-3"), {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"esiid", "service_address", "postal_code"}


def test_an_esiid_of_another_installation_is_refused_with_a_clear_message(api):
    PremiseFactory(external_id="INST-OTHER", esiid=ESIID)

    response = api.put(PREMISE_URL.format("INST-4"), premise_body(label_partner=None), format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "esiid_taken"
    assert error["message"] == "This ESIID belongs to another installation."
    assert error["fields"] == {"esiid": ["Already in use."]}
    assert not Premise.objects.filter(external_id="INST-4").exists()


def test_a_premise_reads_back_by_external_id(api):
    PremiseFactory(external_id="INST-5", esiid=ESIID)

    response = api.get(PREMISE_URL.format("INST-5"))

    assert response.status_code == 200
    assert response.json()["esiid"] == ESIID


def test_premises_are_filtered_by_postal_code_and_label_partner(api, django_assert_max_num_queries):
    texpower = LabelPartnerFactory(code="texpower")
    wanted = PremiseFactory(postal_code="78704", label_partner=texpower)
    PremiseFactory(postal_code="78701", label_partner=texpower)
    PremiseFactory(postal_code="78704", label_partner=LabelPartnerFactory(code="other"))

    with django_assert_max_num_queries(5):
        response = api.get(PREMISES_URL, {"postal_code": "78704", "label_partner": "texpower"})

    assert response.status_code == 200
    assert [premise["external_id"] for premise in response.json()["results"]] == [wanted.external_id]


def test_premises_are_found_by_esiid_as_spreadsheets_write_it(api):
    wanted = PremiseFactory(esiid=ESIID)
    PremiseFactory()

    response = api.get(PREMISES_URL, {"esiid": f"'{ESIID}"})

    assert [premise["external_id"] for premise in response.json()["results"]] == [wanted.external_id]


def test_the_premise_list_pages_with_next_links_and_a_bounded_number_of_queries(api, django_assert_max_num_queries):
    PremiseFactory.create_batch(25)

    with django_assert_max_num_queries(5):
        first_page = api.get(PREMISES_URL, {"page_size": 10}).json()
    pages = [first_page]
    while pages[-1]["next"]:
        pages.append(api.get(pages[-1]["next"]).json())

    assert [len(page["results"]) for page in pages] == [10, 10, 5]
    assert len({premise["external_id"] for page in pages for premise in page["results"]}) == 25


def test_an_unknown_premise_status_filter_is_a_400(api):
    response = api.get(PREMISES_URL, {"status": "flooded"})

    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


# --- Meters ------------------------------------------------------------------------------------


def test_a_meter_put_twice_gives_the_same_state_and_200(api):
    PremiseFactory(esiid=ESIID)
    body = {"esiid": ESIID, "commodity": "gas", "installed_on": "2021-03-01"}

    first = api.put(METER_URL.format("GM-0001"), body, format="json")
    second = api.put(METER_URL.format("GM-0001"), body, format="json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    meter = Meter.objects.get(meter_number="GM-0001")
    assert (meter.premise.esiid, meter.commodity, meter.installed_on) == (ESIID, "gas", date(2021, 3, 1))


def test_a_meter_moves_to_another_premise_and_is_removed(api):
    MeterFactory(meter_number="M-7", installed_on=date(2020, 1, 1))
    PremiseFactory(esiid=ESIID)

    response = api.put(
        METER_URL.format("M-7"),
        {"esiid": ESIID, "installed_on": "2020-01-01", "removed_on": "2025-06-30"},
        format="json",
    )

    assert response.status_code == 200
    meter = Meter.objects.get(meter_number="M-7")
    assert (meter.premise.esiid, meter.removed_on) == (ESIID, date(2025, 6, 30))


def test_a_meter_on_an_unknown_premise_or_of_an_unknown_commodity_is_refused(api):
    response = api.put(METER_URL.format("M-8"), {"esiid": ESIID, "commodity": "water"}, format="json")

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"esiid", "commodity"}
    assert ESIID in fields["esiid"][0]
    assert not Meter.objects.exists()


def test_a_meter_removed_before_it_was_installed_is_refused(api):
    PremiseFactory(esiid=ESIID)

    response = api.put(
        METER_URL.format("M-9"),
        {"esiid": ESIID, "installed_on": "2024-05-01", "removed_on": "2024-04-01"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "removed_before_installed"
    assert "removed_on" in response.json()["error"]["fields"]


def test_meters_are_filtered_by_esiid_and_commodity(api):
    premise = PremiseFactory(esiid=ESIID)
    gas = MeterFactory(premise=premise, commodity="gas")
    MeterFactory(premise=premise, commodity="electric")
    MeterFactory(commodity="gas")

    response = api.get(METERS_URL, {"esiid": ESIID, "commodity": "gas"})

    assert [meter["meter_number"] for meter in response.json()["results"]] == [gas.meter_number]


def test_a_meter_reads_back_with_its_premises_esiid(api):
    MeterFactory(meter_number="M-10", premise=PremiseFactory(esiid=ESIID))

    response = api.get(METER_URL.format("M-10"))

    assert response.status_code == 200
    assert response.json()["esiid"] == ESIID


# --- Races ---------------------------------------------------------------------------------------


def test_a_unique_clash_from_a_concurrent_request_is_retried_once(api, monkeypatch):
    from django.db import IntegrityError

    from meters import services

    upsert_premise = services.upsert_premise
    calls = []

    def lose_the_first_race(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise IntegrityError("duplicate key value violates unique constraint")
        return upsert_premise(**kwargs)

    monkeypatch.setattr(services, "upsert_premise", lose_the_first_race)

    response = api.put(PREMISE_URL.format("INST-R"), premise_body(label_partner=None), format="json")

    assert response.status_code == 201
    assert len(calls) == 2


def test_a_unique_clash_that_persists_is_a_409_not_a_server_error(api, monkeypatch):
    from django.db import IntegrityError

    from meters import services

    def always_clash(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services, "upsert_premise", always_clash)

    response = api.put(PREMISE_URL.format("INST-R"), premise_body(label_partner=None), format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
