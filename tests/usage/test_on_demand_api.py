"""On-demand reads through the usage API: POST starts one (202), the third in an hour is a 429 with
Retry-After, GET lists them with their results; the OpenAPI schema documents every usage endpoint."""

import json

import pytest
from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator

from reports.models import DataAccessLog
from tests.factories import PASSWORD, MeterFactory, ThirdPartyFactory
from usage import api_routes

from .usage_api_support import agreement_for, body, committed, home, token_client

pytestmark = pytest.mark.django_db


def _url(premise) -> str:
    return f"/api/v1/usage/{premise.esiid}/on-demand-reads/"


def test_a_customer_starts_a_read_and_reads_the_answer_back(api_client):
    customer, premise = home()
    assert api_client.login(email=customer.email, password=PASSWORD)

    with committed():
        started = api_client.post(_url(premise))

    assert started.status_code == 202, started.content
    assert started.json()["status"] == "pending" and started.json()["register_kwh"] is None
    reads = json.loads(body(api_client.get(_url(premise))))["reads"]
    assert [read["id"] for read in reads] == [started.json()["id"]]
    assert reads[0]["status"] == "completed" and reads[0]["detail"] == "Read from the meter."
    assert len(reads[0]["register_kwh"].split(".")[1]) == 3 and reads[0]["read_at"]


def test_the_third_request_in_an_hour_is_a_429_with_retry_after(api_client):
    _, premise = home()
    third_party = ThirdPartyFactory()
    agreement_for(premise, third_party)
    client = token_client(api_client, third_party)

    answers = [client.post(_url(premise)) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [202, 202, 429]
    refused = answers[2]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 3500 <= int(refused["Retry-After"]) <= 3600
    assert "Try again after" in refused.json()["error"]["message"]


def test_a_third_party_without_the_on_demand_kind_cannot_start_a_read(api_client):
    _, premise = home()
    third_party = ThirdPartyFactory()
    agreement_for(premise, third_party, data_kinds=["interval"])

    response = token_client(api_client, third_party).post(_url(premise))

    assert response.status_code == 403 and response.json()["error"]["code"] == "wrong_kind"


def test_a_customer_cannot_start_a_read_of_another_premise(api_client):
    customer, _ = home()
    _, other_premise = home()
    assert api_client.login(email=customer.email, password=PASSWORD)

    response = api_client.post(_url(other_premise))

    assert response.status_code == 403 and response.json()["error"]["code"] == "not_allowed"


def test_a_third_party_reads_failed_reads_too_and_the_read_is_logged(api_client):
    _, premise = home()
    MeterFactory(premise=premise, meter_number="M-NOREAD-7")
    third_party = ThirdPartyFactory()
    agreement_for(premise, third_party)
    client = token_client(api_client, third_party)
    with committed():
        client.post(_url(premise))

    lines = body(client.get(_url(premise), {"format": "csv"})).decode().splitlines()

    assert lines[0] == "ID,STATUS,REQUESTED_AT,ANSWERED_AT,READ_AT,REGISTER_KWH,USAGE_KWH,DETAIL"
    assert lines[1].split(",")[1] == "failed" and lines[1].endswith("The meter did not answer the read request.")
    log = DataAccessLog.objects.get()
    assert log.kind == "on_demand" and log.rows == 1


def test_the_schema_documents_the_usage_endpoints():
    # The usage read endpoints alone, so that this test speaks only of them.
    names = {"usage-intervals", "usage-daily", "usage-monthly", "usage-on-demand-reads"}
    patterns = [pattern for pattern in api_routes.urlpatterns if pattern.name in names]
    schema = SchemaGenerator(patterns=[path("api/v1/", include(patterns))]).get_schema(request=None, public=True)

    usage = {
        (path, method)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "usage" in operation.get("tags", [])
    }
    assert usage == {
        ("/api/v1/usage/{esiid}/intervals/", "get"),
        ("/api/v1/usage/{esiid}/daily/", "get"),
        ("/api/v1/usage/{esiid}/monthly/", "get"),
        ("/api/v1/usage/{esiid}/on-demand-reads/", "get"),
        ("/api/v1/usage/{esiid}/on-demand-reads/", "post"),
    }
    intervals = schema["paths"]["/api/v1/usage/{esiid}/intervals/"]["get"]
    assert set(intervals["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    assert {parameter["name"] for parameter in intervals["parameters"]} >= {"esiid", "start", "end", "format"}
    assert "429" in schema["paths"]["/api/v1/usage/{esiid}/on-demand-reads/"]["post"]["responses"]
