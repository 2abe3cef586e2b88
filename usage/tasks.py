"""Background work of the usage app: thin wrappers around its services."""

from celery import shared_task

from meters.headend import HeadEndUnavailable

from . import services
from .services import ondemand


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
