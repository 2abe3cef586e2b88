"""The PostgreSQL loader: psycopg 3 binary COPY and set-based SQL (rules in `usage.ingest.loader`).

Every batch first locks its premises (advisory locks, in one order) and asks which of them already
have reads in the batch's time range. Then:
- none has (an ordinary file): the batch is new data, and its binary rows (`usage.ingest.copy_rows`,
  built by the parser's fast path or packed here) are COPYed straight into the interval table.
  Nothing stored can conflict (the premises are locked), so the conflict handling that measured at
  twice the cost of the insert is skipped; a key the batch repeats makes the COPY fail as a whole
  (a savepoint), and the batch goes the way below;
- otherwise: COPY the same rows into a temporary staging table and ONE set-based upsert. In one statement (one
  snapshot) the batch is compared with the stored reads; only new keys and later revisions with a
  different value go through INSERT ... SELECT ... ON CONFLICT DO UPDATE ... WHERE the revision is
  newer and the value differs, and the values they replace are written to the corrections history
  (data-modifying CTEs). The stored reads are read once per premise, by range over the batch's
  span, and hashed; a file sent again thus costs a staging COPY, a sort and a hash probe per line.
"""

from datetime import datetime
from itertools import islice

import psycopg
from django.db import connection, transaction

from ..models import IntervalCorrection
from .copy_rows import COPY_COLUMNS, SIGNATURE, TRAILER, PackedRows, pack_rows, widen
from .targets import LoadCounts, Target

# Two-key advisory lock namespace serializing loads of the same premise; the second key is the
# premise id folded into an int.
PREMISE_LOCK_NAMESPACE = 0x55534149
COPY_CHUNK = 10_000  # rows per write: the server starts on the first while the rest are sent
# For the batch's transaction: its sorts and hashes stay in memory; no JIT (compiling costs more
# than these plans ever run); and the planner is kept off plans that measured slow here. The
# statistics of a partition being filled lag far behind its size, and the planner then hashes the
# whole partition to probe a few premises: every access to a read table here is by primary key
# (only the staging table is scanned, it has no other path). The stored reads of a batch's spans
# are read by range and hashed, cheaper than a merge join that sorts both sides again.
BATCH_SETTINGS = (
    "set_config('work_mem', '64MB', true), set_config('jit', 'off', true), "
    "set_config('enable_seqscan', 'off', true), set_config('enable_mergejoin', 'off', true)"
)


