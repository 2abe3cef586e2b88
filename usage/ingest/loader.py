"""Write parsed rows to the read tables.

PostgreSQL: binary COPY (psycopg 3) into a temporary staging table, then ONE set-based upsert:
INSERT ... SELECT ... ON CONFLICT DO UPDATE ... WHERE the revision is newer and the value differs,
with the replaced interval values captured in the same statement (a data-modifying CTE).
Elsewhere (SQLite): the same rules with a look-up of the stored rows and executemany.

The rules, for every kind of read:
- a key not stored yet is inserted (counted as loaded);
- a later revision with a different value replaces the stored one (revised); for intervals the
  replaced value is kept in IntervalCorrection and the row is flagged `historical_correction`;
- an equal or older revision, or a later one with the same value, changes nothing (unchanged);
- the same key twice in one batch: the newest revision wins, the first line among equals.
Each call is one batch; the caller holds the transaction.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from ..models import DailyRead, IntervalCorrection, IntervalRead, MonthlyRead
from .common import from_epoch

# Two-key advisory lock namespace serializing loads of the same premise (the second key is the
# premise id folded into an int); see PostgresLoader._touched_premises.
PREMISE_LOCK_NAMESPACE = 0x55534149


@dataclass
class LoadCounts:
    loaded: int = 0
    revised: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class Target:
    """How one kind of parsed row maps onto its table."""

    kind: str
    model: type
    columns: tuple[str, ...]  # of the parsed row tuples, in order; the last one is always "line"
    staging_types: tuple[str, ...]  # PostgreSQL types of those columns, for the binary COPY
    key: tuple[str, ...]  # premise_id, the ranged column, then the rest of the primary key
    compared: tuple[str, ...]  # a newer revision changes the row only when one of these differs
    carried: tuple[str, ...] = ()  # replaced along with the value when given (NULL keeps the stored one)
    epochs: tuple[str, ...] = ("revised_at",)  # columns the parsers give as epoch seconds
    corrections: bool = False

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def stored(self) -> tuple[str, ...]:
        return tuple(column for column in self.columns if column != "line")

    def index(self, column: str) -> int:
        return self.columns.index(column)


TARGETS = {
    "interval": Target(
        kind="interval",
        model=IntervalRead,
        columns=("premise_id", "interval_start", "series", "wh", "estimated", "revised_at", "meter_id", "line"),
        staging_types=("int8", "int8", "int2", "int4", "bool", "int8", "int8", "int4"),
        key=("premise_id", "interval_start", "series"),
        compared=("wh", "estimated"),
        carried=("meter_id",),
        epochs=("interval_start", "revised_at"),
        corrections=True,
    ),
    "daily": Target(
        kind="daily",
        model=DailyRead,
        columns=("premise_id", "read_date", "revised_at", "start_reading", "end_reading", "kwh", "line"),
        staging_types=("int8", "date", "int8", "numeric", "numeric", "numeric", "int4"),
        key=("premise_id", "read_date"),
        compared=("start_reading", "end_reading", "kwh"),
    ),
    "monthly": Target(
        kind="monthly",
        model=MonthlyRead,
        columns=(
            "premise_id",
            "start_date",
            "end_date",
            "revised_at",
            "actual_kwh",
            "metered_kw",
            "billed_kw",
            "metered_kva",
            "billed_kva",
            "line",
        ),
        staging_types=("int8", "date", "date", "int8", "numeric", "numeric", "numeric", "numeric", "numeric", "int4"),
        key=("premise_id", "start_date"),
        compared=("end_date", "actual_kwh", "metered_kw", "billed_kw", "metered_kva", "billed_kva"),
    ),
}


def loader_for(kind: str, *, replaced_at: datetime):
    target = TARGETS[kind]
    if connection.vendor == "postgresql":
        return PostgresLoader(target, replaced_at=replaced_at)
    return PlainLoader(target, replaced_at=replaced_at)


# --- PostgreSQL ---------------------------------------------------------------------------------


class PostgresLoader:
    def __init__(self, target: Target, *, replaced_at: datetime):
        self.target = target
        self.replaced_at = replaced_at
        self.staging = f"usage_staging_{target.kind}"

    def load(self, rows: list[tuple]) -> LoadCounts:
        if not rows:
            return LoadCounts()
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            self._stage(cursor, rows)
            cursor.execute("SET LOCAL work_mem = '64MB'")  # the batch's sort stays in memory
            if self.target.corrections:
                touched = self._touched_premises(cursor)
                cursor.execute(self._interval_upsert(with_corrections=bool(touched)), self._params(touched))
                total, loaded, revised = cursor.fetchone()
            else:
                cursor.execute(self._register_upsert())
                total, loaded, revised = cursor.fetchone()
        return LoadCounts(loaded=loaded, revised=revised, unchanged=len(rows) - loaded - revised)

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

    def _touched_premises(self, cursor) -> list[int]:
        """Premises of this batch that already have reads in its time range, after locking every
        premise of the batch (in one order, so concurrent loads cannot deadlock): a concurrent load
        of the same premise waits, and the upsert's snapshot then sees what it wrote."""
        cursor.execute(
            f"SELECT pg_advisory_xact_lock({PREMISE_LOCK_NAMESPACE}, lock_key) FROM ("
            f"SELECT DISTINCT (premise_id % 2147483647)::int AS lock_key FROM {self.staging} ORDER BY 1) keys"
        )
        cursor.execute(
            "SELECT batch.premise_id FROM (SELECT premise_id, min(interval_start) AS first, "
            f"max(interval_start) AS last FROM {self.staging} GROUP BY premise_id) batch "
            f"WHERE EXISTS (SELECT 1 FROM {self.target.table} stored "
            "WHERE stored.premise_id = batch.premise_id "
            "AND stored.interval_start BETWEEN to_timestamp(batch.first) AND to_timestamp(batch.last))"
        )
        return [row[0] for row in cursor.fetchall()]

    def _params(self, touched: list[int]) -> dict:
        return {"touched": touched, "replaced_at": self.replaced_at}

    def _incoming(self) -> str:
        """The batch, one row per key (newest revision, first line among equals), typed for the table."""
        target = self.target
        selected = ", ".join(
            f"to_timestamp(staged.{column}) AS {column}" if column in target.epochs else f"staged.{column}"
            for column in target.stored
        )
        keys = ", ".join(f"staged.{column}" for column in target.key)
        return (
            f"incoming AS MATERIALIZED (SELECT DISTINCT ON ({keys}) {selected} FROM {self.staging} staged "
            f"ORDER BY {keys}, staged.revised_at DESC, staged.line)"
        )

    def _insert(self, extra_columns: dict[str, str], returning: str) -> str:
        """INSERT ... SELECT FROM incoming ON CONFLICT DO UPDATE for a newer, different value."""
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
            f"SELECT {selected} FROM incoming ORDER BY {', '.join(target.key)} "
            f"ON CONFLICT ({', '.join(target.key)}) DO UPDATE SET {', '.join(updates)} "
            f"WHERE EXCLUDED.revised_at > stored.revised_at AND {differs} RETURNING {returning}"
        )

    def _interval_upsert(self, *, with_corrections: bool) -> str:
        ctes = [self._incoming()]
        if with_corrections:
            # Same snapshot as the upsert, so these are the values it replaces; only premises that
            # had reads in range are joined (a fresh day costs no look-up per row).
            ctes.append(
                "previous AS (SELECT incoming.premise_id, incoming.interval_start, incoming.series, "
                "incoming.revised_at, stored.revised_at AS previous_revised_at, stored.wh AS previous_wh, "
                "stored.estimated AS previous_estimated FROM incoming JOIN "
                f"{self.target.table} stored USING (premise_id, interval_start, series) "
                "WHERE incoming.premise_id = ANY(%(touched)s) AND incoming.revised_at > stored.revised_at "
                "AND (incoming.wh, incoming.estimated) IS DISTINCT FROM (stored.wh, stored.estimated))"
            )
            ctes.append(
                f"corrections AS (INSERT INTO {IntervalCorrection._meta.db_table} (premise_id, interval_start, "
                "series, revised_at, previous_revised_at, replaced_at, previous_wh, previous_estimated) "
                "SELECT premise_id, interval_start, series, revised_at, previous_revised_at, %(replaced_at)s, "
                "previous_wh, previous_estimated FROM previous ON CONFLICT DO NOTHING)"
            )
        # An insert writes historical_correction = false, an update sets it: RETURNING tells them
        # apart (a partitioned table has no xmax to ask).
        ctes.append(f"upserted AS ({self._insert({'historical_correction': 'false'}, 'stored.historical_correction')})")
        return (
            f"WITH {', '.join(ctes)} SELECT (SELECT count(*) FROM incoming), "
            "count(*) FILTER (WHERE NOT historical_correction), count(*) FILTER (WHERE historical_correction) "
            "FROM upserted"
        )

    def _register_upsert(self) -> str:
        return (
            f"WITH {self._incoming()}, upserted AS ({self._insert({}, '(stored.xmax = 0) AS inserted')}) "
            "SELECT (SELECT count(*) FROM incoming), count(*) FILTER (WHERE inserted), "
            "count(*) FILTER (WHERE NOT inserted) FROM upserted"
        )


