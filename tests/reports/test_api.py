"""The reports API (scope `reports`, third parties' clients): requests with progress, the ESIID
file upload, schedules; every denial."""

import datetime as dt
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from reports.models import ReportRequest, ReportSchedule
from tests.conftest import issue_token
from tests.factories import OAuthClientFactory, PremiseFactory, ThirdPartyFactory

from .conftest import covered_premise, load_days

pytestmark = pytest.mark.django_db


def _days_ago(days: int) -> dt.date:
    return timezone.localdate() - timedelta(days=days)


def _client_for(api_client, third_party, scope="reports"):
    client = OAuthClientFactory(third_party=third_party, allowed_scopes=scope)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(client, scope)}")
    return api_client


def _body(premises, **fields):
    return {
        "kind": "interval",
        "start_date": _days_ago(6).isoformat(),
        "end_date": _days_ago(5).isoformat(),
        "esiids": [premise.esiid for premise in premises],
        **fields,
    }


def test_a_third_party_client_requests_a_report_and_reads_its_progress_and_outcome(
    api_client, third_party, django_capture_on_commit_callbacks
):
    premise, _ = covered_premise(third_party)
    load_days(premise, _days_ago(6), 2)
    stranger = PremiseFactory()
    client = _client_for(api_client, third_party)

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/reports/", _body([premise, stranger]), format="json")

    assert created.status_code == 201, created.content
    number = created.json()["number"]
    assert created.json()["progress"] == {"done": 0, "total": 1, "percent": 0}
    answer = client.get(f"/api/v1/reports/{number}/").json()
    assert answer["status"] == "delivered"
    assert answer["progress"] == {"done": 1, "total": 1, "percent": 100}
    items = {item["esiid"]: item for item in answer["items"]}
    assert items[premise.esiid]["rows"] == 192 and items[premise.esiid]["file_name"].endswith(f"{number}.csv")
    assert items[stranger.esiid]["status"] == "rejected"
    assert items[stranger.esiid]["reason"] == "No agreement of yours covers this ESIID."
    listed = client.get("/api/v1/reports/").json()
    assert [report["number"] for report in listed["results"]] == [number]


def test_an_esiid_file_upload_lists_bad_lines_back(api_client, third_party):
    premise, _ = covered_premise(third_party)
    client = _client_for(api_client, third_party)
    upload = SimpleUploadedFile("esiids.csv", f"ESIID\n{premise.esiid}\nbanana\n".encode(), content_type="text/csv")

    answer = client.post(
        "/api/v1/reports/upload/",
        {"file": upload, "kind": "daily", "start_date": _days_ago(6), "end_date": _days_ago(5)},
        format="multipart",
    )

    assert answer.status_code == 201, answer.content
    rejected = [item for item in answer.json()["items"] if item["status"] == "rejected"]
    assert [(item["line"], item["esiid"], item["reason_code"]) for item in rejected] == [(3, "banana", "invalid_esiid")]


def test_a_period_over_12_months_is_refused_with_the_error_shape(api_client, third_party):
    premise, _ = covered_premise(third_party)
    client = _client_for(api_client, third_party)

    answer = client.post("/api/v1/reports/", _body([premise], start_date="2020-01-01"), format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "too_far_back"
    assert "start_date" in answer.json()["error"]["fields"]


def test_nothing_readable_lists_each_esiid_with_its_reason(api_client, third_party):
    stranger = PremiseFactory()
    client = _client_for(api_client, third_party)

    answer = client.post("/api/v1/reports/", _body([stranger]), format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "nothing_readable"
    assert answer.json()["error"]["fields"]["esiids"] == [f"{stranger.esiid}: No agreement of yours covers this ESIID."]


def test_another_third_partys_report_is_not_found(api_client, third_party, django_capture_on_commit_callbacks):
    premise, _ = covered_premise(third_party)
    own = _client_for(api_client, third_party)
    number = own.post("/api/v1/reports/", _body([premise]), format="json").json()["number"]
    outsider = _client_for(api_client, ThirdPartyFactory())

    assert outsider.get(f"/api/v1/reports/{number}/").status_code == 404
    assert outsider.get("/api/v1/reports/").json()["results"] == []


def test_a_token_without_the_reports_scope_is_refused(api_client, third_party):
    client = _client_for(api_client, third_party, scope="agreements")

    answer = client.get("/api/v1/reports/")

    assert answer.status_code == 403
    assert answer.json()["error"]["code"]


def test_the_utilitys_own_client_is_not_a_third_party(api_client, db):
    client = OAuthClientFactory(third_party=None, allowed_scopes="reports")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(client, 'reports')}")

    assert api_client.get("/api/v1/reports/").status_code == 403


def test_no_token_is_refused(api_client, db):
    assert api_client.get("/api/v1/reports/").status_code == 401


def test_schedules_are_created_listed_read_and_cancelled(api_client, third_party):
    premise, agreement = covered_premise(third_party)
    client = _client_for(api_client, third_party)

    created = client.post(
        "/api/v1/report-schedules/", {"agreement": agreement.number, "kind": "interval"}, format="json"
    )

    assert created.status_code == 201, created.content
    schedule = created.json()
    assert (schedule["esiids"], schedule["frequency"], schedule["status"]) == ([premise.esiid], "daily", "active")
    assert schedule["ends_on"] == (timezone.localtime(agreement.ends_at).date() - timedelta(days=1)).isoformat()
    assert client.get(f"/api/v1/report-schedules/{schedule['id']}/").json()["id"] == schedule["id"]
    assert len(client.get("/api/v1/report-schedules/").json()["results"]) == 1
    cancelled = client.delete(f"/api/v1/report-schedules/{schedule['id']}/")
    assert cancelled.json()["status"] == "cancelled"
    assert client.delete(f"/api/v1/report-schedules/{schedule['id']}/").status_code == 409


def test_another_third_partys_agreement_and_schedule_are_not_found(api_client, third_party):
    _premise, agreement = covered_premise(third_party)
    own = _client_for(api_client, third_party)
    schedule_id = own.post(
        "/api/v1/report-schedules/", {"agreement": agreement.number, "kind": "daily"}, format="json"
    ).json()["id"]
    outsider = _client_for(api_client, ThirdPartyFactory())

    assert (
        outsider.post(
            "/api/v1/report-schedules/", {"agreement": agreement.number, "kind": "daily"}, format="json"
        ).status_code
        == 404
    )
    assert outsider.get(f"/api/v1/report-schedules/{schedule_id}/").status_code == 404
    assert outsider.delete(f"/api/v1/report-schedules/{schedule_id}/").status_code == 404
    assert ReportSchedule.objects.get().status == "active"


def test_the_schema_documents_the_reports_tag(api_client, db):
    schema = api_client.get("/api/schema/?format=json").json()

    tagged = {path for path, operations in schema["paths"].items() if any(
        "reports" in operation.get("tags", []) for operation in operations.values() if isinstance(operation, dict)
    )}  # fmt: skip
    assert {"/api/v1/reports/", "/api/v1/reports/upload/", "/api/v1/report-schedules/"} <= tagged
    assert ReportRequest.objects.count() == 0
