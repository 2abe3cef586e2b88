"""The three ways files come in: `manage.py ingest`, the inbox folder (Celery), and the API."""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from tests.conftest import issue_token
from tests.factories import OAuthClientFactory, PremiseFactory, ThirdPartyFactory
from usage.models import IntervalRead
from usage.tasks import ingest_inbox

from .conftest import texas_day, texas_file, texas_row

pytestmark = pytest.mark.django_db

INGEST_URL = "/api/v1/ingest/"


def _file_with_one_bad_line(premise) -> str:
    return texas_file(
        texas_row(premise.esiid, "07/01/2025", "00:00", "00:15"),
        texas_row(premise.esiid, "07/01/2025", "00:15", "00:30", kwh="lots"),
    )


# --- manage.py ingest --------------------------------------------------------------------------


def test_command_loads_files_and_prints_counts_and_rejected_lines(tmp_path):
    premise = PremiseFactory()
    good = tmp_path / "IntervalData.csv"
    good.write_text(texas_file(*texas_day(premise.esiid, "07/01/2025")))
    out = io.StringIO()

    call_command("ingest", str(good), "--no-progress", stdout=out)

    report = out.getvalue()
    assert "format: texas_csv" in report
    assert "loaded: 96" in report
    assert "rejected: 0" in report
    assert IntervalRead.objects.filter(premise=premise).count() == 96


def test_command_reports_rejected_lines_and_exits_with_an_error(tmp_path):
    premise = PremiseFactory()
    path = tmp_path / "IntervalData (1).csv"
    path.write_text(_file_with_one_bad_line(premise))
    out = io.StringIO()

    with pytest.raises(CommandError, match="1 line"):
        call_command("ingest", str(path), "--no-progress", stdout=out)

    assert "loaded: 1" in out.getvalue()
    assert "line 3: USAGE_KWH 'lots' is not a number" in out.getvalue()


def test_command_reports_unreadable_files_and_goes_on_with_the_others(tmp_path):
    premise = PremiseFactory()
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello\n")
    good = tmp_path / "IntervalData.csv"
    good.write_text(texas_file(texas_row(premise.esiid, "07/01/2025", "00:00", "00:15")))
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="2 file"):
        call_command(
            "ingest", str(tmp_path / "missing.csv"), str(unknown), str(good), "--no-progress", stdout=out, stderr=err
        )

    assert "missing.csv: no such file" in err.getvalue()
    assert "notes.txt: The first line is not the header of a known format" in err.getvalue()
    assert "loaded: 1" in out.getvalue()


def test_command_format_option_forces_the_parser(tmp_path):
    premise = PremiseFactory()
    path = tmp_path / "IntervalData.csv"
    path.write_text(texas_file(texas_row(premise.esiid, "07/01/2025", "00:00", "00:15")))
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("ingest", str(path), "--format", "daily_csv", "--no-progress", stdout=io.StringIO(), stderr=err)

    assert "not the header of a daily register CSV" in err.getvalue()


# --- Inbox folder ------------------------------------------------------------------------------


def test_inbox_task_loads_dropped_files_and_files_them_with_a_report(tmp_path, settings):
    settings.USAGE_INBOX_DIR = tmp_path
    premise = PremiseFactory()
    (tmp_path / "good.csv").write_text(_file_with_one_bad_line(premise))
    (tmp_path / "junk.csv").write_text("nothing to see\n")
    (tmp_path / "arriving.csv.part").write_text("half a file")

    taken = ingest_inbox.delay().get()

    assert taken == 2
    assert (tmp_path / "processed" / "good.csv").exists()
    report = (tmp_path / "processed" / "good.csv.report.txt").read_text()
    assert "loaded: 1" in report and "line 3: USAGE_KWH 'lots' is not a number" in report
    assert (tmp_path / "failed" / "junk.csv").exists()
    assert "not the header of a known format" in (tmp_path / "failed" / "junk.csv.report.txt").read_text()
    assert (tmp_path / "arriving.csv.part").exists()  # still being written: left alone
    assert not list((tmp_path / "processing").iterdir())
    assert IntervalRead.objects.filter(premise=premise).count() == 1


