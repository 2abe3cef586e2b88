"""The Texas 15-minute interval CSV (Smart Meter Texas "Energy Data 15 Min Interval").

    ESIID,USAGE_DATE,REVISION_DATE,USAGE_START_TIME,USAGE_END_TIME,USAGE_KWH,ESTIMATED_ACTUAL,CONSUMPTION_SURPLUSGENERATION
    '10443720000000001,07/01/2025,07/02/2025 06:21:01,00:00,00:15,0.858,A,Consumption

What real files contain (reference/smt.md), all accepted:
- the ESIID with a leading apostrophe; dates MM/DD/YYYY; times HH:MM local (the premise's time
  zone), with a leading space in the daily e-mail files; an end of `00:00` = the next midnight;
- kWh as `.145` or `0.858`; `A` or `E`; `Consumption` or `Surplus Generation`, interleaved or in blocks;
- the spring-forward day: 96 rows, the 4 skipped ones (02:00–03:00) with blank kWh and flag,
  which carry no data and are skipped; 92 rows (ERCOT style) works as well;
- the fall-back day: 100 rows, 01:00–02:00 twice, told apart by their order (the first is
  daylight time); the first repeated row may read `02:00,01:15`: its end time says which it is;
- the older layout without REVISION_DATE and series (consumption; the revision is the load time).

Most lines take the fast path: a split and a few dictionary look-ups. The first line of each kind
(and every line that is not perfectly regular) goes through `_full_row`, which validates every
field, explains what is wrong, and fills the caches the fast path reads. `parse` gives row tuples;
`parse_packed` (for PostgreSQL) gives binary COPY rows joined from cached pieces: one per premise
day and revision, one per interval start, one per `kWh,flag,series` text (`usage.ingest.copy_rows`).
"""

from datetime import date, datetime

from ..models import Series
from .common import (
    Ambiguous,
    LineError,
    OccurrenceCounter,
    ParsedBatch,
    PremiseDirectory,
    Rejection,
    bounded,
    check_revision,
    check_usage_day,
    parse_hhmm,
    parse_us_date,
    parse_us_datetime,
    parse_wh,
    split_quoted,
    to_epoch,
    utc_month,
)
from .copy_rows import ROW_SIZE, PackedRows, head_piece, pack_rows, start_piece, value_piece, widen

HEADER = [
    "ESIID",
    "USAGE_DATE",
    "REVISION_DATE",
    "USAGE_START_TIME",
    "USAGE_END_TIME",
    "USAGE_KWH",
    "ESTIMATED_ACTUAL",
    "CONSUMPTION_SURPLUSGENERATION",
]
LEGACY_HEADER = ["ESIID", "USAGE_DATE", "USAGE_START_TIME", "USAGE_END_TIME", "USAGE_KWH", "ESTIMATED_ACTUAL"]
SERIES_NAMES = {"consumption": Series.CONSUMPTION, "surplus generation": Series.GENERATION}
FLAGS = {"A": False, "E": True}
LINE_ENDS = ("", "\n", "\r\n")


def header_columns(line: str) -> list[str]:
    return [name.strip().upper() for name in split_quoted(line.lstrip("\ufeff").strip(), ",")]


