"""What the daily and the monthly register CSVs share: columns found by name (Smart Meter Texas has
not published their CSV headers, so the names of its JSON APIs and the upper-case underscore
spelling are both accepted: `readDate` = `READ_DATE`), an optional revision column, and per-line
validation. Volumes are 96 times smaller than intervals, so there is no fast path here.
"""

from datetime import date, datetime

from .common import (
    LineError,
    ParsedBatch,
    PremiseDirectory,
    Rejection,
    check_revision,
    check_usage_day,
    map_columns,
    parse_us_date,
    parse_us_datetime,
    split_quoted,
    to_epoch,
)

REVISION_NAMES = {"revisiondate", "revisiondatetime", "revisedat", "lastupdate"}


class RegisterParser:
    name = ""
    kind = ""
    label = ""
    has_header = True
    columns: dict[str, set[str]] = {}  # column -> accepted header names (as `header_key` spells them)
    required: tuple[str, ...] = ()

    @classmethod
    def matches(cls, first_line: str) -> bool:
        return set(cls.required) <= set(map_columns(first_line, cls.columns))

    def __init__(self, first_line: str, *, directory: PremiseDirectory, received_at: datetime):
        self.positions = map_columns(first_line, self.columns)
        missing = [column for column in self.required if column not in self.positions]
        if missing:
            raise LineError(f"line 1 is not the header of a {self.label}: no {', '.join(missing)} column")
        self.field_count = len(split_quoted(first_line.strip(), ","))
        self.first_data_line = 2
        self.directory = directory
        self.received_epoch = to_epoch(received_at)

    def prefetch(self, lines: list[str]) -> None:
        position = self.positions["esiid"]
        rows = (self._fields(line) for line in lines)
        self.directory.prefetch({fields[position].strip() for fields in rows if len(fields) > position})

    def parse(self, lines: list[str], first_line: int) -> ParsedBatch:
        batch = ParsedBatch()
        number = first_line - 1
        for line in lines:
            number += 1
            if not line.strip():
                batch.skipped += 1
                continue
            fields = [value.strip() for value in self._fields(line)]
            if len(fields) != self.field_count:
                batch.rejections.append(Rejection(number, f"expected {self.field_count} fields, found {len(fields)}"))
                continue
            values = {column: fields[position] for column, position in self.positions.items()}
            try:
                batch.rows.append(self.row(values, number))
            except LineError as error:
                batch.rejections.append(Rejection(number, str(error)))
        return batch

    def row(self, values: dict[str, str], number: int) -> tuple:
        raise NotImplementedError

    @staticmethod
    def _fields(line: str) -> list[str]:
        return split_quoted(line, ",") if '"' in line else line.rstrip("\r\n").split(",")

    def day(self, values: dict[str, str], column: str, clock) -> date:
        return check_usage_day(
            parse_us_date(values[column], column.upper()), column.upper(), clock.local_date(self.received_epoch)
        )

    def revision(self, values: dict[str, str], clock) -> int:
        text = values.get("revision", "")
        if not text:
            return self.received_epoch
        return check_revision(
            clock.stamp(parse_us_datetime(text, "REVISION_DATE")), "REVISION_DATE", self.received_epoch
        )

    def premise(self, values: dict[str, str]):
        if not values["esiid"]:
            raise LineError("ESIID is empty")
        return self.directory.resolve(values["esiid"])
