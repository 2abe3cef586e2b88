"""Background work of the usage app: thin wrappers around its services."""

from celery import shared_task

from . import services


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
