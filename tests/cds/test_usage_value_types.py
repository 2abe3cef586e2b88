"""`include_usage_segment_value_types` (WG3-01 §7.2.8.1): the choices advertised with the Value
Format each adds, unknown choices refused, and usage segments holding only the chosen values
(null: empty formats and values)."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from agreements.models import OAuthGrant
from tests.factories import SandboxAccountFactory
from tests.oauth.helpers import authorization_parameters, consent, exchange, logged_in, pkce_pair, query_of
from tests.usage.tariff_factories import TariffFactory
from usage.models import Series

from .factories import billed_customer
from .helpers import consent_token, every_scope_client_set
from .test_usage_lists import FALL_BACK, get, interval_segment_of, load_day

pytestmark = pytest.mark.django_db

FIELD = "include_usage_segment_value_types"
SPEC_TYPES = {"electric_usage", "electric_demand", "electric_supply_mix", "water_usage", "natural_gas_usage"} | {
    "fuel_oil_usage",
    "cost",
    "meter_readings",
}


@pytest.fixture
def client_set(db):
    return every_scope_client_set()


@pytest.fixture
def solar(db):
    """A day of consumption and surplus generation under a tariff: every value type has values."""
    billed = billed_customer()
    load_day(billed.premise, FALL_BACK, kwh="0.400")
    load_day(billed.premise, FALL_BACK, kwh="0.150", series=Series.GENERATION)
    TariffFactory(
        premise=billed.premise,
        offtake_off_peak=Decimal("0.12"),
        injection_off_peak=Decimal("0.05"),
        valid_from=date(2026, 1, 1),
    )
    return billed


def approve(client_set, customer, scope: str, details: list[dict]) -> dict:
    """The customer approves `details` on the consent form; the token response."""
    SandboxAccountFactory(customer=customer)  # the client set is a sandbox: test accounts only
    result = consent(logged_in(customer), client_set.consent, scope=scope, authorization_details=json.dumps(details))
    return exchange(client_set, result.query["code"], result.verifier)


def value_type_field(scope: str = "cds_usage") -> dict:
    oauth = Client().get(Client().get("/.well-known/cds-server-metadata.json").json()["oauth_metadata"]).json()
    fields = oauth["cds_scope_descriptions"][scope]["authorization_details_fields_supported"]
    return next(item for item in fields if item["id"] == FIELD)


def test_each_choice_carries_the_value_format_it_adds_and_every_type_is_the_specifications():
    field = value_type_field()
    metadata = Client().get("/.well-known/cds-server-metadata.json").json()

    assert field["format"] == "choice_list_or_null" and field["is_required"] is False
    assert field["default"] == [choice["id"] for choice in field["choices"]]
    for choice in field["choices"]:
        assert choice["usagesegment_format"]["id"] == choice["id"]
        assert choice["usagesegment_format"]["type"] in SPEC_TYPES
    # Only types beyond the specification's are described there, and MeterGate has none.
    assert metadata["cds_usagesegments_additional_value_types"] == {}


@pytest.mark.parametrize("chosen", [["eu_forward", "electric_demand"], "eu_forward", ["eu_net", "eu_net"], [7]])
def test_an_unknown_or_malformed_value_type_is_invalid_authorization_details(client_set, chosen):
    billed = billed_customer()
    details = json.dumps([{"type": "cds_usage", FIELD: chosen}])

    response = logged_in(billed.customer).get(
        "/oauth/authorize/",
        authorization_parameters(client_set.consent, pkce_pair()[1], authorization_details=details),
    )

    assert response.status_code == 302
    assert query_of(response["Location"])["error"] == "invalid_authorization_details"


def test_the_token_response_echoes_every_value_type_when_the_client_chose_none(client_set):
    billed = billed_customer()

    tokens = approve(client_set, billed.customer, "cds_usage", [{"type": "cds_usage"}])

    [entry] = tokens["authorization_details"]
    assert entry[FIELD] == [choice["id"] for choice in value_type_field()["choices"]]


def test_only_the_chosen_value_types_are_served(client_set, solar):
    token = consent_token(client_set, solar.customer, "cds_usage", **{FIELD: ["c_reverse", "eu_forward"]})

    segment = interval_segment_of(token, FALL_BACK)

    assert [item["id"] for item in segment["formats"]] == ["eu_forward", "c_reverse"]
    # The credit's usage (reverse) is not served, so its indexes are empty (WG3-01 §10.8.5.7).
    assert segment["formats"][1]["indexes"] == []
    assert segment["values"][0] == [{"eu": "0.400"}, {"c": "-0.0075"}]
    assert len(segment["values"]) == 100


def test_a_cost_follows_its_usage_to_its_new_place(client_set, solar):
    token = consent_token(client_set, solar.customer, "cds_usage", **{FIELD: ["eu_reverse", "eu_net", "c_reverse"]})

    segment = interval_segment_of(token, FALL_BACK)

    assert [item["id"] for item in segment["formats"]] == ["eu_reverse", "eu_net", "c_reverse"]
    assert segment["formats"][2]["indexes"] == [0]
    assert segment["values"][0] == [{"eu": "-0.150"}, {"eu": "0.250"}, {"c": "-0.0075"}]


def test_usage_without_cost_is_not_priced(client_set, solar):
    token = consent_token(client_set, solar.customer, "cds_usage", **{FIELD: ["eu_forward"]})

    segment = interval_segment_of(token, FALL_BACK)

    assert segment["formats"] == [
        {"id": "eu_forward", "type": "electric_usage", "units": "kWh", "direction": "forward"}
    ]
    assert segment["values"][0] == [{"eu": "0.400"}]


def test_null_value_types_serve_periods_with_empty_formats_and_values(client_set, solar):
    token = consent_token(client_set, solar.customer, "cds_usage", **{FIELD: None})

    segments = get("/api/v1/cds/usage-segments/", token).json()["usage_segments"]

    assert segments
    assert all(item["formats"] == [] and item["values"] == [] for item in segments)
    assert any(item["segment_start"].startswith("2026-11-01") for item in segments)


def test_two_grants_on_one_service_point_serve_the_union_of_their_value_types(client_set, solar):
    details = [
        {"type": "cds_usage", FIELD: ["eu_forward"]},
        {"type": "cds_meters", "include_usage_segments": True, FIELD: ["eu_net"]},
    ]
    token = approve(client_set, solar.customer, "cds_usage cds_meters", details)["access_token"]

    segment = interval_segment_of(token, FALL_BACK)

    assert [item["id"] for item in segment["formats"]] == ["eu_forward", "eu_net"]


def test_the_documentation_describes_every_value_type_choice():
    for choice in value_type_field()["choices"]:
        page, anchor = choice["documentation"].split("#")

        response = Client().get(page)

        assert response.status_code == 200
        assert f'id="{anchor}"' in response.content.decode()


def test_a_grant_from_before_the_field_reads_every_value_type(client_set, solar):
    token = consent_token(client_set, solar.customer, "cds_usage")
    grant = OAuthGrant.objects.get()
    assert all(FIELD in entry for entry in grant.authorization_details)  # new grants record the default
    grant.authorization_details = [
        {key: value for key, value in entry.items() if key != FIELD} for entry in grant.authorization_details
    ]
    grant.save(update_fields=["authorization_details"])

    segment = interval_segment_of(token, FALL_BACK)

    assert [item["id"] for item in segment["formats"]] == [
        "eu_forward",
        "eu_reverse",
        "eu_net",
        "c_forward",
        "c_reverse",
    ]
