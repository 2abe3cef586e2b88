"""Usage rules: ingesting meter-data files (command, inbox, API all come here), loading generated
reads, and keeping the interval table's monthly partitions ahead of the data.

A file is read in batches of `BATCH_SIZE` lines: each batch is parsed (every line validated; bad
lines collected with their number and reason, the good ones kept), then loaded in its own
transaction, so memory stays flat and a file is all-or-nothing per batch. Loading a file again
changes nothing; see `usage.ingest.loader` for the revision rules.
"""

import itertools
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.errors import DomainError

from .. import partitions, webhooks
from ..ingest import FORMATS, LineError, PremiseDirectory, Rejection, detect_format
from ..ingest.common import read_batches, to_epoch, utc_month
from ..ingest.loader import LoadCounts, loader_for
from ..models import Series, kwh_to_wh

logger = logging.getLogger(__name__)

BATCH_SIZE = 100_000
MAX_REPORTED_REJECTIONS = 1_000  # kept with their reasons; beyond that only counted
INBOX_FOLDERS = ("processing", "processed", "failed")
IGNORED_SUFFIXES = (".part", ".tmp", ".partial")  # files still being written


class UsageError(DomainError):
    pass


@dataclass
class IngestResult:
    name: str
    format: str = ""
    lines: int = 0
    loaded: int = 0
    revised: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    def add(self, *, lines: int, rejections: list[Rejection], skipped: int, counts: LoadCounts) -> None:
        self.lines += lines
        self.loaded += counts.loaded
        self.revised += counts.revised
        self.unchanged += counts.unchanged
        self.skipped += skipped
        self.rejected += len(rejections)
        room = MAX_REPORTED_REJECTIONS - len(self.rejections)
        if room > 0:
            self.rejections.extend(rejections[:room])

    def as_dict(self) -> dict:
        return {
            "file": self.name,
            "format": self.format,
            "lines": self.lines,
            "loaded": self.loaded,
            "revised": self.revised,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "rejections": [{"line": item.line, "reason": item.reason} for item in self.rejections],
            "rejections_truncated": self.rejected > len(self.rejections),
        }

    def report(self) -> str:
        """The plain-text report the command prints and the inbox writes next to the file."""
        lines = [
            f"file: {self.name}",
            f"format: {self.format}",
            f"data lines: {self.lines}",
            f"loaded: {self.loaded}",
            f"revised: {self.revised}",
            f"unchanged: {self.unchanged}",
            f"skipped (no data): {self.skipped}",
            f"rejected: {self.rejected}",
        ]
        lines += [f"  line {item.line}: {item.reason}" for item in self.rejections]
        if self.rejected > len(self.rejections):
            lines.append(f"  … and {self.rejected - len(self.rejections)} more rejected lines")
        return "\n".join(lines) + "\n"


# --- Files --------------------------------------------------------------------------------------


