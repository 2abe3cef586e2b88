"""A consumption extract survives a worker killed mid-extract: a real Celery worker on Redis is
killed with SIGKILL while it writes the file; a second worker takes the unacknowledged task over
and finishes. The folder then holds exactly one file, whole, that loads back line for line."""

import os
import signal
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.factories import PremiseFactory
from tests.worker import require_broker, routed_to, start_worker, wait_until_ready
from usage import services, tasks
from usage.models import ExtractRequest

from .extract_support import ORDINARY, extract_type, quarter_starts

PREMISES, DAYS = 30, 31  # about 90 000 quarter hours: a run of seconds, long enough to be killed midway
REVISED = datetime(2025, 8, 1, 6, tzinfo=UTC)
VISIBILITY_SECONDS = 3  # an unacknowledged task goes back to the queue this soon (production: an hour)


def _wait_for(condition, seconds: float, what: str, logs) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(
        f"{what} within {seconds} s; logs:\n" + "\n".join(log.read_text()[-3000:] for log in logs if log.exists())
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_extract_survives_a_worker_killed_mid_file_with_exactly_one_whole_file(tmp_path, settings):
    require_broker(database=True)
    root = settings.EXTRACTS_ROOT = tmp_path / "extracts"
    environment = {"EXTRACTS_ROOT": str(root), "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS)}
    premises = [PremiseFactory() for _ in range(PREMISES)]
    days = [ORDINARY + timedelta(days=offset) for offset in range(DAYS)]
    services.load_interval_reads(
        readings=(
            services.IntervalReading(
                premise_id=premise.pk, interval_start=start, kwh=Decimal(100 + index).scaleb(-3), revised_at=REVISED
            )  # fmt: skip
            for premise in premises
            for day in days
            for index, start in enumerate(quarter_starts(day))
        )
    )
    kind_of_type = extract_type(destination="mdm")
    request = services.extracts.create_initial_load(extract_type=kind_of_type, first_day=days[0], last_day=days[-1])
    queue = f"extracts-test-{uuid.uuid4().hex[:8]}"
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    folder = root / "mdm"
    workers = []
    try:
        with routed_to(queue, ["usage.tasks.run_extract"]):
            workers.append(start_worker(queue, logs[0], name="first-", **environment))
            wait_until_ready(workers[0], logs[0])
            tasks.run_extract.delay(request.pk)
            # Kill once the temporary file has data in it and before it is renamed into place.
            _wait_for(lambda: any(path.suffix == ".part" and path.stat().st_size for path in _files(folder)), 60,
                      "the first worker wrote no data", logs)  # fmt: skip
            os.kill(workers[0].pid, signal.SIGKILL)
            workers[0].wait(timeout=10)
            killed_at = ExtractRequest.objects.get(pk=request.pk)
            assert killed_at.status == ExtractRequest.Status.RUNNING
            assert [path.suffix for path in _files(folder)] == [".part"]  # half a file, under its temporary name
            # Redis gives the unacknowledged task back once its visibility timeout has passed; a
            # new worker looks for such tasks when it starts.
            time.sleep(VISIBILITY_SECONDS + 1)
            workers.append(start_worker(queue, logs[1], name="second-", **environment))
            _wait_for(lambda: ExtractRequest.objects.get(pk=request.pk).status == "complete", 180,
                      "the second worker did not finish the extract", logs)  # fmt: skip
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=20)

    request.refresh_from_db()
    assert [path.name for path in _files(folder)] == [request.file_name]  # one file, no .part left
    assert request.rows == PREMISES * DAYS * 96
    kind_of_type.refresh_from_db()
    assert kind_of_type.extract_through == request.period_end
    with open(folder / request.file_name, encoding="utf-8") as extract_file:
        result = services.ingest_stream(stream=extract_file, name=request.file_name)
    assert (result.rejected, result.unchanged, result.loaded) == (0, request.rows, 0)  # every line, as stored


def _files(folder):
    return sorted(folder.iterdir()) if folder.exists() else []