# --- Other databases (SQLite) -------------------------------------------------------------------


class PlainLoader:
    def __init__(self, target: Target, *, replaced_at: datetime):
        self.target = target
        self.replaced_at = replaced_at
        self.ops = connection.ops

    def load(self, rows: list[tuple]) -> LoadCounts:
        if not rows:
            return LoadCounts()
        target = self.target
        key_positions = [target.index(column) for column in target.key]
        revision = target.index("revised_at")
        newest: dict[tuple, tuple] = {}
        for row in rows:
            key = tuple(row[position] for position in key_positions)
            kept = newest.get(key)
            if kept is None or row[revision] > kept[revision]:
                newest[key] = row
        stored = self._stored(newest)
        compared = [target.index(column) for column in target.compared]
        inserts, updates, corrections = [], [], []
        for key, row in newest.items():
            old = stored.get(key)
            if old is None:
                inserts.append(row)
            elif row[revision] > old["revised_at"] and [row[i] for i in compared] != [old[c] for c in target.compared]:
                updates.append(row)
                corrections.append((key, row, old))
        self._write(inserts, updates, corrections)
        return LoadCounts(loaded=len(inserts), revised=len(updates), unchanged=len(rows) - len(inserts) - len(updates))

    def _stored(self, newest: dict[tuple, tuple]) -> dict[tuple, dict]:
        """The stored rows of the batch's keys: one ranged query per premise."""
        target = self.target
        ranged = target.key[1]
        ranges: dict[int, list] = defaultdict(list)
        for key in newest:
            ranges[key[0]].append(key[1])
        fields = [*target.key, "revised_at", *target.compared]
        found = {}
        for premise_id, values in ranges.items():
            low, high = min(values), max(values)
            if ranged in target.epochs:
                low, high = from_epoch(low), from_epoch(high)
            queryset = target.model.objects.filter(premise_id=premise_id, **{f"{ranged}__range": (low, high)})
            for record in queryset.values(*fields):
                record["revised_at"] = int(record["revised_at"].timestamp())
                if ranged in target.epochs:
                    record[ranged] = int(record[ranged].timestamp())
                found[tuple(record[column] for column in target.key)] = record
        return found

    def _db_value(self, column: str, value):
        if value is None:
            return None
        if column in self.target.epochs:
            return self.ops.adapt_datetimefield_value(from_epoch(value))
        field = self.target.model._meta.get_field(column.removesuffix("_id") if column.endswith("_id") else column)
        if field.get_internal_type() == "DateField":
            return self.ops.adapt_datefield_value(value)
        if field.get_internal_type() == "DecimalField":
            return self.ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)
        return value

    def _params(self, row: tuple, columns: tuple[str, ...]) -> list:
        return [self._db_value(column, row[self.target.index(column)]) for column in columns]

    def _write(self, inserts: list[tuple], updates: list[tuple], corrections: list[tuple]) -> None:
        target = self.target
        table = connection.ops.quote_name(target.table)
        extra = ["historical_correction"] if target.corrections else []
        with connection.cursor() as cursor:
            if inserts:
                columns = [*target.stored, *extra]
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
                    [self._params(row, target.stored) + [False] * len(extra) for row in inserts],
                )
            if updates:
                changed = [*target.compared, "revised_at"]
                assignments = [f"{column} = %s" for column in changed]
                assignments += [f"{column} = coalesce(%s, {column})" for column in target.carried]
                assignments += [f"{column} = %s" for column in extra]
                where = " AND ".join(f"{column} = %s" for column in target.key)
                cursor.executemany(
                    f"UPDATE {table} SET {', '.join(assignments)} WHERE {where}",
                    [
                        self._params(row, (*changed, *target.carried))
                        + [True] * len(extra)
                        + self._params(row, target.key)
                        for row in updates
                    ],
                )
            if corrections and target.corrections:
                self._write_corrections(cursor, corrections)

    def _write_corrections(self, cursor, corrections: list[tuple]) -> None:
        replaced_at = self.ops.adapt_datetimefield_value(self.replaced_at)
        cursor.executemany(
            f"INSERT INTO {connection.ops.quote_name(IntervalCorrection._meta.db_table)} (premise_id, interval_start, "
            "series, revised_at, previous_revised_at, replaced_at, previous_wh, previous_estimated) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                [
                    old["premise_id"],
                    self._db_value("interval_start", old["interval_start"]),
                    old["series"],
                    self._db_value("revised_at", row[self.target.index("revised_at")]),
                    self._db_value("revised_at", old["revised_at"]),
                    replaced_at,
                    old["wh"],
                    old["estimated"],
                ]
                for _key, row, old in corrections
            ],
        )
