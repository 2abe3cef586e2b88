"""What each kind of parsed row is and how it maps onto its table (shared by both loaders)."""

from dataclasses import dataclass

from ..models import DailyRead, IntervalRead, MonthlyRead


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
