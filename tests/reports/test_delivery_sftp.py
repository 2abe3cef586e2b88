"""SFTP delivery to a real SSH server (paramiko's, on loopback, throwaway host key, key login
only) and PGP packaging with real GnuPG keys: the SMT shape (an ASCII-armored `.asc` of a ZIP of
the CSV) decrypts with the third party's private key and parses as the Texas layout."""

import io
import zipfile
from datetime import timedelta

import paramiko
import pytest
from django.utils import timezone

from reports import secrets, services
from reports.delivery import DeliveryError, connect, deliver_file
from reports.delivery_sftp import generate_private_key, load_private_key
from reports.formats import TEXAS_DAILY_HEADER, TEXAS_INTERVAL_HEADER
from reports.models import DataAccessLog, DeliveryDestination, ReportItem, ReportRequest, SmtApiSettings
from usage.models import IntervalRead

from .conftest import covered_premise, load_days, parse_back
from .sftp import SFTP_USER, start_sftp_server

pytestmark = pytest.mark.django_db

DUNS = "123456789"


def sftp_destination(third_party, server, login_key, *, host_key=None, pgp=None):
    fields = {}
    if pgp is not None:
        from reports.pgp import read_public_key

        key = read_public_key(pgp.public_armored)
        fields = {"pgp_public_key": pgp.public_armored, "pgp_fingerprint": key.fingerprint}
        fields["pgp_expires_at"] = key.expires_at
    return DeliveryDestination.objects.create(
        third_party=third_party,
        backend=DeliveryDestination.Backend.SFTP,
        host=server.host,
        port=server.port,
        username=SFTP_USER,
        ssh_private_key_encrypted=secrets.encrypt(login_key),
        ssh_host_key=host_key or server.host_key_line,
        folder="inbox",
        **fields,
    )


def _run_report(third_party, agent, capture_on_commit):
    """A report of one day of a covered premise's 15-minute data, run as the task runs it."""
    premise, _ = covered_premise(third_party)
    day = timezone.localdate() - timedelta(days=10)
    load_days(premise, day, 1)
    with capture_on_commit(execute=True):
        request = services.create_report_request(
            by=agent, kind="interval", start_date=day, end_date=day, esiids=[premise.esiid]
        )
    request.refresh_from_db()
    return request, premise


def test_an_smt_package_arrives_by_sftp_and_decrypts_unzips_and_parses_as_the_texas_csv(
    third_party, agent, sftp_server, login_key, recipient_keys, django_capture_on_commit_callbacks
):
    SmtApiSettings.objects.create(third_party=third_party, service_id="BRIGHT-SVC", duns=DUNS)
    sftp_destination(third_party, sftp_server, login_key, pgp=recipient_keys)
    request, premise = _run_report(third_party, agent, django_capture_on_commit_callbacks)

    assert request.status == ReportRequest.Status.DELIVERED, request.failure_reason
    day = timezone.localdate() - timedelta(days=10)
    inner = f"IntervalMeterUsage_{premise.esiid}_{day:%Y%m%d}-{day:%Y%m%d}_{request.number}.csv"
    outer = inner.removesuffix(".csv") + f".CSV.{DUNS}.asc"
    files = sftp_server.files("inbox")
    assert list(files) == [outer]  # renamed into place: no .part left
    assert sftp_server.renames == [outer]
    assert files[outer].startswith(b"-----BEGIN PGP MESSAGE-----")
    archive = zipfile.ZipFile(io.BytesIO(recipient_keys.decrypt(files[outer])))
    assert archive.namelist() == [inner]
    csv = archive.read(inner)
    assert csv.split(b"\n", 1)[0] == TEXAS_INTERVAL_HEADER.encode()  # SMT's own header, exactly
    _format, rows, rejections = parse_back(csv)
    assert rejections == []
    stored = IntervalRead.objects.filter(premise=premise).order_by("interval_start")
    assert sorted((row[1], row[3]) for row in rows) == [
        (int(read.interval_start.timestamp()), read.wh) for read in stored
    ]
    item = ReportItem.objects.get(request=request)
    assert (item.file_name, item.size) == (outer, len(files[outer]))
    assert DataAccessLog.objects.get().reference == f"{request.number} {outer}"
    assert request.delivered_to == f"sftp://{SFTP_USER}@127.0.0.1:{sftp_server.port}/inbox"


def test_plain_sftp_without_a_pgp_key_uploads_the_csv_under_a_temporary_name_then_renames_it(
    third_party, sftp_server, login_key
):
    destination = sftp_destination(third_party, sftp_server, login_key)
    with connect(destination) as session:
        rows, size = session.put("DailyMeterUsage_x.csv", lambda write: write(b"ESIID\n") or 1)
    assert (rows, size) == (1, 6)
    assert sftp_server.files("inbox") == {"DailyMeterUsage_x.csv": b"ESIID\n"}
    assert sftp_server.renames == ["DailyMeterUsage_x.csv"]


def test_a_second_delivery_of_the_same_name_replaces_the_file(third_party, sftp_server, login_key):
    destination = sftp_destination(third_party, sftp_server, login_key)
    for content in (b"first\n", b"second\n"):
        with connect(destination) as session:
            session.put("a.csv", lambda write, content=content: write(content))
    assert sftp_server.files("inbox") == {"a.csv": b"second\n"}


