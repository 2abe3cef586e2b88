"""Report pages: a third party's requests (typed and uploaded ESIIDs), progress and outcome,
schedules, delivery settings (admins only, with a real connection test); the customer's "who
read my data" for the last 3 months. Every denial."""

import datetime as dt
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agreements.services import add_months
from reports import secrets
from reports.models import DataAccessLog, DeliveryDestination, ReportRequest
from reports.services import log_access
from tests.factories import PASSWORD, ThirdPartyFactory, customer_at, third_party_user

from .conftest import FTP_PASSWORD, FTP_USER, covered_premise, load_days

pytestmark = pytest.mark.django_db


def _days_ago(days: int) -> dt.date:
    return timezone.localdate() - timedelta(days=days)


def _login(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


def _form(premises=(), **fields):
    return {
        "kind": "interval",
        "format": "texas_csv",
        "start_date": _days_ago(4).isoformat(),
        "end_date": _days_ago(3).isoformat(),
        "esiids": " ".join(premise.esiid for premise in premises),
        **fields,
    }


def test_an_agent_requests_a_report_with_typed_esiids_and_sees_its_outcome(
    client, third_party, agent, django_capture_on_commit_callbacks
):
    premise, _ = covered_premise(third_party)
    load_days(premise, _days_ago(4), 2)
    _login(client, agent)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/new/", _form([premise]) | {"esiids": f"{premise.esiid} 42"})

    report = ReportRequest.objects.get()
    assert response["Location"] == f"/reports/{report.number}/"
    page = client.get(response["Location"]).content.decode()
    assert f"Report {report.number}" in page
    assert "1 ESIID could not be included" in page
    assert "An ESIID is 17 to 22 digits." in page
    assert report.items.get(esiid=premise.esiid).file_name in page
    listing = client.get("/reports/").content.decode()
    assert report.number in listing and "1 / 1" in listing


def test_an_uploaded_esiid_file_makes_one_item_per_line(client, third_party, agent):
    premises = [covered_premise(third_party)[0] for _ in range(2)]
    _login(client, agent)
    upload = SimpleUploadedFile("esiids.txt", "\n".join(premise.esiid for premise in premises).encode())

    client.post("/reports/new/", _form(esiids="") | {"esiid_file": upload})

    report = ReportRequest.objects.get()
    assert (report.source, report.esiids_total) == ("file", 2)
    assert sorted(report.items.values_list("line", flat=True)) == [1, 2]


def test_a_refused_request_shows_each_esiid_with_its_reason(client, third_party, agent):
    _login(client, agent)

    response = client.post("/reports/new/", _form(esiids="10443729999999999"))

    assert response.status_code == 200
    assert "10443729999999999: No agreement of yours covers this ESIID." in response.content.decode()
    assert ReportRequest.objects.count() == 0


def test_another_third_partys_report_page_is_not_found(client, third_party, agent):
    premise, _ = covered_premise(third_party)
    _login(client, agent)
    client.post("/reports/new/", _form([premise]))
    number = ReportRequest.objects.get().number
    client.logout()
    _login(client, third_party_user(ThirdPartyFactory()))

    assert client.get(f"/reports/{number}/").status_code == 404
    assert number not in client.get("/reports/").content.decode()


def test_customers_and_anonymous_users_cannot_see_third_party_pages(client):
    assert client.get("/reports/").status_code == 302  # to the login page
    _login(client, customer_at())
    for path in ("/reports/", "/reports/new/", "/reports/schedules/", "/reports/delivery/"):
        assert client.get(path).status_code == 403, path


def test_a_schedule_is_made_and_cancelled_from_the_pages(client, third_party, agent):
    _premise, agreement = covered_premise(third_party)
    _login(client, agent)

    client.post("/reports/schedules/new/", {"agreement": agreement.pk, "kind": "interval", "format": "texas_csv"})

    schedule = agreement.report_schedules.get()
    assert agreement.number in client.get("/reports/schedules/").content.decode()
    client.post(f"/reports/schedules/{schedule.pk}/cancel/")
    schedule.refresh_from_db()
    assert schedule.status == "cancelled"


def test_another_third_party_cannot_cancel_a_schedule(client, third_party, agent):
    _premise, agreement = covered_premise(third_party)
    _login(client, agent)
    client.post("/reports/schedules/new/", {"agreement": agreement.pk, "kind": "daily", "format": "texas_csv"})
    schedule = agreement.report_schedules.get()
    client.logout()
    _login(client, third_party_user(ThirdPartyFactory()))

    assert client.post(f"/reports/schedules/{schedule.pk}/cancel/").status_code == 404
    schedule.refresh_from_db()
    assert schedule.status == "active"


def test_an_admin_saves_ftps_settings_encrypted_and_tests_the_connection(client, third_party, admin_user, ftps_server):
    (ftps_server.root / "drop").mkdir()
    _login(client, admin_user)

    client.post(
        "/reports/delivery/",
        {
            "backend": "ftps",
            "host": "127.0.0.1",
            "port": ftps_server.port,
            "username": FTP_USER,
            "password": FTP_PASSWORD,
            "folder": "drop",
        },
    )
    response = client.post("/reports/delivery/test/", follow=True)

    destination = DeliveryDestination.objects.get(third_party=third_party)
    assert FTP_PASSWORD not in destination.password_encrypted
    assert secrets.decrypt(destination.password_encrypted) == FTP_PASSWORD
    assert destination.last_test_ok is True
    assert "wrote a test file" in response.content.decode()
    assert FTP_PASSWORD not in response.content.decode()
    assert ftps_server.files("drop") == {}  # the test file is removed again


def test_a_failed_connection_test_says_why(client, third_party, admin_user, ftps_server):
    DeliveryDestination.objects.create(
        third_party=third_party,
        backend="ftps",
        host="127.0.0.1",
        port=ftps_server.port,
        username=FTP_USER,
        password_encrypted=secrets.encrypt("wrong"),
    )
    _login(client, admin_user)

    response = client.post("/reports/delivery/test/", follow=True)

    assert "The connection test failed" in response.content.decode()
    assert "refused the login" in response.content.decode()


def test_an_agent_sees_the_delivery_settings_but_cannot_change_or_test_them(client, third_party, agent):
    _login(client, agent)

    page = client.get("/reports/delivery/")
    change = client.post("/reports/delivery/", {"backend": "ftps", "host": "evil.example", "port": 21})
    test = client.post("/reports/delivery/test/")

    assert page.status_code == 200 and "Only an admin" in page.content.decode()
    assert (change.status_code, test.status_code) == (403, 403)
    assert not DeliveryDestination.objects.exists()


# --- Who read my data -----------------------------------------------------------------------------


def _entry(third_party, premise, agreement, at):
    return log_access(
        third_party=third_party,
        premise=premise,
        kind="interval",
        start=at - timedelta(days=2),
        end=at - timedelta(days=1),
        rows=96,
        via=DataAccessLog.Via.REPORT,
        agreement=agreement,
        at=at,
    )


def test_the_customer_sees_who_read_their_data_in_the_last_3_months_only(client, third_party):
    premise, agreement = covered_premise(third_party)
    now = timezone.now()
    _entry(third_party, premise, agreement, now - timedelta(days=1))
    _entry(ThirdPartyFactory(name="Old Reader Inc"), premise, agreement, add_months(now, -3) - timedelta(days=1))
    _login(client, agreement.customer)

    page = client.get("/reports/who-read-my-data/").content.decode()

    assert "Bright Energy" in page and premise.esiid in page
    assert "Old Reader Inc" not in page
    assert DataAccessLog.objects.count() == 2  # the older entry is kept for audit


def test_a_customer_never_sees_another_customers_reads(client, third_party):
    premise, agreement = covered_premise(third_party)
    _entry(third_party, premise, agreement, timezone.now())
    _login(client, customer_at())

    page = client.get("/reports/who-read-my-data/").content.decode()

    assert premise.esiid not in page and "Bright Energy" not in page


def test_a_third_party_user_cannot_open_the_customers_log(client, agent):
    _login(client, agent)

    assert client.get("/reports/who-read-my-data/").status_code == 403


def test_the_access_log_is_append_only(third_party):
    premise, agreement = covered_premise(third_party)
    entry = _entry(third_party, premise, agreement, timezone.now())

    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
