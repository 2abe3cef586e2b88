"""The admin shows every reports model; the data-access log is read-only and searchable. Lists
keep a bound on their queries however many rows they show."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reports.models import DataAccessLog, ReportRequest
from reports.services import log_access
from tests.conftest import issue_token
from tests.factories import PASSWORD, OAuthClientFactory, StaffFactory

from .conftest import covered_premise

pytestmark = pytest.mark.django_db

MODELS = ("reportrequest", "reportitem", "reportschedule", "reportschedulerun", "deliverydestination", "dataaccesslog")


def _requests(third_party, count: int) -> None:
    today = timezone.localdate()
    ReportRequest.objects.bulk_create(
        [
            ReportRequest(third_party=third_party, kind="interval", start_date=today, end_date=today, esiids_total=2)
            for _ in range(count)
        ]
    )


def _log(third_party, count: int):
    premise, agreement = covered_premise(third_party)
    now = timezone.now()
    for number in range(count):
        log_access(
            third_party=third_party,
            premise=premise,
            kind="daily",
            start=now - timedelta(days=2),
            end=now,
            rows=number,
            via=DataAccessLog.Via.API,
            agreement=agreement,
            at=now - timedelta(hours=number),
        )
    return premise, agreement


def test_staff_see_every_reports_model_in_the_admin(client, third_party):
    premise, _agreement = _log(third_party, 2)
    _requests(third_party, 2)
    client.login(email=StaffFactory().email, password=PASSWORD)

    for model in MODELS:
        assert client.get(f"/admin/reports/{model}/").status_code == 200, model
    found = client.get(f"/admin/reports/dataaccesslog/?q={premise.esiid}")
    assert found.context["cl"].result_count == 2


def test_the_access_log_cannot_be_added_changed_or_deleted_in_the_admin(client, third_party):
    _log(third_party, 1)
    entry = DataAccessLog.objects.get()
    client.login(email=StaffFactory().email, password=PASSWORD)

    assert client.get("/admin/reports/dataaccesslog/add/").status_code == 403
    assert client.post(f"/admin/reports/dataaccesslog/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"/admin/reports/dataaccesslog/{entry.pk}/change/", {"rows": 999})
    entry.refresh_from_db()
    assert entry.rows == 0


def test_the_report_list_page_keeps_its_queries_bounded(client, third_party, agent, django_assert_max_num_queries):
    _requests(third_party, 40)
    client.login(email=agent.email, password=PASSWORD)

    with django_assert_max_num_queries(12):
        assert client.get("/reports/").status_code == 200


def test_the_customers_log_page_keeps_its_queries_bounded(client, third_party, django_assert_max_num_queries):
    _premise, agreement = _log(third_party, 40)
    client.login(email=agreement.customer.email, password=PASSWORD)

    with django_assert_max_num_queries(10):
        page = client.get("/reports/who-read-my-data/")

    assert page.status_code == 200 and page.content.decode().count(third_party.name) == 40


def test_the_api_report_list_keeps_its_queries_bounded(api_client, third_party, django_assert_max_num_queries):
    _requests(third_party, 40)
    client = OAuthClientFactory(third_party=third_party, allowed_scopes="reports")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(client, 'reports')}")

    with django_assert_max_num_queries(8):
        answer = api_client.get("/api/v1/reports/")

    assert answer.json()["count"] == 40
