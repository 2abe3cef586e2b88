"""Direct access (`cds_query_*` through client credentials on the direct-access client): usage only
ever summed over aggregations that meet the privacy threshold (N customers, no one above M % of an
interval), refused without aggregation_numbers; consent scopes never through client credentials."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from portal.cds import scopes
from tests.factories import OccupancyFactory, PremiseFactory
from usage.services import IntervalReading, load_interval_reads

from .factories import AggregationFactory, billed_customer
from .helpers import bearer, consent_token, every_scope_client_set

pytestmark = pytest.mark.django_db

USAGE = "/api/v1/cds/usage-segments/"
MONTH_START = datetime(2026, 9, 1, 5, tzinfo=UTC)  # 1 September, Austin time
PERIOD = {"after": "2026-09-01T00:00:00-05:00", "before": "2026-10-01T00:00:00-05:00"}


@pytest.fixture
def client_set(db):
    return every_scope_client_set()


def direct_token(client_set, scope: str, **entry) -> dict:
    details = [{"type": item, **entry} for item in scope.split() if item == "cds_query_usage"]
    return client_set.token(
        client_set.client(scopes.DIRECT), scope, **({"authorization_details": json.dumps(details)} if details else {})
    )


def neighbourhood(customers: int, postal_code: str = "78702", heavy: bool = False):
    """`customers` households in one postal code with September's reads (one of them huge if `heavy`)."""
    premises = []
    for index in range(customers):
        premise = PremiseFactory(postal_code=postal_code)
        OccupancyFactory(premise=premise)
        kwh = Decimal("9.000") if heavy and index == 0 else Decimal("0.100")
        load_interval_reads(
            readings=[
                IntervalReading(premise_id=premise.pk, interval_start=MONTH_START + timedelta(hours=hour), kwh=kwh)
                for hour in range(0, 24 * 30, 6)
            ]
        )
        premises.append(premise)
    return AggregationFactory(number=f"ZIP-{postal_code}", postal_code=postal_code), premises


def test_a_usage_token_without_aggregation_numbers_is_refused(client_set):
    response = direct_token(client_set, "cds_query_usage")

    assert response["status"] == 400
    assert response["error"] == "invalid_authorization_details"


def test_monthly_usage_of_a_postal_code_above_the_threshold_is_served_summed(client_set, settings):
    settings.CDS_AGGREGATION_MIN_CUSTOMERS = 3
    settings.CDS_AGGREGATION_MAX_SHARE = 50
    aggregation, premises = neighbourhood(3)
    token = direct_token(client_set, "cds_query_usage", aggregation_numbers=[aggregation.number])

    response = Client().get(
        USAGE, {"aggregation_numbers": aggregation.number, **PERIOD}, **bearer(token["access_token"])
    )

    assert response.status_code == 200, response.content
    [segment] = response.json()["usage_segments"]
    assert segment["values"] == [[{"eu": "36.000"}]]  # 3 households x 120 reads x 0.1 kWh
    assert segment["segment_start"].startswith("2026-09-01T00:00:00-05:00")
    assert segment["related_servicepoints"] == [] and segment["related_aggregations"] == [str(aggregation.pk)]


def test_a_group_with_too_few_customers_needs_sub_grants(client_set, settings):
    settings.CDS_AGGREGATION_MIN_CUSTOMERS = 15
    aggregation, _ = neighbourhood(3)
    token = direct_token(client_set, "cds_query_usage", aggregation_numbers=[aggregation.number])

    response = Client().get(
        USAGE, {"aggregation_numbers": aggregation.number, **PERIOD}, **bearer(token["access_token"])
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "needs_sub_grants"


def test_a_group_where_one_customer_dominates_an_interval_is_refused(client_set, settings):
    settings.CDS_AGGREGATION_MIN_CUSTOMERS = 3
    settings.CDS_AGGREGATION_MAX_SHARE = 50
    aggregation, _ = neighbourhood(3, heavy=True)
    token = direct_token(client_set, "cds_query_usage", aggregation_numbers=[aggregation.number])

    response = Client().get(
        USAGE, {"aggregation_numbers": aggregation.number, **PERIOD}, **bearer(token["access_token"])
    )

    assert response.status_code == 403 and "at most 50" in response.json()["error"]["message"]


def test_a_usage_request_without_aggregation_numbers_is_refused(client_set):
    aggregation, _ = neighbourhood(1)
    token = direct_token(client_set, "cds_query_usage", aggregation_numbers=[aggregation.number])

    response = Client().get(USAGE, PERIOD, **bearer(token["access_token"]))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "aggregation_numbers_required"


def test_a_direct_token_never_reads_customer_objects(client_set):
    billed_customer()
    token = direct_token(client_set, "cds_query_accounts cds_query_meter_devices")

    for path in ("accounts", "meter-devices"):
        assert Client().get(f"/api/v1/cds/{path}/", **bearer(token["access_token"])).status_code == 403


def test_a_consent_scope_is_refused_on_the_direct_access_client(client_set):
    response = client_set.token(client_set.client(scopes.DIRECT), "cds_usage")

    assert response["status"] == 400
    assert response["error"] == "invalid_scope"


def test_a_consent_token_reads_no_aggregated_usage_of_others(client_set, settings):
    settings.CDS_AGGREGATION_MIN_CUSTOMERS = 1
    aggregation, _ = neighbourhood(2)
    billed = billed_customer()
    token = consent_token(client_set, billed.customer, "cds_usage")

    response = Client().get(USAGE, {"aggregation_numbers": aggregation.number, **PERIOD}, **bearer(token))

    assert response.status_code == 200
    assert response.json()["usage_segments"] == []
