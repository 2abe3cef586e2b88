"""Tariffs API: the utility's systems (scope `tariffs`) supply tariffs and TOU maps; a customer
reads the tariffs of their own home. Every refusal is tried."""

from datetime import date

import pytest

from tests.conftest import issue_token
from tests.factories import (
    LabelPartnerFactory,
    OAuthClientFactory,
    PremiseFactory,
    ThirdPartyFactory,
    customer_at,
    third_party_user,
)
from tests.usage.tariff_factories import TariffFactory, label_partner_tariff, weekday_afternoon_peak
from usage.models import Tariff, TouMap

pytestmark = pytest.mark.django_db
TARIFFS = "/api/v1/tariffs/"
TOU_MAPS = "/api/v1/tou-maps/"


@pytest.fixture
def tariffs_token():
    return issue_token(OAuthClientFactory(allowed_scopes="tariffs"), "tariffs")


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def tariff_body(**fields) -> dict:
    return {
        "offtake_peak": "0.25",
        "offtake_off_peak": "0.11",
        "injection_peak": "0.05",
        "injection_off_peak": "0.03",
        "valid_from": "2025-07-01",
        **fields,
    }


def test_the_utility_creates_a_premise_tariff_with_a_tou_map(api_client, tariffs_token):
    premise = PremiseFactory()
    weekday_afternoon_peak(code="weekday-peak")

    response = api_client.post(
        TARIFFS,
        tariff_body(esiid=premise.esiid, tou_map="weekday-peak", external_id="SUP-1"),
        format="json",
        **bearer(tariffs_token),
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["esiid"], body["label_partner"], body["tou_map"]) == (premise.esiid, None, "weekday-peak")
    assert (body["offtake_peak"], body["source"], body["valid_to"]) == ("0.25000", "api", None)


def test_a_label_partners_new_tariff_ends_the_previous_one(api_client, tariffs_token):
    partner = LabelPartnerFactory(code="brand-x")
    old = label_partner_tariff(partner, valid_from=date(2025, 1, 1))

    response = api_client.post(TARIFFS, tariff_body(label_partner="brand-x"), format="json", **bearer(tariffs_token))

    assert response.status_code == 201
    old.refresh_from_db()
    assert old.valid_to == date(2025, 6, 30)


def test_a_negative_price_or_two_holders_is_a_400_with_fields(api_client, tariffs_token):
    premise = PremiseFactory()

    negative = api_client.post(
        TARIFFS, tariff_body(esiid=premise.esiid, offtake_peak="-1"), format="json", **bearer(tariffs_token)
    )
    both = api_client.post(
        TARIFFS,
        tariff_body(esiid=premise.esiid, label_partner=premise.label_partner.code),
        format="json",
        **bearer(tariffs_token),
    )
    unknown_esiid = api_client.post(
        TARIFFS, tariff_body(esiid="10443720999999999"), format="json", **bearer(tariffs_token)
    )

    assert negative.status_code == both.status_code == unknown_esiid.status_code == 400
    assert "offtake_peak" in negative.json()["error"]["fields"]
    assert both.json()["error"]["code"] == "holder"
    assert "esiid" in unknown_esiid.json()["error"]["fields"]
    assert not Tariff.objects.exists()


def test_an_overlap_with_a_later_tariff_is_a_409(api_client, tariffs_token):
    premise = PremiseFactory()
    TariffFactory(premise=premise, valid_from=date(2025, 8, 1))

    response = api_client.post(TARIFFS, tariff_body(esiid=premise.esiid), format="json", **bearer(tariffs_token))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "overlap"


def test_list_filters_by_esiid_and_day_in_force(api_client, tariffs_token, django_assert_max_num_queries):
    premise = PremiseFactory()
    ended = TariffFactory(premise=premise, valid_from=date(2025, 1, 1), valid_to=date(2025, 6, 30))
    current = TariffFactory(premise=premise, valid_from=date(2025, 7, 1))
    TariffFactory.create_batch(3)

    with django_assert_max_num_queries(4):
        in_force = api_client.get(TARIFFS, {"esiid": premise.esiid, "valid_on": "2025-07-15"}, **bearer(tariffs_token))
    every = api_client.get(TARIFFS, {"esiid": premise.esiid}, **bearer(tariffs_token))

    assert [item["id"] for item in in_force.json()["results"]] == [current.pk]
    assert {item["id"] for item in every.json()["results"]} == {ended.pk, current.pk}


def test_read_change_and_end_a_tariff(api_client, tariffs_token):
    tariff = TariffFactory(valid_from=date(2025, 1, 1))
    url = f"{TARIFFS}{tariff.pk}/"

    read = api_client.get(url, **bearer(tariffs_token))
    changed = api_client.patch(url, {"offtake_peak": "0.33"}, format="json", **bearer(tariffs_token))
    ended = api_client.post(f"{url}end/", {"valid_to": "2025-12-31"}, format="json", **bearer(tariffs_token))
    again = api_client.post(f"{url}end/", {"valid_to": "2025-12-31"}, format="json", **bearer(tariffs_token))

    assert read.json()["id"] == tariff.pk
    assert changed.json()["offtake_peak"] == "0.33000"
    assert ended.status_code == again.status_code == 200
    assert again.json()["valid_to"] == "2025-12-31"