class PostgresLoader:
    def __init__(self, target: Target, *, replaced_at: datetime):
        self.target = target
        self.replaced_at = replaced_at
        self.staging = f"usage_staging_{target.kind}"
        self.packs = target.corrections  # interval rows may come already packed (`load`)

    def prepare(self, rows: list[tuple]) -> PackedRows | None:
        """Interval row tuples in binary COPY form, with each premise's span (Python work that needs
        no database, so that it can run on the parse thread while the previous batch loads)."""
        if not self.target.corrections or not rows:
            return None
        chunks = [pack_rows(islice(rows, start, start + COPY_CHUNK)) for start in range(0, len(rows), COPY_CHUNK)]
        return PackedRows(chunks=chunks, count=len(rows), spans=premise_ranges(rows))

    def load(self, rows: list[tuple], prepared: PackedRows | None = None, ready=None) -> LoadCounts:
        """Load a batch: its row tuples, or for intervals its packed rows (`rows` may then be empty).
        `ready` is called once, when the rows are about to be sent."""
        count = prepared.count if prepared is not None else len(rows)
        if not count:
            return LoadCounts()
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            if not self.target.corrections:
                cursor.execute(f"SELECT {BATCH_SETTINGS}")
                if ready:
                    ready()
                self._stage(cursor, rows)
                cursor.execute(self._register_upsert())
                _total, loaded, revised = cursor.fetchone()
                return LoadCounts(loaded=loaded, revised=revised, unchanged=count - loaded - revised)
            prepared = prepared or self.prepare(rows)
            touched = self._lock_and_find_touched(cursor, prepared.spans)
            if ready:
                ready()
            # New data is COPYed straight in; a key repeated in the batch or stored behind the locks'
            # back makes that fail as a whole, and the batch goes through the staging table.
            if not touched and self._copy_new(cursor, prepared.chunks):
                return LoadCounts(loaded=count)
            self._stage_packed(cursor, prepared.chunks)
            if not touched:
                loaded = self._insert_new(cursor)
                if loaded is not None:
                    return LoadCounts(loaded=loaded, unchanged=count - loaded)
            premise_ids = sorted(prepared.spans)
            cursor.execute(
                self._interval_upsert(),
                {
                    "replaced_at": self.replaced_at,
                    "premise_ids": premise_ids,
                    "firsts": [prepared.spans[premise_id][0] for premise_id in premise_ids],
                    "lasts": [prepared.spans[premise_id][1] for premise_id in premise_ids],
                },
            )
            _total, loaded, revised = cursor.fetchone()
        return LoadCounts(loaded=loaded, revised=revised, unchanged=count - loaded - revised)

    # --- New data --------------------------------------------------------------------------------

    def _lock_and_find_touched(self, cursor, ranges: dict[int, tuple[int, int]]) -> list[int]:
        """Lock the batch's premises (sorted: concurrent loads cannot deadlock; a load of the same
        premise waits, and what it wrote is then visible), and return those that already have reads
        between their first and last interval of the batch."""
        premise_ids = sorted(ranges)
        lock_keys = sorted({premise_id % 2_147_483_647 for premise_id in premise_ids})
        # One round trip for the settings and the locks (each costs a wait on a busy machine).
        cursor.execute(
            f"SELECT {BATCH_SETTINGS}, (SELECT count(pg_advisory_xact_lock(%s, key)) FROM unnest(%s::int[]) AS key)",
            [PREMISE_LOCK_NAMESPACE, lock_keys],
        )
        cursor.execute(
            "SELECT batch.premise_id FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) "
            "AS batch(premise_id, first, last) "
            f"WHERE EXISTS (SELECT 1 FROM {self.target.table} stored WHERE stored.premise_id = batch.premise_id "
            "AND stored.interval_start BETWEEN to_timestamp(batch.first) AND to_timestamp(batch.last))",
            [premise_ids, [ranges[p][0] for p in premise_ids], [ranges[p][1] for p in premise_ids]],
        )
        return [row[0] for row in cursor.fetchall()]

    def _copy_new(self, cursor, chunks: list) -> bool:
        """COPY packed rows straight into the interval table. False (and nothing written) if one of
        them exists already (written behind the premise locks' back) or the batch repeats a key."""
        try:
            # The savepoint lets the fallback start from an untouched batch.
            with (
                transaction.atomic(),
                cursor.copy(f"COPY {self.target.table} ({COPY_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy,
            ):
                _write_packed(copy, chunks)
        except psycopg.errors.UniqueViolation:
            return False
        return True

    def _insert_new(self, cursor) -> int | None:
        """New rows that are not in key order (or repeat a key): deduplicated from the staging
        table and inserted without conflict handling; None when a conflict appeared after all."""
        target = self.target
        columns = ", ".join([*target.stored, "historical_correction"])
        try:
            with transaction.atomic():
                cursor.execute(
                    f"WITH {self._incoming()} INSERT INTO {target.table} ({columns}) "
                    f"SELECT {', '.join(target.stored)}, false FROM incoming ORDER BY {', '.join(target.key)}"
                )
        except psycopg.errors.UniqueViolation:
            return None
        return cursor.rowcount

    # --- Staging and upsert ----------------------------------------------------------------------

    def _stage(self, cursor, rows: list[tuple]) -> None:
        target = self.target
        definition = ", ".join(
            f"{column} {kind}" for column, kind in zip(target.columns, target.staging_types, strict=True)
        )
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.staging} ({definition}) ON COMMIT DELETE ROWS")
        cursor.execute(f"TRUNCATE {self.staging}")
        with cursor.copy(f"COPY {self.staging} ({', '.join(target.columns)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(list(target.staging_types))
            write_row = copy.write_row
            for row in rows:
                write_row(row)

    def _stage_packed(self, cursor, chunks: list) -> None:
        """Interval rows into the staging table, as they are; `line` numbers them in batch order."""
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.staging} (premise_id int8, revised_at timestamptz, "
            "meter_id int8, historical_correction bool, interval_start timestamptz, series int2, wh int4, "
            "estimated bool, line int8 GENERATED ALWAYS AS IDENTITY) ON COMMIT DELETE ROWS"
        )
        cursor.execute(f"TRUNCATE {self.staging}")
        with cursor.copy(f"COPY {self.staging} ({COPY_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
            _write_packed(copy, chunks)

    def _incoming(self) -> str:
        """The batch, one row per key (newest revision, first line among equals), typed for the table."""
        target = self.target
        packed = target.corrections  # interval rows are staged in their binary form, already typed
        selected = ", ".join(
            f"to_timestamp(staged.{column}) AS {column}"
            if column in target.epochs and not packed
            else f"staged.{column}"
            for column in target.stored
        )
        keys = ", ".join(f"staged.{column}" for column in target.key)
        return (
            f"incoming AS MATERIALIZED (SELECT DISTINCT ON ({keys}) {selected} FROM {self.staging} staged "
            f"ORDER BY {keys}, staged.revised_at DESC, staged.line)"
        )

    def _insert(self, extra_columns: dict[str, str], returning: str, source: str = "incoming") -> str:
        """INSERT ... SELECT FROM `source` ON CONFLICT DO UPDATE for a newer, different value."""
        target = self.target
        columns = list(target.stored) + list(extra_columns)
        selected = ", ".join(list(target.stored) + list(extra_columns.values()))
        differs = (
            f"({', '.join(f'EXCLUDED.{c}' for c in target.compared)}) IS DISTINCT FROM "
            f"({', '.join(f'stored.{c}' for c in target.compared)})"
        )
        updates = [f"{column} = EXCLUDED.{column}" for column in (*target.compared, "revised_at")]
        updates += [f"{column} = coalesce(EXCLUDED.{column}, stored.{column})" for column in target.carried]
        if target.corrections:
            updates.append("historical_correction = true")
        return (
            f"INSERT INTO {target.table} AS stored ({', '.join(columns)}) "
            f"SELECT {selected} FROM {source} ORDER BY {', '.join(target.key)} "
            f"ON CONFLICT ({', '.join(target.key)}) DO UPDATE SET {', '.join(updates)} "
            f"WHERE EXCLUDED.revised_at > stored.revised_at AND {differs} RETURNING {returning}"
        )

    def _interval_upsert(self) -> str:
        # `stored`: the stored reads in each premise's span of the batch; `changed`: the rows that
        # are new or replace a stored value, read in the same snapshot as the upsert (so the stored
        # values are the ones it replaces). Rows that change nothing (a file sent again) never reach
        # the conflict handling.
        stored = (
            "stored AS MATERIALIZED (SELECT stored.premise_id, stored.interval_start, stored.series, "
            "stored.revised_at, stored.wh, stored.estimated FROM unnest(%(premise_ids)s::int8[], "
            "%(firsts)s::int8[], %(lasts)s::int8[]) AS span(premise_id, first, last) "
            f"CROSS JOIN LATERAL (SELECT * FROM {self.target.table} stored WHERE stored.premise_id = span.premise_id "
            "AND stored.interval_start BETWEEN to_timestamp(span.first) AND to_timestamp(span.last)) stored)"
        )
        changed = (
            "changed AS MATERIALIZED (SELECT incoming.*, stored.revised_at AS previous_revised_at, "
            "stored.wh AS previous_wh, stored.estimated AS previous_estimated FROM incoming "
            "LEFT JOIN stored USING (premise_id, interval_start, series) "
            "WHERE stored.revised_at IS NULL OR (incoming.revised_at > stored.revised_at "
            "AND (incoming.wh, incoming.estimated) IS DISTINCT FROM (stored.wh, stored.estimated)))"
        )
        corrections = (
            f"corrections AS (INSERT INTO {IntervalCorrection._meta.db_table} (premise_id, interval_start, "
            "series, revised_at, previous_revised_at, replaced_at, previous_wh, previous_estimated) "
            "SELECT premise_id, interval_start, series, revised_at, previous_revised_at, %(replaced_at)s, "
            "previous_wh, previous_estimated FROM changed WHERE previous_revised_at IS NOT NULL "
            "ON CONFLICT DO NOTHING)"
        )
        # An insert writes historical_correction = false, an update sets it: RETURNING tells them
        # apart (a partitioned table has no xmax to ask).
        upserted = self._insert({"historical_correction": "false"}, "stored.historical_correction", source="changed")
        return (
            f"WITH {self._incoming()}, {stored}, {changed}, {corrections}, upserted AS ({upserted}) "
            "SELECT (SELECT count(*) FROM incoming), count(*) FILTER (WHERE NOT historical_correction), "
            "count(*) FILTER (WHERE historical_correction) FROM upserted"
        )

    def _register_upsert(self) -> str:
        return (
            f"WITH {self._incoming()}, upserted AS ({self._insert({}, '(stored.xmax = 0) AS inserted')}) "
            "SELECT (SELECT count(*) FROM incoming), count(*) FILTER (WHERE inserted), "
            "count(*) FILTER (WHERE NOT inserted) FROM upserted"
        )


def premise_ranges(rows: list[tuple]) -> dict[int, tuple[int, int]]:
    """First and last interval start of each premise in a batch of interval row tuples."""
    spans: dict[int, tuple[int, int]] = {}
    for premise_id, start, *_rest in rows:
        widen(spans, premise_id, start, start)
    return spans


def _write_packed(copy, chunks: list) -> None:
    copy.write(SIGNATURE)
    for chunk in chunks:
        copy.write(chunk)
    copy.write(TRAILER)
