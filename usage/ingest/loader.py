"""Write parsed rows to the read tables: `loader_for(kind)` picks the PostgreSQL loader (COPY and
set-based SQL, `usage.ingest.postgres`) or the plain one below (executemany, for SQLite).

The rules, for every kind of read and both loaders:
- a key not stored yet is inserted (counted as loaded);
- a later revision with a different value replaces the stored one (revised); for intervals the
  replaced value is kept in IntervalCorrection and the row is flagged `historical_correction`;
- an equal or older revision, or a later one with the same value, changes nothing (unchanged);
- the same key twice in one batch: the newest revision wins, the first line among equals.
Each call loads one batch; the caller holds the transaction.
"""

from collections import defaultdict
from datetime import datetime

from django.db import connection

from ..models import IntervalCorrection
from .common import from_epoch
from .postgres import PostgresLoader
from .targets import TARGETS, LoadCounts, Target

__all__ = ["TARGETS", "LoadCounts", "PlainLoader", "PostgresLoader", "loader_for"]


def loader_for(kind: str, *, replaced_at: datetime):
    target = TARGETS[kind]
    if connection.vendor == "postgresql":
        return PostgresLoader(target, replaced_at=replaced_at)
    return PlainLoader(target, replaced_at=replaced_at)


class PlainLoader:
    packs = False  # takes row tuples only

    def __init__(self, target: Target, *, replaced_at: datetime):
        self.target = target
        self.replaced_at = replaced_at
        self.ops = connection.ops
        # One converter per stored column, worked out once: building the parameters is most of the
        # time an executemany load takes, and SQLite's own adapters are slow per value.
        self.converters = {column: self._converter(column) for column in target.stored}
        self.positions = {column: target.index(column) for column in target.columns}

    def prepare(self, rows: list[tuple]) -> None:
        return None  # nothing worth doing ahead here

    def load(self, rows: list[tuple], prepared=None, ready=None) -> LoadCounts:
        if ready:
            ready()
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

    def _converter(self, column: str):
        """A function from a parsed value of `column` to its database parameter (None stays None)."""
        ops = self.ops
        if column in self.target.epochs:
            if connection.vendor == "sqlite":
                zone = connection.timezone  # SQLite keeps naive text in the connection's zone
                return lambda value: str(datetime.fromtimestamp(value, zone).replace(tzinfo=None))
            return lambda value: ops.adapt_datetimefield_value(from_epoch(value))
        field = self.target.model._meta.get_field(column.removesuffix("_id") if column.endswith("_id") else column)
        if field.get_internal_type() == "DateField":
            return ops.adapt_datefield_value
        if field.get_internal_type() == "DecimalField":
            return lambda value: ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)
        return None  # passed as it is

    def _db_value(self, column: str, value):
        convert = self.converters[column]
        return value if value is None or convert is None else convert(value)

    def _params(self, row: tuple, columns: tuple[str, ...]) -> list:
        positions, converters = self.positions, self.converters
        params = []
        for column in columns:
            value, convert = row[positions[column]], converters[column]
            params.append(value if value is None or convert is None else convert(value))
        return params

    def _write(self, inserts: list[tuple], updates: list[tuple], corrections: list[tuple]) -> None:
        target = self.target
        table = connection.ops.quote_name(target.table)
        extra = ["historical_correction"] if target.corrections else []
        with connection.cursor() as cursor:
            if inserts:
                stored = target.stored
                columns = [*stored, *extra]
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
                    [self._params(row, stored) + [False] * len(extra) for row in inserts],
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