def test_ending_before_the_first_day_is_a_400_and_an_unknown_tariff_a_404(api_client, tariffs_token):
    tariff = TariffFactory(valid_from=date(2025, 1, 1))

    early = api_client.post(
        f"{TARIFFS}{tariff.pk}/end/", {"valid_to": "2024-12-31"}, format="json", **bearer(tariffs_token)
    )
    missing = api_client.get(f"{TARIFFS}{tariff.pk + 1000}/", **bearer(tariffs_token))

    assert early.status_code == 400
    assert early.json()["error"]["code"] == "valid_to_before_valid_from"
    assert missing.status_code == 404


def test_tou_maps_are_created_and_listed_with_their_rules(api_client, tariffs_token):
    body = {
        "code": "summer-peak",
        "name": "Summer peak",
        "rules": [{"period": "peak", "weekdays": "12345", "months": "6-9", "start_time": "14:00", "end_time": "20:00"}],
    }

    created = api_client.post(TOU_MAPS, body, format="json", **bearer(tariffs_token))
    listed = api_client.get(TOU_MAPS, **bearer(tariffs_token))
    bad = api_client.post(
        TOU_MAPS,
        {**body, "code": "bad", "rules": [{**body["rules"][0], "weekdays": "9"}]},
        format="json",
        **bearer(tariffs_token),
    )

    assert created.status_code == 201
    assert created.json()["rules"][0] == {
        "position": 1,
        "period": "peak",
        "weekdays": "12345",
        "months": "6-9",
        "start_time": "14:00",
        "end_time": "20:00",
    }
    assert [item["code"] for item in listed.json()["results"]] == ["summer-peak"]
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["rules"][0].startswith("Rule 1:")


def test_a_tou_maps_rules_are_replaced_by_patch(api_client, tariffs_token):
    tou_map = weekday_afternoon_peak(code="m1")

    response = api_client.patch(
        f"{TOU_MAPS}m1/",
        {"rules": [{"period": "peak", "start_time": "16:00", "end_time": "21:00"}]},
        format="json",
        **bearer(tariffs_token),
    )

    assert response.status_code == 200
    assert [(rule["start_time"], rule["end_time"]) for rule in response.json()["rules"]] == [("16:00", "21:00")]
    assert tou_map.rules.count() == 1


# --- Refusals -----------------------------------------------------------------------------------


def test_no_token_is_401(api_client):
    assert api_client.get(TARIFFS).status_code == 401
    assert api_client.post(TOU_MAPS, {}, format="json").status_code == 401


def test_a_token_of_another_scope_is_403(api_client):
    token = issue_token(OAuthClientFactory(allowed_scopes="provisioning tariffs"), "provisioning")

    response = api_client.post(TARIFFS, tariff_body(esiid=PremiseFactory().esiid), format="json", **bearer(token))

    assert response.status_code == 403
    assert not Tariff.objects.exists()


def test_a_third_partys_client_is_refused_even_with_the_tariffs_scope(api_client):
    token = issue_token(OAuthClientFactory(allowed_scopes="tariffs", third_party=ThirdPartyFactory()), "tariffs")
    tariff = TariffFactory()

    listed = api_client.get(TARIFFS, **bearer(token))
    changed = api_client.patch(f"{TARIFFS}{tariff.pk}/", {"offtake_peak": "9"}, format="json", **bearer(token))
    mapped = api_client.post(TOU_MAPS, {"code": "x", "name": "x", "rules": []}, format="json", **bearer(token))

    assert listed.status_code == changed.status_code == mapped.status_code == 403
    assert not TouMap.objects.exists()
    tariff.refresh_from_db()
    assert tariff.offtake_peak != 9


def test_a_signed_in_customer_or_staff_session_cannot_supply_tariffs(api_client):
    api_client.force_login(customer_at())

    assert api_client.get(TARIFFS).status_code == 401  # sessions are not accepted here at all


# --- A customer's own home ----------------------------------------------------------------------


def test_a_customer_reads_the_tariffs_of_their_home_own_and_label_partners(api_client):
    premise = PremiseFactory()
    label_partner_tariff(premise.label_partner, valid_from=date(2025, 1, 1))
    TariffFactory(premise=premise, valid_from=date(2025, 7, 1))
    TariffFactory(premise=PremiseFactory(label_partner=premise.label_partner))  # a neighbour's
    api_client.force_login(customer_at(premise))

    response = api_client.get(f"/api/v1/usage/{premise.esiid}/tariffs/")

    assert response.status_code == 200
    assert [item["holder"] for item in response.json()] == ["premise", "label_partner"]


def test_a_customer_cannot_read_the_tariffs_of_another_home(api_client):
    other = PremiseFactory()
    TariffFactory(premise=other)
    api_client.force_login(customer_at())

    response = api_client.get(f"/api/v1/usage/{other.esiid}/tariffs/")

    assert response.status_code == 404


def test_a_third_party_user_cannot_read_a_homes_tariffs(api_client):
    premise = PremiseFactory()
    api_client.force_login(third_party_user())

    assert api_client.get(f"/api/v1/usage/{premise.esiid}/tariffs/").status_code == 403