class TexasIntervalParser:
    name = "texas_csv"
    kind = "interval"
    label = "Texas 15-minute interval CSV"
    has_header = True

    @classmethod
    def matches(cls, first_line: str) -> bool:
        return header_columns(first_line) in (HEADER, LEGACY_HEADER)

    def __init__(self, first_line: str, *, directory: PremiseDirectory, received_at: datetime):
        columns = header_columns(first_line)
        if columns not in (HEADER, LEGACY_HEADER):
            raise LineError(f"line 1 is not the header of a {self.label}: {first_line.strip()[:200]!r}")
        self.legacy = columns == LEGACY_HEADER
        self.field_count = len(columns)
        self.first_data_line = 2
        self.directory = directory
        self.received_epoch = to_epoch(received_at)
        self.occurrences = OccurrenceCounter()
        self._months: set[date] = set()  # of the batch being parsed
        self._wh: dict[str, int] = {}
        # The packed fast path's pieces, keyed by the fields as `line.split(",", 5)` gives them:
        # (ESIID, revision) -> (piece, the premise clock's interval-start pieces, premise id), and
        # the `kWh,flag,series` text -> its piece.
        self._heads: dict[tuple[str, str], tuple[bytes, dict, int]] = {}
        self._values: dict[str, bytes] = {}
        # Exact spellings real files use, line end included, so the last field needs no strip().
        self._series = {
            name + end: code for name, code in (("Consumption", 1), ("Surplus Generation", 2)) for end in LINE_ENDS
        }

    def prefetch(self, lines: list[str], fields: set[str] | None = None) -> None:
        """Resolve the batch's ESIIDs (`fields`: its ESIID fields, when worked out already)."""
        self.directory.prefetch(self.esiid_fields(lines) if fields is None else fields)

    def esiid_fields(self, lines: list[str]) -> set[str]:
        """The ESIID fields of a batch: no database, so the parse thread works them out ahead."""
        return {line.partition(",")[0] for line in lines}

    def parse(self, lines: list[str], first_line: int) -> ParsedBatch:
        batch = ParsedBatch()
        self._months = batch.months
        append = batch.rows.append
        known = self.directory.known
        wh_cache = self._wh
        series_codes = self._series
        flags = FLAGS
        fast_fields = -1 if self.legacy else 8  # the older layout always takes the full path
        number = first_line - 1
        for line in lines:
            number += 1
            fields = line.split(",")
            if len(fields) == fast_fields:
                esiid, usage_date, revision, start, end, kwh, flag, series = fields
                try:
                    premise_id, clock = known[esiid]
                    row = (
                        premise_id,
                        clock.slots[usage_date, start, end],
                        series_codes[series],
                        wh_cache[kwh],
                        flags[flag],
                        clock.revisions[revision],
                        None,
                        number,
                    )
                except KeyError:
                    pass
                else:
                    append(row)
                    continue
            row = self._slow_line(line, number, batch)
            if row is not None:
                append(row)
        return batch

    def parse_packed(self, lines: list[str], first_line: int) -> ParsedBatch:
        """As `parse`, the rows in binary COPY form (`batch.packed`) rather than tuples."""
        batch = ParsedBatch()
        self._months = batch.months
        out = bytearray()
        spans: dict[int, tuple[int, int]] = {}
        # A premise's day rarely outlasts a batch: its heads are cheap to work out again, and
        # memory stays flat however many premises and days the file holds.
        self._heads.clear()
        heads, values = self._heads, self._values
        fast_fields = -1 if self.legacy else 6  # the older layout always takes the full path
        premise, first, last = None, 0, 0  # the run of lines of one premise being read
        number = first_line - 1
        for line in lines:
            number += 1
            fields = line.split(",", 5)
            if len(fields) != fast_fields:
                self._slow_packed_line(line, number, batch, out, spans)
                continue
            esiid, usage_date, revision, start, end, value = fields
            try:
                head_bytes, pieces, premise_id = heads[esiid, revision]
                start_bytes, epoch = pieces[usage_date, start, end]
                value_bytes = values[value]
            except KeyError:
                found = self._new_pieces(esiid, usage_date, revision, start, end, value)
                if found is None:
                    self._slow_packed_line(line, number, batch, out, spans)
                    continue
                head_bytes, start_bytes, value_bytes, premise_id, epoch = found
            out += head_bytes
            out += start_bytes
            out += value_bytes
            if premise_id == premise:
                if epoch > last:
                    last = epoch
                elif epoch < first:
                    first = epoch
            else:
                if premise is not None:
                    widen(spans, premise, first, last)
                premise, first, last = premise_id, epoch, epoch
        if premise is not None:
            widen(spans, premise, first, last)
        # Every row is ROW_SIZE bytes: no row of this format names a meter.
        batch.packed = PackedRows(chunks=[out], count=len(out) // ROW_SIZE, spans=spans)
        return batch

    def _new_pieces(self, esiid, usage_date, revision, start, end, value) -> tuple | None:
        """The pieces of a regular line that the caches lack, when they need no full check: the ESIID is
        known, the revision stamp and the value are valid, and the interval start was seen before."""
        head = self._heads.get((esiid, revision)) or self._head(esiid, revision)
        value_bytes = self._values.get(value) or self._value(value)
        if head is None or value_bytes is None:
            return None
        head_bytes, pieces, premise_id = head
        slot = pieces.get((usage_date, start, end))
        if slot is None:
            return None
        return head_bytes, slot[0], value_bytes, premise_id, slot[1]

    def _head(self, esiid: str, revision: str) -> tuple | None:
        found = self.directory.known.get(esiid)
        if found is None:
            return None
        premise_id, clock = found
        try:
            revised_epoch = clock.revisions.get(revision) or self._revision(clock, revision)
        except LineError:
            return None
        head = (head_piece(premise_id, revised_epoch), clock.pieces, premise_id)
        bounded(self._heads)[esiid, revision] = head
        return head

    def _value(self, text: str) -> bytes | None:
        parts = text.split(",")
        if len(parts) != 3:
            return None
        kwh, flag, series_text = parts
        series, estimated = self._series.get(series_text), FLAGS.get(flag)
        if series is None or estimated is None:
            return None
        try:
            wh = self._wh.get(kwh)
            if wh is None:
                wh = bounded(self._wh)[kwh] = parse_wh(kwh, "USAGE_KWH")
        except LineError:
            return None
        piece = bounded(self._values)[text] = value_piece(series, wh, estimated)
        return piece

    def _slow_packed_line(self, line: str, number: int, batch: ParsedBatch, out: bytearray, spans: dict) -> None:
        row = self._slow_line(line, number, batch)
        if row is not None:
            out += pack_rows([row])
            widen(spans, row[0], row[1], row[1])

    def _slow_line(self, line: str, number: int, batch: ParsedBatch) -> tuple | None:
        if not line.strip():
            batch.skipped += 1
            return None
        fields = split_quoted(line, ",") if '"' in line else line.split(",")
        if len(fields) != self.field_count:
            batch.rejections.append(Rejection(number, f"expected {self.field_count} fields, found {len(fields)}"))
            return None
        try:
            row = self._full_row(fields, number, esiid_key=line.partition(",")[0])
        except LineError as error:
            batch.rejections.append(Rejection(number, str(error)))
            return None
        if row is None:
            batch.skipped += 1
        return row

    def _full_row(self, fields: list[str], number: int, esiid_key: str) -> tuple | None:
        """Validate every field of a line; fill the fast path's caches. None: the line has no data.
        `esiid_key` is the ESIID field as the batch's prefetch saw it."""
        if self.legacy:
            esiid, usage_date, start, end, kwh, flag = fields
            revision, series_text = None, "Consumption"
        else:
            esiid, usage_date, revision, start, end, kwh, flag, series_text = fields
        premise_id, clock = self.directory.resolve(esiid_key)
        if not kwh.strip() and not flag.strip():
            return None  # the file marks this interval as missing (as for the hour skipped in spring)
        series = SERIES_NAMES.get(series_text.strip().lower())
        if series is None:
            raise LineError(
                f"CONSUMPTION_SURPLUSGENERATION {series_text.strip()!r} is not Consumption or Surplus Generation"
            )
        start_epoch, repeated = self._interval_start(clock, usage_date, start, end, premise_id, series)
        wh = parse_wh(kwh, "USAGE_KWH")
        estimated = FLAGS.get(flag.strip().upper())
        if estimated is None:
            raise LineError(f"ESTIMATED_ACTUAL {flag.strip()!r} is not A or E")
        revised_epoch = self.received_epoch if revision is None else self._revision(clock, revision)
        if not repeated:  # a repeated time depends on the order of lines: never cached
            bounded(clock.slots)[usage_date, start, end] = start_epoch
            bounded(clock.pieces)[usage_date, start, end] = (start_piece(start_epoch), start_epoch)
        bounded(self._wh)[kwh] = wh
        return (premise_id, start_epoch, series, wh, estimated, revised_epoch, None, number)

    def _revision(self, clock, revision: str) -> int:
        stamp = parse_us_datetime(revision, "REVISION_DATE")
        epoch = check_revision(clock.stamp(stamp), "REVISION_DATE", self.received_epoch)
        bounded(clock.revisions)[revision] = epoch
        return epoch

    def _interval_start(self, clock, usage_date, start, end, premise_id, series) -> tuple[int, bool]:
        """Epoch of the interval's start, and whether it is a repeated (fall-back) local time."""
        day = parse_us_date(usage_date, "USAGE_DATE")
        check_usage_day(day, "USAGE_DATE", clock.local_date(self.received_epoch))
        start_minute = parse_hhmm(start, "USAGE_START_TIME")
        end_minute = parse_hhmm(end, "USAGE_END_TIME") or 24 * 60
        if end_minute - start_minute != 15:
            # Real fall-back files write the first repeated interval as 02:00–01:15.
            if end_minute > 15 and clock.is_repeated(day, end_minute - 15):
                start_minute = end_minute - 15
            else:
                raise LineError(
                    f"USAGE_END_TIME {end.strip()} is not 15 minutes after USAGE_START_TIME {start.strip()}"
                )
        slot = clock.start(day, start_minute)
        if isinstance(slot, Ambiguous):
            epoch = self.occurrences.resolve(slot, premise_id=premise_id, series=series)
            self._months.add(utc_month(epoch))
            return epoch, True
        self._months.add(utc_month(slot))
        return slot, False
