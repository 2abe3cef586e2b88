"""A report survives a worker killed mid-run: a real Celery worker on Redis is killed with SIGKILL
while it delivers to a real (slow) FTPS server; a second worker takes the unacknowledged task
over and finishes. Every file arrives whole, none twice, each read is logged once."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from portal.celery import app
from reports import services
from reports.models import DataAccessLog, ReportRequest

from .conftest import covered_premise, ftps_destination, load_days, parse_back, start_ftps_server

ESIIDS = 6
VISIBILITY_SECONDS = 3  # an unacknowledged task goes back to the queue this soon (a production setting is an hour)


def _environment(queue: str, cafile: str, log_dir) -> dict:
    environment = {key: value for key, value in os.environ.items() if key not in {"EMAIL_HOST", "EMAIL_ESP"}}
    database = connection.settings_dict
    environment.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        CELERY_TASK_ALWAYS_EAGER="0",
        SECURE_SSL_REDIRECT="0",
        REPORTS_QUEUE=queue,
        REPORTS_FTPS_CAFILE=cafile,
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_SECONDS),
        REPORTS_DELIVERY_THREADS="2",  # two files in flight when the worker dies
        EMAIL_FILE_PATH=str(log_dir / "mail"),
        DATABASE_URL=(
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST'] or '127.0.0.1'}"
            f":{database['PORT'] or 5432}/{database['NAME']}"
        ),
    )
    return environment


def _start_worker(name: str, queue: str, environment: dict, log_path) -> subprocess.Popen:
    log = open(log_path, "w")  # noqa: SIM115 - the worker writes to it for its lifetime
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", queue, "--pool=solo",
         "-n", f"{name}-{queue}@%h", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        env=environment,
        cwd=settings.BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip


def _wait_for(condition, seconds: float, what: str, logs) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(
        f"{what} within {seconds} s; logs:\n" + "\n".join(path.read_text()[-3000:] for path in logs if path.exists())
    )


def _route_to(queue: str | None):
    app.conf.task_always_eager = queue is None
    app.conf.task_routes = {"reports.tasks.run_report": {"queue": queue}} if queue else settings.CELERY_TASK_ROUTES
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)  # the router keeps the table it was built with


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_report_survives_a_worker_killed_mid_run_with_no_file_lost_half_written_or_doubled(
    tmp_path, certificate, settings, third_party, agent
):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: this test needs a Redis broker to start real Celery workers on.")
    if connection.vendor != "postgresql":
        pytest.skip("The workers must share the test database: run on PostgreSQL (DATABASE_URL).")
    # Each rename waits a second on the server, so the run is slow enough to be killed midway.
    server = start_ftps_server(tmp_path / "ftp-root", *certificate, delay=1.0)
    settings.REPORTS_FTPS_CAFILE = str(certificate[0])
    queue = f"reports-test-{uuid.uuid4().hex[:8]}"
    environment = _environment(queue, str(certificate[0]), tmp_path)
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    workers = []
    try:
        ftps_destination(third_party, server)
        premises = [covered_premise(third_party)[0] for _ in range(ESIIDS)]
        day = timezone.localdate() - timedelta(days=3)
        for premise in premises:
            load_days(premise, day, 1)
        _route_to(queue)
        request = services.create_report_request(
            by=agent, kind="interval", start_date=day, end_date=day, esiids=[premise.esiid for premise in premises]
        )  # committed: the task is on the queue now

        workers.append(_start_worker("first", queue, environment, logs[0]))
        progress = ReportRequest.objects.filter(pk=request.pk)
        _wait_for(lambda: progress.get().esiids_done >= 2, 60, "the first worker delivered no 2 files", logs)
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=10)
        killed_at = progress.get()
        assert killed_at.status == ReportRequest.Status.RUNNING
        assert killed_at.esiids_done < ESIIDS
        # Redis gives the unacknowledged task back once its visibility timeout has passed; a new
        # worker looks for such tasks when it starts (and then only every 100 s).
        time.sleep(VISIBILITY_SECONDS + 1)

        workers.append(_start_worker("second", queue, environment, logs[1]))
        _wait_for(lambda: progress.get().status == "delivered", 90, "the second worker did not finish the report", logs)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=20)
        _route_to(None)
        server.stop()

    request.refresh_from_db()
    assert (request.esiids_done, request.esiids_total, request.rows_delivered) == (ESIIDS, ESIIDS, ESIIDS * 96)
    assert request.attempts == 2
    files = server.files("inbox")
    expected = set(request.items.values_list("file_name", flat=True))
    assert set(files) == expected and len(expected) == ESIIDS  # none lost, none doubled, no .part left
    for content in files.values():
        _name, rows, rejections = parse_back(content)
        assert rejections == [] and len(rows) == 96
        assert content.count(b"\n") == 97
    assert sorted(DataAccessLog.objects.values_list("premise_id", flat=True)) == sorted(p.pk for p in premises)