def test_inbox_file_whose_every_line_is_rejected_goes_to_failed(tmp_path, settings):
    settings.USAGE_INBOX_DIR = tmp_path
    (tmp_path / "unknown.csv").write_text(texas_file(texas_row("10443720099999999", "07/01/2025", "00:00", "00:15")))

    ingest_inbox.delay()

    assert (tmp_path / "failed" / "unknown.csv").exists()
    assert "unknown ESIID 10443720099999999" in (tmp_path / "failed" / "unknown.csv.report.txt").read_text()


def test_inbox_file_sent_again_is_filed_beside_the_first_and_changes_nothing(tmp_path, settings):
    settings.USAGE_INBOX_DIR = tmp_path
    premise = PremiseFactory()
    text = texas_file(*texas_day(premise.esiid, "07/01/2025"))
    (tmp_path / "day.csv").write_text(text)
    ingest_inbox.delay()
    (tmp_path / "day.csv").write_text(text)

    ingest_inbox.delay()

    processed = sorted(path.name for path in (tmp_path / "processed").iterdir() if not path.name.endswith(".txt"))
    assert len(processed) == 2 and processed[0].startswith("day.")
    assert IntervalRead.objects.filter(premise=premise).count() == 96


def test_inbox_and_partition_tasks_are_scheduled_and_ingest_has_its_queue():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {"usage.tasks.ingest_inbox", "usage.tasks.create_interval_partitions"} <= tasks
    assert settings.CELERY_TASK_ROUTES["usage.tasks.ingest_inbox"] == {"queue": "ingest"}


# --- API -----------------------------------------------------------------------------------------


def _upload(text: str, name: str = "IntervalData.csv") -> dict:
    return {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")}


def test_api_loads_the_utilitys_file_and_answers_counts_and_rejected_lines(api_client):
    premise = PremiseFactory()
    token = issue_token(OAuthClientFactory(allowed_scopes="ingest"), "ingest")

    response = api_client.post(
        INGEST_URL, _upload(_file_with_one_bad_line(premise)), format="multipart", HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert {key: body[key] for key in ("file", "format", "lines", "loaded", "revised", "unchanged", "rejected")} == {
        "file": "IntervalData.csv",
        "format": "texas_csv",
        "lines": 2,
        "loaded": 1,
        "revised": 0,
        "unchanged": 0,
        "rejected": 1,
    }
    assert body["rejections"] == [{"line": 3, "reason": "USAGE_KWH 'lots' is not a number"}]
    assert IntervalRead.objects.filter(premise=premise).count() == 1


def test_api_without_token_is_401(api_client):
    premise = PremiseFactory()

    response = api_client.post(INGEST_URL, _upload(_file_with_one_bad_line(premise)), format="multipart")

    assert response.status_code == 401
    assert "error" in response.json()
    assert not IntervalRead.objects.exists()


def test_api_with_a_token_of_another_scope_is_403(api_client):
    premise = PremiseFactory()
    token = issue_token(OAuthClientFactory(allowed_scopes="provisioning ingest"), "provisioning")

    response = api_client.post(
        INGEST_URL, _upload(_file_with_one_bad_line(premise)), format="multipart", HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    assert response.status_code == 403
    assert not IntervalRead.objects.exists()


def test_api_refuses_a_third_partys_client_even_with_the_ingest_scope(api_client):
    premise = PremiseFactory()
    client = OAuthClientFactory(allowed_scopes="ingest", third_party=ThirdPartyFactory())
    token = issue_token(client, "ingest")

    response = api_client.post(
        INGEST_URL, _upload(_file_with_one_bad_line(premise)), format="multipart", HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Only the utility's own systems may deliver meter data."
    assert not IntervalRead.objects.exists()


def test_api_answers_400_for_a_file_of_no_known_format_or_no_file(api_client):
    token = issue_token(OAuthClientFactory(allowed_scopes="ingest"), "ingest")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    unknown = api_client.post(INGEST_URL, _upload("a,b,c\n1,2,3\n"), format="multipart", **auth)
    missing = api_client.post(INGEST_URL, {}, format="multipart", **auth)

    assert (unknown.status_code, unknown.json()["error"]["code"]) == (400, "unknown_format")
    assert (missing.status_code, missing.json()["error"]["code"]) == (400, "invalid")
    assert "file" in missing.json()["error"]["fields"]
