"""Estimated cost in the usage API where a tariff exists: per interval, and the totals split into
offtake and injection (an estimate, not a bill)."""

import json
from decimal import Decimal

import pytest

from tests.factories import PASSWORD

from .tariff_factories import TariffFactory
from .usage_api_support import body, days_ago, home, load_local_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer_client(api_client):
    customer, premise = home()
    assert api_client.login(email=customer.email, password=PASSWORD)
    return api_client, premise


def _day(client, premise, day, **params):
    query = {"start": day.isoformat(), "end": day.isoformat(), **params}
    return client.get(f"/api/v1/usage/{premise.esiid}/intervals/", query)


def test_each_interval_has_its_cost_and_the_totals_add_up_to_cents(customer_client):
    client, premise = customer_client
    TariffFactory(premise=premise, offtake_off_peak=Decimal("0.10000"), injection_off_peak=Decimal("0.04000"))
    day = days_ago(4)
    load_local_days(premise, day, 1, generation=True)

    data = json.loads(body(_day(client, premise, day)))

    consumption, generation = data["intervals"][0], data["intervals"][1]
    assert Decimal(consumption["cost"]) == Decimal("0.0100")  # 0.100 kWh x 0.10
    assert Decimal(generation["cost"]) == Decimal("0.0002")  # 0.005 kWh x 0.04
    cost = data["totals"]["cost"]
    assert cost["offtake_cost"] == "1.42"  # 14.160 kWh x 0.10 = 1.416
    assert cost["injection_cost"] == "0.02"  # 0.480 kWh x 0.04 = 0.0192
    assert cost["total"] == "1.40"  # 1.416 - 0.0192 = 1.3968, rounded once
    assert cost["priced"] is True and "not a bill" in cost["note"]


def test_intervals_before_the_tariff_have_no_cost(customer_client):
    client, premise = customer_client
    day = days_ago(4)
    TariffFactory(premise=premise, valid_from=days_ago(2))
    load_local_days(premise, day, 1)

    data = json.loads(body(_day(client, premise, day)))

    assert {item["cost"] for item in data["intervals"]} == {None}
    assert data["totals"]["cost"]["priced"] is False and data["totals"]["cost"]["unpriced_kwh"] == "14.160"


def test_the_csv_gets_a_cost_column(customer_client):
    client, premise = customer_client
    TariffFactory(premise=premise)
    day = days_ago(4)
    load_local_days(premise, day, 1)

    lines = body(_day(client, premise, day, format="csv")).decode().splitlines()

    assert lines[0] == "INTERVAL_START,SERIES,KWH,ESTIMATED,REVISED_AT,COST"
    assert Decimal(lines[1].split(",")[-1]) == Decimal("0.0100")
