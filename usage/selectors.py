"""Streaming reads of meter data by premise and window, for exports (reports, extracts, API).

Read-only, and NOT filtered by who asks: callers pass windows the access gate
(`agreements.access`) gave them. Rows come in primary-key order, in batches from a server-side
cursor on PostgreSQL (or the ORM's chunked iterator elsewhere), so memory stays flat whatever the
window. Interval rows are plain tuples with times as integer epoch seconds (UTC): formatting
millions of rows then costs no datetime per row.
"""

import heapq
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime

import psycopg
from django.db import connection

from .models import DailyRead, IntervalCorrection, IntervalRead, MonthlyRead, OnDemandRead

CHUNK_SIZE = 5_000

Window = tuple[datetime, datetime]
# (interval start epoch, series, Wh, estimated, revised epoch)
IntervalRow = tuple[int, int, int, bool, int]


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def interval_rows(
    *, premise_id: int, windows: Iterable[Window], chunk_size: int = CHUNK_SIZE, sole_reader: bool = False
) -> Iterator[IntervalRow]:
    """The premise's interval reads whose start is in one of `windows` ([start, end), ordered and
    not overlapping), ordered by interval start then series.

    `sole_reader`: the caller runs no other query on the connection until it has read (or closed)
    the rows, as the usage API does. On PostgreSQL the rows then come in libpq's chunked-rows mode
    on a plain cursor: no server-side cursor, whose WITH HOLD copy outside a transaction costs."""
    for start, end in windows:
        if connection.vendor == "postgresql" and sole_reader:
            yield from _postgresql_streamed_rows(premise_id, start, end, chunk_size)
        elif connection.vendor == "postgresql":
            yield from _postgresql_interval_rows(premise_id, start, end, chunk_size)
        else:
            rows = (
                IntervalRead.objects.filter(premise_id=premise_id, interval_start__gte=start, interval_start__lt=end)
                .order_by("interval_start", "series")
                .values_list("interval_start", "series", "wh", "estimated", "revised_at")
                .iterator(chunk_size=chunk_size)
            )
            for interval_start, series, wh, estimated, revised_at in rows:
                yield _epoch(interval_start), series, wh, estimated, _epoch(revised_at)


def _interval_query() -> str:
    # date_part (double precision), not extract (numeric since PostgreSQL 14): numeric arithmetic
    # on 70,000 values a premise-year was a third of the query's time.
    return (
        f"SELECT date_part('epoch', interval_start)::bigint, series, wh, estimated, "  # noqa: S608
        f"date_part('epoch', revised_at)::bigint FROM {IntervalRead._meta.db_table} "
        "WHERE premise_id = %s AND interval_start >= %s AND interval_start < %s "
        "ORDER BY interval_start, series"
    )


def _postgresql_streamed_rows(premise_id: int, start: datetime, end: datetime, chunk_size: int):
    connection.ensure_connection()
    # Django's connections make client-side-binding cursors, which cannot fetch binary results.
    with psycopg.Cursor(connection.connection) as cursor:
        yield from cursor.stream(_interval_query(), [premise_id, start, end], binary=True, size=chunk_size)


def _postgresql_interval_rows(premise_id: int, start: datetime, end: datetime, chunk_size: int):
    # A named (server-side) cursor: PostgreSQL sends `chunk_size` rows at a time. The partition key
    # range prunes to the months of the window; the primary key (premise, start, series) orders it.
    connection.ensure_connection()
    # Outside a transaction a server-side cursor must be WITH HOLD (psycopg's autocommit mode).
    # Binary results: integers arrive ready-made, with no text to parse per value.
    cursor = connection.connection.cursor(
        name=f"interval_rows_{premise_id}_{_epoch(start)}", withhold=not connection.in_atomic_block, binary=True
    )
    cursor.itersize = chunk_size
    try:
        cursor.execute(_interval_query(), [premise_id, start, end])
        while batch := cursor.fetchmany(chunk_size):
            yield from batch
            if len(batch) < chunk_size:  # the last batch: no round trip to learn there is no more
                break
    finally:
        cursor.close()


def interval_revisions(*, premise_id: int, windows: Iterable[Window]) -> Iterator[IntervalRow]:
    """Every revision of the premise's interval reads in `windows`: the values a later revision
    replaced (IntervalCorrection, each with its own revision time) and the current ones, ordered by
    interval start, series, then revision time (oldest first)."""
    windows = list(windows)
    # Few values are ever revised: the replaced ones are read whole, the current ones streamed.
    replaced = [
        (_epoch(start), series, wh, estimated, _epoch(revised))
        for window_start, window_end in windows
        for start, series, wh, estimated, revised in IntervalCorrection.objects.filter(
            premise_id=premise_id, interval_start__gte=window_start, interval_start__lt=window_end
        )
        .order_by("interval_start", "series", "previous_revised_at")
        .values_list("interval_start", "series", "previous_wh", "previous_estimated", "previous_revised_at")
    ]
    current = interval_rows(premise_id=premise_id, windows=windows)
    yield from heapq.merge(replaced, current, key=lambda row: (row[0], row[1], row[4]))


def daily_reads(*, premise_id: int, first_day: date, last_day: date, chunk_size: int = CHUNK_SIZE):
    """The premise's daily register reads from `first_day` to `last_day` inclusive, by date."""
    return (
        DailyRead.objects.filter(premise_id=premise_id, read_date__gte=first_day, read_date__lte=last_day)
        .order_by("read_date")
        .iterator(chunk_size=chunk_size)
    )


def monthly_reads(*, premise_id: int, first_day: date, last_day: date, chunk_size: int = CHUNK_SIZE):
    """The premise's billing-cycle reads whose cycle starts from `first_day` to `last_day`."""
    return (
        MonthlyRead.objects.filter(premise_id=premise_id, start_date__gte=first_day, start_date__lte=last_day)
        .order_by("start_date")
        .iterator(chunk_size=chunk_size)
    )


def on_demand_reads(*, premise_id: int, windows: Iterable[Window]) -> list[OnDemandRead]:
    """The premise's on-demand reads requested in one of `windows`, oldest first."""
    reads = []
    for start, end in windows:
        reads.extend(
            OnDemandRead.objects.filter(premise_id=premise_id, requested_at__gte=start, requested_at__lt=end).order_by(
                "requested_at", "pk"
            )
        )
    return reads


def epoch_to_utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