def ingest_file(
    *,
    path: str | Path,
    format: str | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> IngestResult:
    """Ingest one file from disk (see `ingest_stream`)."""
    path = Path(path)
    with path.open(encoding="utf-8-sig", errors="replace", newline=None) as stream:
        return ingest_stream(stream=stream, name=path.name, format=format, progress=progress, batch_size=batch_size)


def ingest_stream(
    *,
    stream: Iterable[str],
    name: str,
    format: str | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> IngestResult:
    """Ingest a text stream of meter data: the format is detected from its first line unless given
    (`texas_csv`, `tab_utc`, `daily_csv`, `monthly_csv`). `progress` is called with the number of
    characters read after each batch. Raises UsageError when the file cannot be read as a format."""
    received_at = timezone.now()
    lines = iter(stream)
    first_line = next(lines, "")
    parser = _parser(first_line, format=format, received_at=received_at)
    result = IngestResult(name=name, format=parser.name)
    if parser.has_header:
        _report_progress(progress, len(first_line))
    else:
        lines = itertools.chain([first_line], lines)
    loader = loader_for(parser.kind, replaced_at=received_at)
    partitioned: set = set()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-parse") as worker:
        pipeline = _Pipeline(parser, loader, read_batches(lines, batch_size, parser.first_data_line), worker)
        pipeline.start_first()
        while (parsed := pipeline.parsed()) is not None:
            if parsed.months - partitioned:
                partitions.ensure_partitions(sorted(parsed.months - partitioned))
                partitioned |= parsed.months
            with transaction.atomic():
                # The next batch starts parsing once this one is about to be sent, not before: the
                # parse holds the GIL, which this thread needs for each round trip until then.
                counts = loader.load(parsed.rows, pipeline.prepared, ready=pipeline.start_next)
                webhooks.new_data(parser.kind, parsed, counts)  # sent once the batch commits
            pipeline.start_next()  # if the loader had no rows to send
            result.add(lines=pipeline.line_count, rejections=parsed.rejections, skipped=parsed.skipped, counts=counts)
            _report_progress(progress, pipeline.size)
    return result


class _Pipeline:
    """A worker thread parses a batch (pure Python, no database) and then reads the next one, while
    the calling thread loads the batch before: the database works while Python parses. Each batch's
    ESIIDs are resolved on the calling thread first, with the connection free."""

    def __init__(self, parser, loader, batches, worker: ThreadPoolExecutor):
        self.parser, self.loader, self.batches, self.worker = parser, loader, batches, worker
        # On PostgreSQL the Texas parser writes interval rows in binary COPY form itself.
        self.packed = loader.packs and hasattr(parser, "parse_packed")
        self.pending: Future | None = None
        self.following = None  # (the next batch, its ESIID fields), until its parse starts
        self.prepared = None
        self.line_count = self.size = 0

    def start_first(self) -> None:
        self.following = (next(self.batches, None), None)
        self.start_next()

    def start_next(self) -> None:
        """Start parsing the next batch (once: later calls do nothing)."""
        if self.following is None:
            return
        (batch, esiid_fields), self.following = self.following, None
        if batch is None:
            return
        if esiid_fields is None:
            self.parser.prefetch(batch[0])
        else:
            self.parser.prefetch(batch[0], esiid_fields)
        self.pending = self.worker.submit(self._parse_and_read, batch)

    def parsed(self):
        """The batch parsed last (None: the file is done); what the loader takes is in `prepared`."""
        if self.pending is None:
            return None
        parsed, self.prepared, self.line_count, self.size, self.following = self.pending.result()
        self.pending = None
        return parsed

    def _parse_and_read(self, batch):
        parser, lines, first_number = self.parser, batch[0], batch[1]
        if self.packed:
            parsed = parser.parse_packed(lines, first_number)
            prepared = parsed.packed
        else:
            parsed = parser.parse(lines, first_number)
            prepared = self.loader.prepare(parsed.rows)
        following = next(self.batches, None)
        # A parser that picks out the ESIID fields of a batch without the database does it here.
        esiid_fields = getattr(parser, "esiid_fields", None)
        fields = esiid_fields(following[0]) if esiid_fields and following else None
        return parsed, prepared, len(lines), batch[2], (following, fields)


def _parser(first_line: str, *, format: str | None, received_at: datetime):
    if not first_line.strip():
        raise UsageError("empty_file", "The file is empty.")
    if format:
        parser_class = FORMATS.get(format)
        if parser_class is None:
            raise UsageError(
                "unknown_format", f"Unknown format {format!r}; known formats: {', '.join(sorted(FORMATS))}."
            )
    else:
        parser_class = detect_format(first_line)
        if parser_class is None:
            raise UsageError(
                "unknown_format",
                f"The first line is not the header of a known format ({', '.join(sorted(FORMATS))}): "
                f"{first_line.strip()[:200]!r}",
            )
    try:
        return parser_class(first_line, directory=PremiseDirectory(), received_at=received_at)
    except LineError as error:
        raise UsageError("bad_header", str(error)) from error


def _report_progress(progress, size: int) -> None:
    if progress is not None:
        progress(size)


# --- Generated reads (seed_demo, tests, simulators) ---------------------------------------------


@dataclass(frozen=True)
class IntervalReading:
    """One interval read to load: `interval_start` aware and on a quarter hour, `kwh` exact."""

    premise_id: int
    interval_start: datetime
    kwh: Decimal
    series: int = Series.CONSUMPTION
    estimated: bool = False
    revised_at: datetime | None = None  # None: now
    meter_id: int | None = None


def load_interval_reads(*, readings: Iterable[IntervalReading], batch_size: int = BATCH_SIZE) -> LoadCounts:
    """Load interval reads generated in Python through the same loader and rules as files (COPY on
    PostgreSQL), in batches; partitions are created as needed. Returns the summed counts."""
    now = timezone.now()
    loader = loader_for("interval", replaced_at=now)
    total = LoadCounts()
    partitioned: set = set()
    iterator = iter(readings)
    line = 0
    while chunk := list(itertools.islice(iterator, batch_size)):
        rows = []
        for reading in chunk:
            line += 1
            rows.append(_interval_row(reading, line, now))
        months = {utc_month(row[1]) for row in rows} - partitioned
        if months:
            partitions.ensure_partitions(sorted(months))
            partitioned |= months
        with transaction.atomic():
            counts = loader.load(rows)
        total.loaded += counts.loaded
        total.revised += counts.revised
        total.unchanged += counts.unchanged
    return total


def _interval_row(reading: IntervalReading, line: int, now: datetime) -> tuple:
    if timezone.is_naive(reading.interval_start):
        raise UsageError("naive_time", "Interval starts must be timezone-aware.")
    start = to_epoch(reading.interval_start)
    if start % 900:
        raise UsageError("not_quarter_hour", f"{reading.interval_start.isoformat()} is not on a quarter hour.")
    try:
        wh = kwh_to_wh(reading.kwh)
    except ValueError as error:
        raise UsageError("kwh_precision", str(error)) from error
    if wh < 0:
        raise UsageError("negative_kwh", f"{reading.kwh} kWh is negative.")
    revised = to_epoch(reading.revised_at or now)
    return (reading.premise_id, start, int(reading.series), wh, reading.estimated, revised, reading.meter_id, line)


# --- Partitions ---------------------------------------------------------------------------------


def create_interval_partitions(*, months_ahead: int = 3) -> list[str]:
    """Make sure the interval table has partitions from this month to `months_ahead` months on."""
    today = timezone.now().date()
    last = today
    for _ in range(months_ahead):
        last = partitions.next_month(partitions.month_start(last))
    return partitions.ensure_partitions(partitions.months_between(today, last))


def compact_last_months_partition() -> str | None:
    """Rebuild the index of last month's interval partition (a monthly beat task, a few days into
    the month, when late files for the closed month have come in)."""
    first_of_this_month = partitions.month_start(timezone.now())
    last_month = partitions.month_start(first_of_this_month - timedelta(days=1))
    return partitions.compact_partition(last_month)


# --- Inbox --------------------------------------------------------------------------------------


@dataclass
class InboxOutcome:
    name: str
    status: str  # "processed" or "failed"
    report_path: Path
    result: IngestResult | None = None


def ingest_inbox(*, inbox: str | Path | None = None) -> list[InboxOutcome]:
    """Ingest every file dropped into the inbox folder.

    A file is claimed by moving it into `processing/` (a rename is atomic, so two workers never take
    the same file), then moved to `processed/` (loaded, possibly with rejected lines) or `failed/`
    (unreadable, unknown format, or not one line loadable), with `<name>.report.txt` next to it.
    Hidden files and names ending in .part/.tmp (still being written) are left alone.
    """
    folder = Path(inbox or settings.USAGE_INBOX_DIR)
    if not folder.is_dir():
        return []
    for name in INBOX_FOLDERS:
        (folder / name).mkdir(exist_ok=True)
    outcomes = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.name.endswith(IGNORED_SUFFIXES):
            continue
        claimed = folder / "processing" / path.name
        try:
            path.rename(claimed)
        except FileNotFoundError:  # another worker took it
            continue
        outcomes.append(_ingest_claimed(claimed, folder))
    return outcomes


def _ingest_claimed(path: Path, folder: Path) -> InboxOutcome:
    result = None
    try:
        result = ingest_file(path=path)
        loaded_any = result.loaded + result.revised + result.unchanged > 0
        status = "processed" if loaded_any or not result.rejected else "failed"
        report = result.report()
    except UsageError as error:
        status, report = "failed", f"file: {path.name}\nerror: {error.message}\n"
    except Exception as error:  # one broken file must not stop the inbox; the report says why
        logger.exception("Ingesting %s failed", path)
        status, report = "failed", f"file: {path.name}\nerror: {type(error).__name__}: {error}\n"
    destination = _free_name(folder / status / path.name)
    path.rename(destination)
    report_path = destination.with_name(destination.name + ".report.txt")
    report_path.write_text(report, encoding="utf-8")
    return InboxOutcome(name=path.name, status=status, report_path=report_path, result=result)


def _free_name(path: Path) -> Path:
    """`path`, or the same name with the time appended when a file of that name was ingested before."""
    if not path.exists():
        return path
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    return path.with_name(f"{path.stem}.{stamp}{path.suffix}")
