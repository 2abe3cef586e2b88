"""Monthly partitions of the interval table on PostgreSQL (a plain table elsewhere: these are no-ops).

A partition holds one UTC calendar month of `interval_start`. They are created ahead by a beat task
and on demand when a load reaches a month that has none; creating one is serialized by an advisory
lock so that concurrent loads do not race on the same month.
"""

from datetime import UTC, date, datetime

from django.db import connection, transaction

from .models import IntervalRead

PARENT_TABLE = IntervalRead._meta.db_table
# Two-key advisory lock namespace for partition DDL ("usage" partitions); the second key is unused.
PARTITION_LOCK = (0x55534147, 1)


def is_partitioned() -> bool:
    return connection.vendor == "postgresql"


def month_start(moment: datetime | date) -> date:
    return date(moment.year, moment.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_between(first: datetime | date, last: datetime | date) -> list[date]:
    """Every month from the one holding `first` to the one holding `last`, inclusive."""
    months, month, end = [], month_start(first), month_start(last)
    while month <= end:
        months.append(month)
        month = next_month(month)
    return months


def partition_name(month: date) -> str:
    return f"{PARENT_TABLE}_{month:%Y_%m}"


def existing_partitions() -> list[str]:
    """Names of the interval table's partitions, oldest first ([] when the table is not partitioned)."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
            "WHERE pg_inherits.inhparent = %s::regclass ORDER BY child.relname",
            [PARENT_TABLE],
        )
        return [row[0] for row in cursor.fetchall()]


def ensure_partitions(months: list[date]) -> list[str]:
    """Create the missing partitions for `months`; return the names created.

    Runs in its own short transaction when called outside one: creating a partition locks the parent
    table, which should not be held for the length of a load.
    """
    if not is_partitioned() or not months:
        return []
    wanted = {partition_name(month): month for month in months}
    if not set(wanted) - set(existing_partitions()):
        return []
    created = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(PARTITION_LOCK))
        missing = set(wanted) - set(existing_partitions())  # again, now that we hold the lock
        for name in sorted(missing):
            month = wanted[name]
            lower = datetime(month.year, month.month, 1, tzinfo=UTC)
            upper = datetime.combine(next_month(month), datetime.min.time(), tzinfo=UTC)
            # DDL takes no bind parameters; the bounds are dates we built, not input.
            cursor.execute(
                f'CREATE TABLE "{name}" PARTITION OF "{PARENT_TABLE}" '
                f"FOR VALUES FROM ('{lower.isoformat()}') TO ('{upper.isoformat()}')"
            )
            created.append(name)
    return created


def storage_bytes() -> int:
    """Bytes the interval reads take on disk: every partition's table, indexes and TOAST."""
    if not is_partitioned():
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits WHERE inhparent = %s::regclass",
            [PARENT_TABLE],
        )
        return int(cursor.fetchone()[0])


def compact_partition(month: date) -> str | None:
    """Rebuild the primary key of a month's partition; returns its name (None: nothing to do).

    Daily files add each day inside every premise's key range, so the index pages split half
    full (about 70 bytes of index per read instead of 40). Once a month is closed its reads are
    only revised in place, so rebuilding its index once brings it back to the bulk-loaded size.
    REINDEX CONCURRENTLY does not block reads or loads, and cannot run inside a transaction.
    """
    name = partition_name(month)
    if not is_partitioned() or name not in existing_partitions():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f'REINDEX TABLE CONCURRENTLY "{name}"')
    return name
