"""Interval rows in PostgreSQL's binary COPY format: the loader writes them, and the Texas parser's
fast path builds them straight from cached pieces (no tuple, no struct call per line).

Columns go in `COPY_COLUMNS` order: first those a file repeats for a premise's day (premise,
revision, meter, historical correction) as one piece, then the interval start, then series, Wh and
the estimated flag as one piece per distinct `kWh,flag,series` text. Each value is preceded by its
byte length (-1 for NULL); a binary timestamptz is int64 microseconds since 2000-01-01 UTC.
"""

import struct
from dataclasses import dataclass

COPY_COLUMNS = "premise_id, revised_at, meter_id, historical_correction, interval_start, series, wh, estimated"
SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
TRAILER = struct.pack("!h", -1)
POSTGRES_EPOCH = 946_684_800  # 2000-01-01T00:00:00Z in Unix seconds
MICROSECONDS = 1_000_000

_HEAD = struct.Struct("!hiqiqii?")  # 8 fields; premise, revised_at, meter NULL, historical_correction
_HEAD_WITH_METER = struct.Struct("!hiqiqiqi?")
_START = struct.Struct("!iq")
_VALUE = struct.Struct("!ihiii?")  # series, wh, estimated
_ROW = struct.Struct("!hiqiqii?iqihiii?")
_ROW_WITH_METER = struct.Struct("!hiqiqiqi?iqihiii?")
ROW_SIZE = _ROW.size  # of a row without a meter


@dataclass(frozen=True, slots=True)
class PackedRows:
    """A batch of interval rows ready for COPY, and what the loader needs to know about them."""

    chunks: list[bytes | bytearray]
    count: int
    spans: dict[int, tuple[int, int]]  # premise -> (first, last) interval start, epoch seconds


def _micro(epoch: int) -> int:
    return (epoch - POSTGRES_EPOCH) * MICROSECONDS


def head_piece(premise_id: int, revised_at: int, meter_id: int | None = None) -> bytes:
    if meter_id is None:
        return _HEAD.pack(8, 8, premise_id, 8, _micro(revised_at), -1, 1, False)
    return _HEAD_WITH_METER.pack(8, 8, premise_id, 8, _micro(revised_at), 8, meter_id, 1, False)


def start_piece(interval_start: int) -> bytes:
    return _START.pack(8, _micro(interval_start))


def value_piece(series: int, wh: int, estimated: bool) -> bytes:
    return _VALUE.pack(2, series, 4, wh, 1, estimated)


def pack_rows(rows) -> bytes:
    """Parsed interval row tuples (premise, start, series, wh, estimated, revised, meter, line)."""
    row, with_meter = _ROW.pack, _ROW_WITH_METER.pack
    epoch, micro = POSTGRES_EPOCH, MICROSECONDS
    return b"".join(
        row(8, 8, p, 8, (r - epoch) * micro, -1, 1, False, 8, (s - epoch) * micro, 2, k, 4, w, 1, e)
        if m is None
        else with_meter(8, 8, p, 8, (r - epoch) * micro, 8, m, 1, False, 8, (s - epoch) * micro, 2, k, 4, w, 1, e)
        for p, s, k, w, e, r, m, _line in rows
    )


def widen(spans: dict[int, tuple[int, int]], premise_id: int, first: int, last: int) -> None:
    """Make the span of `premise_id` cover [first, last]."""
    known = spans.get(premise_id)
    if known is None:
        spans[premise_id] = (first, last)
    elif first < known[0] or last > known[1]:
        spans[premise_id] = (min(known[0], first), max(known[1], last))
