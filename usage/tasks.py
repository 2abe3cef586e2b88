"""Background work of the usage app: thin wrappers around its services."""

from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.db import transaction

from meters.headend import HeadEndUnavailable
from reports.delivery import deliver_file
from reports.models import DeliveryDestination

from . import services
from .models import ExtractRequest, ExtractType
from .services import extracts, ondemand


@shared_task(acks_late=True)
def ingest_inbox() -> int:
    """Ingest the files waiting in USAGE_INBOX_DIR; returns how many were taken."""
    return len(services.ingest_inbox())


@shared_task
def create_interval_partitions() -> list[str]:
    """Keep monthly partitions of the interval table ahead of the data (daily beat)."""
    return services.create_interval_partitions()


@shared_task
def compact_last_months_partition() -> str | None:
    """Rebuild last month's interval index once its data is in (monthly beat)."""
    return services.compact_last_months_partition()


# --- On-demand reads (the `headend` queue): network work is retried with backoff ----------------

HEADEND = {"acks_late": True, "autoretry_for": (HeadEndUnavailable,), "retry_backoff": True, "max_retries": 6}


@shared_task(**HEADEND)
def send_on_demand_read(read_id: int) -> None:
    ondemand.send_read(read_id=read_id)


@shared_task(**HEADEND)
def poll_on_demand_reads(read_ids: list[int] = ()) -> int:
    return ondemand.poll_reads(read_ids=read_ids)


@shared_task(**HEADEND)
def sweep_on_demand_reads() -> dict[str, int]:
    """Send what was left unsent, poll what is waiting, time out what waited too long (beat)."""
    return ondemand.sweep_reads()


# --- Consumption extracts (the `reports` queue: bulk file work) ---------------------------------


def extract_delivery(extract_type: ExtractType):
    """The `deliver` of a consumption extract: the type's `destination` folder under EXTRACTS_ROOT,
    written through the reports app's folder backend (temporary name, then rename)."""
    root = Path(settings.EXTRACTS_ROOT)
    folder = extract_type.destination.strip("/")
    destination = DeliveryDestination(name="consumption-extracts", backend=DeliveryDestination.Backend.FOLDER,
                                      folder=folder)  # fmt: skip

    def deliver(name, produce):
        rows, size, _location = deliver_file(target=destination, name=name, produce=produce, folder_root=root)
        return rows, size, str(root / folder / name)

    return deliver


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_extract(request_id: int) -> str:
    """Run a consumption extract request and write its file. A complete request is left alone; one
    taken over from a dead worker is extracted again into the same file name."""
    request = ExtractRequest.objects.select_related("extract_type").get(pk=request_id)
    deliver = extract_delivery(request.extract_type)
    return extracts.run_extract_request(request_id=request_id, deliver=deliver).status


def queue_extract(request: ExtractRequest) -> None:
    """Run the request on a worker once the transaction that made it commits."""
    transaction.on_commit(lambda: run_extract.delay(request.pk))


@shared_task(acks_late=True)
def create_incremental_extracts() -> int:
    """Beat, daily: each automated extract type's incremental (and a correction extract when
    corrections wait), queued; an open request is queued again rather than doubled."""
    requests = extracts.create_daily_requests()
    for request in requests:
        queue_extract(request)
    return len(requests)
