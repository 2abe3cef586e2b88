"""Delivery to a real FTPS server (pyftpdlib, explicit TLS, a certificate made in the test), to the
local folder and to a Django storage: whole files with the expected names and contents."""

import datetime as dt
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.storage import storages
from django.utils import timezone

from reports import services
from reports.delivery import DeliveryError, deliver_file, destination_for
from reports.models import DataAccessLog, DeliveryDestination, ReportRequest
from usage.models import IntervalRead

from .conftest import FTP_PASSWORD, covered_premise, ftps_destination, load_days, parse_back

pytestmark = pytest.mark.django_db


def _days_ago(days: int) -> dt.date:
    return timezone.localdate() - timedelta(days=days)


def _request(agent, premises, *, days=(10, 8), **fields):
    return services.create_report_request(
        by=agent,
        kind=fields.pop("kind", "interval"),
        start_date=_days_ago(days[0]),
        end_date=_days_ago(days[1]),
        esiids=[premise.esiid for premise in premises],
        **fields,
    )


def test_files_arrive_whole_on_the_ftps_server_one_per_esiid_and_parse_back_to_the_stored_values(
    third_party, agent, ftps_server, django_capture_on_commit_callbacks
):
    ftps_destination(third_party, ftps_server)
    first, _ = covered_premise(third_party)
    second, _ = covered_premise(third_party)
    for premise in (first, second):
        load_days(premise, _days_ago(10), 3)

    with django_capture_on_commit_callbacks(execute=True):
        request = _request(agent, [first, second])

    request.refresh_from_db()
    assert (request.status, request.esiids_done, request.esiids_total) == ("delivered", 2, 2)
    files = ftps_server.files("inbox")
    start, end = _days_ago(10), _days_ago(8)
    expected = {
        f"IntervalMeterUsage_{premise.esiid}_{start:%Y%m%d}-{end:%Y%m%d}_{request.number}.csv"
        for premise in (first, second)
    }
    assert set(files) == expected  # no temporary .part file left behind
    for premise in (first, second):
        content = files[f"IntervalMeterUsage_{premise.esiid}_{start:%Y%m%d}-{end:%Y%m%d}_{request.number}.csv"]
        _name, rows, rejections = parse_back(content)
        assert rejections == []
        stored = IntervalRead.objects.filter(premise=premise).order_by("interval_start")
        assert [(row[0], row[1], row[3], row[4]) for row in sorted(rows, key=lambda row: row[1])] == [
            (premise.pk, int(read.interval_start.timestamp()), read.wh, read.estimated) for read in stored
        ]
        assert content.endswith(b",Consumption\n")
    assert request.rows_delivered == 2 * 3 * 96
    assert request.delivered_to == f"ftps://bright@127.0.0.1:{ftps_server.port}/inbox"


def test_the_ready_email_names_the_files_and_the_folder_and_attaches_nothing(
    third_party, agent, ftps_server, django_capture_on_commit_callbacks
):
    ftps_destination(third_party, ftps_server)
    premise, _ = covered_premise(third_party)
    load_days(premise, _days_ago(10), 1)

    with django_capture_on_commit_callbacks(execute=True):
        request = _request(agent, [premise], days=(10, 10))

    request.refresh_from_db()
    [message] = mail.outbox
    assert message.to == ["ops@bright.example.test", agent.email]
    assert f"Report {request.number} is ready" in message.subject
    item = request.items.get()
    assert item.file_name in message.body
    assert f"ftps://bright@127.0.0.1:{ftps_server.port}/inbox" in message.body
    assert message.attachments == []


def test_every_delivered_file_is_in_the_data_access_log(
    third_party, agent, ftps_server, django_capture_on_commit_callbacks
):
    ftps_destination(third_party, ftps_server)
    premise, agreement = covered_premise(third_party)
    load_days(premise, _days_ago(10), 3)

    with django_capture_on_commit_callbacks(execute=True):
        request = _request(agent, [premise])

    entry = DataAccessLog.objects.get()
    assert (entry.third_party, entry.premise, entry.customer, entry.agreement) == (
        third_party,
        premise,
        agreement.customer,
        agreement,
    )
    assert (entry.kind, entry.rows, entry.via) == ("interval", 288, "report")
    assert entry.reference.startswith(request.number)


def test_a_wrong_ftps_password_fails_the_request_with_a_clear_reason(
    third_party, agent, ftps_server, django_capture_on_commit_callbacks
):
    ftps_destination(third_party, ftps_server, password="not-the-password")
    premise, _ = covered_premise(third_party)
    load_days(premise, _days_ago(10), 1)

    with django_capture_on_commit_callbacks(execute=True):
        request = _request(agent, [premise], days=(10, 10))

    request.refresh_from_db()
    assert request.status == ReportRequest.Status.FAILED
    assert "refused the login of user 'bright'" in request.failure_reason
    assert "check the user name and password" in request.failure_reason
    assert ftps_server.files("inbox") == {}
    assert DataAccessLog.objects.count() == 0
    assert f"Report {request.number} failed" in mail.outbox[0].subject
    assert "refused the login" in mail.outbox[0].body


def test_an_unreachable_server_is_retried_then_fails_with_the_reason(
    third_party, agent, ftps_server, django_capture_on_commit_callbacks
):
    destination = ftps_destination(third_party, ftps_server)
    ftps_server.stop()  # nothing listens on the port any more
    premise, _ = covered_premise(third_party)
    load_days(premise, _days_ago(10), 1)

    with django_capture_on_commit_callbacks(execute=True):
        request = _request(agent, [premise], days=(10, 10))

    request.refresh_from_db()
    assert request.status == ReportRequest.Status.FAILED
    assert f"Could not reach the FTPS server 127.0.0.1:{destination.port}" in request.failure_reason
    assert request.attempts == 6  # the first try and 5 retries


