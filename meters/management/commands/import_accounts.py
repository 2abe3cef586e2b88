"""`manage.py import_accounts KIND FILE [FILE...]`: load provisioning records from CSV files.

Each line is validated by the API's input serializer and applied by the same service
(`meters.provisioning`), in its own transaction: good lines load, each rejected line is reported
as `line N: field: message` (the header is line 1), and the exit status is 1 when any was rejected.
Re-importing a file changes nothing.
"""

import csv
import sys
from collections import Counter
from itertools import islice
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework import serializers
from tqdm import tqdm

from meters.provisioning import OPERATIONS as ACCOUNT_OPERATIONS
from meters.provisioning import Operation, Outcome
from portal.errors import DomainError
from usage.provisioning import OPERATIONS as BILL_OPERATIONS

OPERATIONS = {**ACCOUNT_OPERATIONS, **BILL_OPERATIONS}

REJECTED = "rejected"


def _messages(detail, prefix: str = ""):
    """(field, message) pairs of a DRF error detail, nested fields joined with dots."""
    if isinstance(detail, dict):
        for name, inner in detail.items():
            field = "" if name in ("non_field_errors", "__all__") else name
            yield from _messages(inner, f"{prefix}.{field}" if prefix and field else prefix or field)
    elif isinstance(detail, list):
        for inner in detail:
            yield from _messages(inner, prefix)
    else:
        yield prefix, str(detail)


def rejection_messages(error: Exception) -> list[tuple[str, str]]:
    if isinstance(error, serializers.ValidationError):
        return list(_messages(error.detail))
    if error.fields:
        return list(_messages(error.fields))
    return [("", error.message)]


class Command(BaseCommand):
    help = (
        "Create or update label partners, customers, premises, meters, move-ins, move-outs, rate plans, "
        "programs, billing accounts, service contracts, bill statements or bill sections from CSV "
        "files with a header row whose columns are the provisioning API's field names (and the record's "
        "key). Rejected lines are reported with their line number; the good ones are loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(OPERATIONS), help="What the files hold.")
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument("--encoding", default="utf-8-sig", help="File encoding (default: UTF-8, BOM allowed).")
        parser.add_argument("--delimiter", default=",", help="Column separator (default: comma).")
        parser.add_argument("--batch-size", type=int, default=200, help="Lines committed together (default: 200).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar, even on a terminal.")

    def handle(self, *args, kind, files, encoding, delimiter, batch_size, no_progress, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        operation = OPERATIONS[kind]
        self.batch_size = batch_size
        self.progress_disabled = True if no_progress else None  # None: tqdm shows it on a terminal only
        totals: Counter = Counter()
        for path in files:
            counts = self.import_file(operation, path, encoding=encoding, delimiter=delimiter)
            totals.update(counts)
            self.stdout.write(f"{path}: {self.summary(counts)}")
        if len(files) > 1:
            self.stdout.write(f"total: {self.summary(totals)}")
        if totals[REJECTED]:
            raise CommandError(f"{totals[REJECTED]} line(s) rejected.")

    @staticmethod
    def summary(counts: Counter) -> str:
        return ", ".join(f"{counts[name]} {name}" for name in [*Outcome, REJECTED])

    def reject(self, line: int, messages: list[tuple[str, str]]) -> None:
        with tqdm.external_write_mode(file=sys.stderr):
            for field, message in messages:
                self.stderr.write(f"line {line}: {field}: {message}" if field else f"line {line}: {message}")

    def import_file(self, operation: Operation, path: Path, *, encoding: str, delimiter: str) -> Counter:
        counts: Counter = Counter()
        try:
            with path.open(encoding=encoding, newline="") as handle:
                total_lines = sum(1 for _ in handle) - 1
                handle.seek(0)
                reader = csv.reader(handle, delimiter=delimiter)
                header = [column.strip() for column in next(reader, [])]
                problem = self.header_problem(operation, header)
                if problem:
                    self.reject(1, [("", problem)])
                    counts[REJECTED] += 1
                    return counts
                self.import_rows(operation, reader, header, counts, total_lines, path.name)
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            self.stderr.write(f"{path}: cannot read: {error}")
            counts[REJECTED] += 1
        return counts

    @staticmethod
    def header_problem(operation: Operation, header: list[str]) -> str:
        if not any(header):
            return f"no header row; expected columns: {', '.join(operation.columns)}"
        unknown = [column for column in header if column not in operation.columns]
        if unknown:
            return f"unknown column(s) {', '.join(unknown)}; expected: {', '.join(operation.columns)}"
        missing = [column for column in operation.required_columns if column not in header]
        if missing:
            return f"missing required column(s): {', '.join(missing)}"
        return ""

    def import_rows(self, operation, reader, header, counts, total_lines, name) -> None:
        rows = numbered_rows(reader)
        with tqdm(total=total_lines, desc=name, unit=" lines", disable=self.progress_disabled, file=sys.stderr) as bar:
            while batch := list(islice(rows, self.batch_size)):
                # One commit per batch (each line still in its own savepoint): a rejected line
                # rolls back alone, and the load is not bound by one disk flush per line.
                with transaction.atomic():
                    for line, cells in batch:
                        self.import_row(operation, header, line, cells, counts)
                bar.update(reader.line_num - 1 - bar.n)  # physical lines read so far, less the header

    def import_row(self, operation, header, line, cells, counts) -> None:
        if not any(cell.strip() for cell in cells):
            return
        if len(cells) != len(header):
            self.reject(line, [("", f"{len(cells)} values for {len(header)} columns")])
            counts[REJECTED] += 1
            return
        # An empty cell is a value left out: the field takes its default, as in the API.
        row = {column: cell for column, cell in zip(header, cells, strict=True) if cell.strip()}
        key = row.pop(operation.key, None) if operation.key else None
        try:
            result = operation.run(row, key=key)
        except (serializers.ValidationError, DomainError) as error:
            self.reject(line, rejection_messages(error))
            counts[REJECTED] += 1
        else:
            counts[result.outcome] += 1


def numbered_rows(reader):
    """(first line number, cells) of each record; a quoted value may span several lines."""
    last_line = reader.line_num
    for cells in reader:
        line, last_line = last_line + 1, reader.line_num
        yield line, cells