def test_a_wrong_host_key_refuses_to_deliver_and_fails_the_report_with_the_reason(
    third_party, agent, sftp_server, login_key, django_capture_on_commit_callbacks
):
    impostor = paramiko.ECDSAKey.generate()
    sftp_destination(third_party, sftp_server, login_key, host_key=f"ecdsa-sha2-nistp256 {impostor.get_base64()}")
    request, _premise = _run_report(third_party, agent, django_capture_on_commit_callbacks)

    assert request.status == ReportRequest.Status.FAILED
    assert f"The SFTP server 127.0.0.1:{sftp_server.port} presented the host key" in request.failure_reason
    assert "not the pinned" in request.failure_reason and "nothing was delivered" in request.failure_reason
    assert request.attempts == 1  # not retried: a different server will not become the right one
    assert sftp_server.logins == []  # the key never went to the impostor
    assert sftp_server.files("inbox") == {}


def test_a_login_key_the_server_does_not_know_fails_with_the_reason(third_party, sftp_server):
    destination = sftp_destination(third_party, sftp_server, generate_private_key())
    with pytest.raises(DeliveryError) as refused, connect(destination):
        pass
    assert "refused the key login of user 'bright-files'" in refused.value.message
    assert not refused.value.transient


def test_an_unreachable_sftp_server_is_a_transient_error(third_party, sftp_server, login_key):
    destination = sftp_destination(third_party, sftp_server, login_key)
    sftp_server.stop()
    with pytest.raises(DeliveryError) as failed, connect(destination):
        pass
    assert failed.value.transient
    assert "Could not reach the SFTP server" in failed.value.message


def test_an_expired_pgp_key_fails_the_report_with_a_clear_reason_and_sends_nothing(
    third_party, agent, sftp_server, login_key, expired_keys, django_capture_on_commit_callbacks
):
    sftp_destination(third_party, sftp_server, login_key, pgp=expired_keys)
    request, _premise = _run_report(third_party, agent, django_capture_on_commit_callbacks)

    assert request.status == ReportRequest.Status.FAILED
    assert request.failure_reason == (
        f"The PGP public key {expired_keys.fingerprint} of Bright Energy expired on 2020-01-02 00:00 UTC: "
        "files cannot be encrypted to it. Upload the renewed key in the delivery settings."
    )
    assert sftp_server.logins == [] and sftp_server.files("inbox") == {}
    assert DataAccessLog.objects.count() == 0


def test_an_upload_whose_size_does_not_match_is_not_renamed_into_place(third_party, sftp_server, login_key):
    destination = sftp_destination(third_party, sftp_server, login_key)
    sftp_server.lose_bytes = 3

    with pytest.raises(DeliveryError) as short, connect(destination) as session:
        session.put("a.csv", lambda write: write(b"0123456789"))

    assert short.value.message == "a.csv: the SFTP server stored 7 bytes of 10." and short.value.transient
    assert sftp_server.renames == [] and "a.csv" not in sftp_server.files("inbox")


def test_an_unreachable_sftp_server_is_retried_with_backoff_then_fails_the_report(
    third_party, agent, sftp_server, login_key, django_capture_on_commit_callbacks
):
    sftp_destination(third_party, sftp_server, login_key)
    sftp_server.stop()
    request, _premise = _run_report(third_party, agent, django_capture_on_commit_callbacks)

    assert request.status == ReportRequest.Status.FAILED
    assert f"Could not reach the SFTP server 127.0.0.1:{sftp_server.port}" in request.failure_reason
    assert request.attempts == 6  # the first try and the task's 5 retries (backoff 30 s, 60 s, ... when queued)


def test_a_daily_file_without_a_duns_is_named_the_smt_way_without_it(
    third_party, sftp_server, login_key, recipient_keys
):
    sftp_destination(third_party, sftp_server, login_key, pgp=recipient_keys)
    content = (TEXAS_DAILY_HEADER + "\n").encode()

    rows, size, _where = deliver_file(
        target=third_party, name="DailyMeterUsage_10443720000000001_x.csv", produce=lambda write: write(content) or 0
    )

    files = sftp_server.files("inbox")
    assert list(files) == ["DailyMeterUsage_10443720000000001_x.CSV.asc"] and size == len(files[next(iter(files))])
    archive = zipfile.ZipFile(io.BytesIO(recipient_keys.decrypt(files["DailyMeterUsage_10443720000000001_x.CSV.asc"])))
    assert archive.read("DailyMeterUsage_10443720000000001_x.csv") == content


def test_a_server_with_several_host_keys_is_asked_for_the_pinned_kind(third_party, tmp_path, login_key, settings):
    settings.REPORTS_FTPS_TIMEOUT = 10
    ed25519 = load_private_key(generate_private_key())  # the kind a client prefers, but not the pinned one
    server = start_sftp_server(tmp_path / "root", authorized_key=load_private_key(login_key), other_host_keys=[ed25519])
    (server.root / "inbox").mkdir()
    try:
        with connect(sftp_destination(third_party, server, login_key)) as session:  # pins the ECDSA key
            session.put("a.csv", lambda write: write(b"x\n"))
    finally:
        server.stop()
    assert server.files("inbox") == {"a.csv": b"x\n"}