def test_a_second_run_of_a_delivered_request_changes_nothing(
    third_party, agent, ftps_server, django_capture_on_commit_callbacks
):
    ftps_destination(third_party, ftps_server)
    premise, _ = covered_premise(third_party)
    load_days(premise, _days_ago(10), 1)
    with django_capture_on_commit_callbacks(execute=True):
        request = _request(agent, [premise], days=(10, 10))
    renames = list(ftps_server.renames)

    services.run_report(request_id=request.pk)

    assert ftps_server.renames == renames
    assert DataAccessLog.objects.count() == 1


def test_a_run_that_died_mid_file_is_finished_by_the_next_without_doubling(
    third_party, agent, ftps_server, monkeypatch
):
    """The worker dies while uploading the second file: the first is delivered and recorded, the
    second is half written under its temporary name. The next run finishes the job."""
    from reports.services import runs as request_services

    ftps_destination(third_party, ftps_server)
    first, _ = covered_premise(third_party)
    second, _ = covered_premise(third_party)
    for premise in (first, second):
        load_days(premise, _days_ago(10), 1)
    request = _request(agent, [first, second], days=(10, 10))  # on-commit not run: nothing queued
    real_write_export = request_services.write_export

    def dies_on_the_second(export, write):
        if export.premise_id == second.pk:
            write(b"ESIID,USAGE_DATE,REV")
            raise KeyboardInterrupt  # as abrupt as it gets short of SIGKILL (the worker test does that)
        return real_write_export(export, write)

    monkeypatch.setattr(request_services, "write_export", dies_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        services.run_report(request_id=request.pk)
    request.refresh_from_db()
    assert (request.status, request.esiids_done) == ("running", 1)
    assert any(name.endswith(".part") for name in ftps_server.files("inbox"))
    monkeypatch.setattr(request_services, "write_export", real_write_export)

    services.run_report(request_id=request.pk)

    request.refresh_from_db()
    assert (request.status, request.esiids_done, request.attempts) == ("delivered", 2, 2)
    files = ftps_server.files("inbox")
    assert sorted(files) == sorted(request.items.values_list("file_name", flat=True))
    for name in files:
        _name, rows, rejections = parse_back(files[name])
        assert rejections == [] and len(rows) == 96
    assert sorted(DataAccessLog.objects.values_list("premise_id", flat=True)) == sorted([first.pk, second.pk])


def test_the_local_folder_is_the_default_destination(
    third_party, agent, reports_dir, django_capture_on_commit_callbacks
):
    premise, _ = covered_premise(third_party)
    load_days(premise, _days_ago(10), 1)

    with django_capture_on_commit_callbacks(execute=True):
        request = _request(agent, [premise], days=(10, 10), format="iso_csv")

    request.refresh_from_db()
    folder = reports_dir / f"third-party-{third_party.pk}"
    [path] = folder.iterdir()
    assert path.name == request.items.get().file_name and path.name.endswith("_ISO.csv")
    assert len(path.read_text().splitlines()) == 97


def test_a_django_storage_takes_files_under_their_exact_name_and_replaces_them(settings, third_party):
    settings.STORAGES = {**settings.STORAGES, "reports": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    destination = DeliveryDestination.objects.create(
        name="extracts", backend=DeliveryDestination.Backend.STORAGE, storage_alias="reports", folder="mdm"
    )

    deliver_file(target="extracts", name="extract.tsv", produce=lambda write: write(b"first\n"))
    rows, size, location = deliver_file(
        target=destination, name="extract.tsv", produce=lambda write: write(b"second!\n") or 1
    )

    storage = storages["reports"]
    assert storage.listdir("mdm")[1] == ["extract.tsv"]
    assert storage.open("mdm/extract.tsv").read() == b"second!\n"
    assert (rows, size, location) == (1, 8, "storage 'reports' under 'mdm/'")


def test_a_named_destination_without_settings_is_a_folder_of_its_own(reports_dir):
    deliver_file(target="consumption-extracts", name="a.tsv", produce=lambda write: write(b"x\n"))

    assert (reports_dir / "consumption-extracts" / "a.tsv").read_bytes() == b"x\n"


def test_a_folder_outside_the_reports_folder_is_refused(reports_dir):
    destination = DeliveryDestination(name="evil", backend=DeliveryDestination.Backend.FOLDER, folder="../../etc")

    with pytest.raises(DeliveryError, match="outside the reports folder"):
        deliver_file(target=destination, name="a.txt", produce=lambda write: write(b"x"))


def test_the_stored_ftps_password_is_encrypted(third_party, ftps_server):
    destination = ftps_destination(third_party, ftps_server)

    assert FTP_PASSWORD not in destination.password_encrypted
    assert destination_for(third_party).pk == destination.pk


def test_a_request_whose_task_was_lost_is_queued_again_by_the_beat(third_party, agent, reports_dir):
    from datetime import timedelta as delta

    from reports import tasks

    premise, _ = covered_premise(third_party)
    load_days(premise, _days_ago(10), 1)
    lost = _request(agent, [premise], days=(10, 10))  # its on-commit task never ran
    ReportRequest.objects.filter(pk=lost.pk).update(updated_at=timezone.now() - delta(minutes=20))
    recent = _request(agent, [premise], days=(9, 9))

    resumed = tasks.resume_stalled_reports()

    lost.refresh_from_db()
    recent.refresh_from_db()
    assert resumed == 1
    assert (lost.status, recent.status) == ("delivered", "queued")
