"""The usage API's interval, daily and monthly reads: JSON and CSV bodies, days when the clocks
change, the data-access log, and customers reading their own premises."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from rest_framework.test import APIRequestFactory

from reports.models import DataAccessLog
from tests.conftest import issue_token
from tests.factories import PASSWORD, DailyReadFactory, MonthlyReadFactory, OAuthClientFactory, ThirdPartyFactory
from usage.api import IntervalReadsView

from .usage_api_support import (
    FALL_BACK,
    SPRING_FORWARD,
    agreement_for,
    body,
    days_ago,
    home,
    load_local_days,
    token_client,
)

pytestmark = pytest.mark.django_db


def _intervals(client, premise, start, end=None, **params):
    query = {"start": start.isoformat(), "end": (end or start).isoformat(), **params}
    return client.get(f"/api/v1/usage/{premise.esiid}/intervals/", query)


@pytest.fixture
def customer_client(api_client):
    """(client signed in as a customer, their premise)."""
    customer, premise = home()
    assert api_client.login(email=customer.email, password=PASSWORD)
    return api_client, premise


def test_a_third_party_reads_a_day_of_intervals_in_json(api_client):
    _, premise = home()
    third_party = ThirdPartyFactory()
    agreement_for(premise, third_party)
    day = days_ago(5)
    load_local_days(premise, day, 1, generation=True)

    response = _intervals(token_client(api_client, third_party), premise, day)

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = json.loads(body(response))
    assert data["esiid"] == premise.esiid and data["time_zone"] == "America/Chicago" and data["unit"] == "kWh"
    assert data["interval_minutes"] == 15 and len(data["intervals"]) == 192
    offset = data["intervals"][0]["start"][-6:]
    assert data["intervals"][0] == {
        "start": f"{day.isoformat()}T00:00:00{offset}",
        "series": "consumption",
        "kwh": "0.100",
        "estimated": False,
        "revised_at": "2026-11-20T06:00:00-06:00",
    }
    assert data["intervals"][1]["series"] == "generation" and data["intervals"][1]["kwh"] == "0.005"
    assert data["intervals"][18]["estimated"] is True  # the 10th consumption interval
    assert data["intervals"][-2]["start"] == f"{day.isoformat()}T23:45:00{offset}"
    consumption = sum(Decimal(100 + index) for index in range(96)).scaleb(-3)
    assert data["totals"] == {"kwh": {"consumption": f"{consumption:.3f}", "generation": "0.480"}}
    assert "cost" not in data["intervals"][0]  # no tariff on record


def test_csv_by_query_or_accept_header_is_the_same_stream(api_client):
    _, premise = home()
    third_party = ThirdPartyFactory()
    agreement_for(premise, third_party)
    day = days_ago(3)
    load_local_days(premise, day, 1)
    client = token_client(api_client, third_party)

    by_query = _intervals(client, premise, day, format="csv")
    by_header = client.get(
        f"/api/v1/usage/{premise.esiid}/intervals/",
        {"start": day.isoformat(), "end": day.isoformat()},
        HTTP_ACCEPT="text/csv",
    )

    assert by_query["Content-Type"].startswith("text/csv") and by_header["Content-Type"].startswith("text/csv")
    assert f'filename="{premise.esiid}_interval_{day:%Y%m%d}-{day:%Y%m%d}.csv"' in by_query["Content-Disposition"]
    lines = body(by_query).decode().splitlines()
    assert body(by_header).decode().splitlines() == lines
    assert lines[0] == "INTERVAL_START,SERIES,KWH,ESTIMATED,REVISED_AT"
    offset = lines[1].split(",")[0][-6:]
    assert lines[1] == f"{day.isoformat()}T00:00:00{offset},consumption,0.100,false,2026-11-20T06:00:00-06:00"
    assert lines[10].split(",")[3] == "true" and len(lines) == 97


def test_the_spring_forward_day_has_92_intervals_and_the_fall_back_day_100(customer_client):
    client, premise = customer_client
    load_local_days(premise, SPRING_FORWARD, 1)
    load_local_days(premise, FALL_BACK, 1)

    spring = json.loads(body(_intervals(client, premise, SPRING_FORWARD)))["intervals"]
    autumn = json.loads(body(_intervals(client, premise, FALL_BACK)))["intervals"]

    assert len(spring) == 92 and len(autumn) == 100
    spring_starts = [item["start"] for item in spring]
    assert spring_starts[7:9] == ["2026-03-08T01:45:00-06:00", "2026-03-08T03:00:00-05:00"]
    autumn_starts = [item["start"] for item in autumn]
    assert autumn_starts[4:12:4] == ["2026-11-01T01:00:00-05:00", "2026-11-01T01:00:00-06:00"]
    assert autumn_starts[-1] == "2026-11-01T23:45:00-06:00"


def test_the_fall_back_day_in_csv_keeps_both_one_oclocks_apart(customer_client):
    client, premise = customer_client
    load_local_days(premise, FALL_BACK, 1)

    lines = body(_intervals(client, premise, FALL_BACK, format="csv")).decode().splitlines()[1:]

    starts = [line.split(",")[0] for line in lines]
    assert len(starts) == 100 and len(set(starts)) == 100
    assert "2026-11-01T01:30:00-05:00" in starts and "2026-11-01T01:30:00-06:00" in starts


def test_a_period_given_as_date_times_with_offsets(customer_client):
    client, premise = customer_client
    day = days_ago(4)
    load_local_days(premise, day, 1)
    start = f"{day.isoformat()}T06:00:00+00:00"  # midnight CST, as UTC

    response = client.get(
        f"/api/v1/usage/{premise.esiid}/intervals/", {"start": start, "end": f"{day.isoformat()}T08:00:00Z"}
    )

    assert len(json.loads(body(response))["intervals"]) == 8


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [("yesterday", "2026-11-01", "start"), ("2026-11-01T00:00:00", "2026-11-02", "start")],
)
def test_bad_dates_are_a_400_naming_the_field(customer_client, start, end, field):
    client, premise = customer_client

    response = client.get(f"/api/v1/usage/{premise.esiid}/intervals/", {"start": start, "end": end})

    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_a_period_ending_before_it_starts_is_a_400(customer_client):
    client, premise = customer_client

    response = client.get(f"/api/v1/usage/{premise.esiid}/intervals/", {"start": "2026-11-10", "end": "2026-11-01"})

    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_period"


def test_every_third_party_read_is_written_to_the_data_access_log(api_client):
    customer, premise = home()
    third_party = ThirdPartyFactory()
    agreement = agreement_for(premise, third_party)
    day = days_ago(2)
    load_local_days(premise, day, 1, generation=True)

    response = _intervals(token_client(api_client, third_party), premise, day, format="csv")
    body(response)

    entry = DataAccessLog.objects.get()
    assert (entry.third_party, entry.premise, entry.customer, entry.agreement) == (
        third_party,
        premise,
        customer,
        agreement,
    )
    assert entry.kind == "interval" and entry.via == "api" and entry.rows == 192
    assert entry.reference == f"/api/v1/usage/{premise.esiid}/intervals/"


def test_a_refused_read_and_a_customers_own_read_are_not_logged(api_client, customer_client):
    client, premise = customer_client
    load_local_days(premise, days_ago(2), 1)
    body(_intervals(client, premise, days_ago(2)))
    other = ThirdPartyFactory()

    refused = _intervals(token_client(api_client, other), premise, days_ago(2))

    assert refused.status_code == 403 and not DataAccessLog.objects.exists()


def test_a_customer_reads_their_premise_only_for_the_time_they_lived_there(api_client):
    customer, premise = home(move_in=days_ago(3))
    assert api_client.login(email=customer.email, password=PASSWORD)
    load_local_days(premise, days_ago(5), 5)

    response = _intervals(api_client, premise, days_ago(5), days_ago(1))

    data = json.loads(body(response))
    assert len(data["intervals"]) == 3 * 96
    assert data["intervals"][0]["start"].startswith(days_ago(3).isoformat())


def test_a_customer_is_refused_another_premise(customer_client):
    client, _ = customer_client
    _, other_premise = home()

    response = _intervals(client, other_premise, days_ago(2))

    assert response.status_code == 403 and response.json()["error"]["code"] == "not_occupant"


def test_a_customer_is_refused_the_time_before_they_moved_in(api_client):
    customer, premise = home(move_in=days_ago(3))
    assert api_client.login(email=customer.email, password=PASSWORD)

    response = _intervals(api_client, premise, days_ago(10), days_ago(5))

    assert response.status_code == 403 and response.json()["error"]["code"] == "not_occupant"


def test_an_unknown_esiid_is_a_404(customer_client):
    client, _ = customer_client

    response = client.get("/api/v1/usage/10443720999999999/intervals/")

    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_daily_reads_in_json_and_csv(customer_client):
    client, premise = customer_client
    DailyReadFactory(premise=premise, read_date=days_ago(2), start_reading=Decimal("100.5"), end_reading=None)
    DailyReadFactory(premise=premise, read_date=days_ago(40))  # outside the period
    query = {"start": days_ago(7).isoformat(), "end": days_ago(1).isoformat()}

    data = json.loads(body(client.get(f"/api/v1/usage/{premise.esiid}/daily/", query)))
    lines = body(client.get(f"/api/v1/usage/{premise.esiid}/daily/", {**query, "format": "csv"})).decode()

    assert data["kind"] == "daily"
    assert data["reads"] == [
        {
            "read_date": days_ago(2).isoformat(),
            "start_reading": "100.500",
            "end_reading": None,
            "kwh": "24.000",
            "revised_at": "2025-07-02T07:00:00-05:00",
        }
    ]
    assert lines.splitlines() == [
        "READ_DATE,START_READING,END_READING,KWH,REVISED_AT",
        f"{days_ago(2).isoformat()},100.500,,24.000,2025-07-02T07:00:00-05:00",
    ]


def test_monthly_reads_of_a_third_party_with_the_monthly_kind(api_client):
    _, premise = home()
    third_party = ThirdPartyFactory()
    agreement_for(premise, third_party, data_kinds=["monthly"])
    MonthlyReadFactory(premise=premise, start_date=date(2026, 9, 15), end_date=date(2026, 10, 14))
    client = token_client(api_client, third_party)

    response = client.get(f"/api/v1/usage/{premise.esiid}/monthly/", {"start": "2026-09-01", "end": "2026-10-31"})

    reads = json.loads(body(response))["reads"]
    assert [(read["start_date"], read["actual_kwh"], read["billed_kw"]) for read in reads] == [
        ("2026-09-15", "720.000", None)
    ]
    assert DataAccessLog.objects.get().kind == "monthly"


def test_the_default_period_is_the_last_seven_days_with_today(customer_client):
    client, premise = customer_client
    load_local_days(premise, days_ago(10), 10)

    data = json.loads(body(client.get(f"/api/v1/usage/{premise.esiid}/intervals/")))

    assert len(data["intervals"]) == 6 * 96  # today and the 6 days before; today has no reads yet
    assert data["intervals"][0]["start"].startswith(days_ago(6).isoformat())


def test_intervals_of_a_year_come_back_whole(customer_client):
    client, premise = customer_client
    first = date(2025, 11, 1)
    load_local_days(premise, first, 365)

    response = _intervals(client, premise, first, first + timedelta(days=364), format="csv")

    assert len(body(response).splitlines()) == 1 + 365 * 96  # one spring-forward day, one fall-back day


def test_a_client_that_stops_reading_halfway_is_logged_for_what_it_got():
    _, premise = home()
    third_party = ThirdPartyFactory()
    agreement_for(premise, third_party)
    load_local_days(premise, days_ago(31), 30)  # 2,880 rows: more than one chunk of 2,000
    token = f"Bearer {issue_token(OAuthClientFactory(third_party=third_party, allowed_scopes='usage'), 'usage')}"
    query = {"start": days_ago(31).isoformat(), "end": days_ago(2).isoformat()}
    request = APIRequestFactory().get(f"/api/v1/usage/{premise.esiid}/intervals/", query, HTTP_AUTHORIZATION=token)
    response = IntervalReadsView.as_view()(request, esiid=premise.esiid)
    chunks = iter(response.streaming_content)

    next(chunks), next(chunks)  # the document's head, then the first 2,000 rows
    # The server closes the response; its request_finished would close the test's connection.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)

    # The log is written, so the connection is usable again after the stream was cut short.
    assert DataAccessLog.objects.get().rows == 2000
