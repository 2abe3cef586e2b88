"""The Texas parser's packed fast path (binary COPY rows joined from cached pieces, used on
PostgreSQL) says exactly what the row-tuple parse says, line for line, rejection for rejection."""

import struct
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from tests.factories import PremiseFactory
from usage.ingest import PremiseDirectory
from usage.ingest.copy_rows import POSTGRES_EPOCH, ROW_SIZE
from usage.ingest.texas_csv import TexasIntervalParser

from .conftest import TEXAS_HEADER, texas_day, texas_row

pytestmark = pytest.mark.django_db

ROW = struct.Struct("!hiqiqii?iqihiii?")  # the layout of usage.ingest.copy_rows.COPY_COLUMNS


def _parser(header: str = TEXAS_HEADER) -> TexasIntervalParser:
    received_at = timezone.make_aware(datetime(2025, 11, 20, 12, 0), UTC)
    return TexasIntervalParser(header, directory=PremiseDirectory(), received_at=received_at)


def _decoded(packed) -> list[tuple]:
    """(premise, interval start, series, wh, estimated, revised_at) of each packed row, epochs in seconds."""
    payload = b"".join(packed.chunks)
    assert len(payload) == packed.count * ROW_SIZE
    rows = []
    for fields in ROW.iter_unpack(payload):
        premise_id, revised, meter_length, start, series, wh, estimated = (
            fields[2],
            fields[4],
            fields[5],
            fields[9],
            fields[11],
            fields[13],
            fields[15],
        )
        assert meter_length == -1 and fields[7] is False  # no meter; not a correction
        rows.append(
            (
                premise_id,
                start // 1_000_000 + POSTGRES_EPOCH,
                series,
                wh,
                estimated,
                revised // 1_000_000 + POSTGRES_EPOCH,
            )
        )
    return rows


def _both(lines: list[str], header: str = TEXAS_HEADER, batch_size: int = 50):
    """Parse `lines` in batches both ways (fresh parsers); return (tuple batches, packed batches)."""
    plain, packed = _parser(header), _parser(header)
    plain_batches, packed_batches = [], []
    for start in range(0, len(lines), batch_size):
        batch = lines[start : start + batch_size]
        plain.prefetch(batch)
        packed.prefetch(batch)
        plain_batches.append(plain.parse(batch, start + 2))
        packed_batches.append(packed.parse_packed(batch, start + 2))
    return plain_batches, packed_batches


def _assert_same(plain_batches, packed_batches) -> None:
    for plain, packed in zip(plain_batches, packed_batches, strict=True):
        assert _decoded(packed.packed) == [row[:6] for row in plain.rows]
        assert packed.count == len(plain.rows)
        assert packed.rejections == plain.rejections
        assert packed.skipped == plain.skipped
        assert packed.months == plain.months
        assert packed.spans == plain.spans


def _fall_back_day(esiid: str) -> list[str]:
    """11/02/2025 as SMT writes it: 01:00–02:00 twice, the first repeat written 02:00,01:15."""
    minutes = list(range(0, 120, 15)) + list(range(60, 24 * 60, 15))
    rows = []
    for index, minute in enumerate(minutes):
        start = f"{minute // 60:02d}:{minute % 60:02d}"
        end = f"{(minute + 15) // 60 % 24:02d}:{(minute + 15) % 60:02d}"
        if index == 8:
            start = "02:00"
        for series in ("Consumption", "Surplus Generation"):
            rows.append(texas_row(esiid, "11/02/2025", start, end, kwh=f".{index:03d}", series=series))
    return rows


def test_packed_rows_of_ordinary_dst_and_odd_lines_are_the_rows_the_plain_parse_gives():
    first, second = PremiseFactory(), PremiseFactory()
    lines = [
        *texas_day(first.esiid, "11/01/2025", revision="11/02/2025 06:00:00"),
        *_fall_back_day(first.esiid),
        *texas_day(second.esiid, "11/01/2025", kwh="1.5", series="Surplus Generation"),
        *_fall_back_day(second.esiid),
        texas_row(first.esiid, "11/03/2025", " 00:00", " 00:15") + "\r",  # a daily e-mail file's spaces, CRLF
        f'"\'{first.esiid}",11/03/2025,11/04/2025 06:00:00,00:15,00:30,"0.5",A,Consumption',  # quoted
        texas_row(first.esiid, "11/03/2025", "00:30", "00:45", kwh="", flag=""),  # marked missing
        "",
    ]

    _assert_same(*_both([line + "\n" for line in lines]))


def test_bad_lines_after_good_ones_of_the_same_shape_are_rejected_as_the_plain_parse_rejects_them():
    premise = PremiseFactory()
    esiid = premise.esiid
    good = texas_day(esiid, "07/01/2025")
    bad = [
        texas_row(esiid, "07/01/2025", "00:00", "00:15", kwh="0.1234"),
        texas_row(esiid, "07/01/2025", "00:00", "00:15", flag="X"),
        texas_row(esiid, "07/01/2025", "00:00", "00:15", series="Net"),
        texas_row(esiid, "07/01/2025", "00:00", "00:30"),
        texas_row(esiid, "07/01/2025", "00:00", "00:15", revision="07/01/2099 06:00:00"),
        texas_row(esiid, "07/01/2025", "00:00", "00:15") + ",extra",
        texas_row(esiid, "07/01/2025", "00:00", "00:15").rsplit(",", 1)[0],
        texas_row("10443720099999999", "07/01/2025", "00:00", "00:15"),
        texas_row(esiid, "07/01/2025", "00:00", "00:15", kwh="", flag="A"),
    ]

    plain_batches, packed_batches = _both([line + "\n" for line in good + bad + good], batch_size=1000)

    _assert_same(plain_batches, packed_batches)
    assert [item.line for item in packed_batches[0].rejections] == list(range(98, 98 + len(bad)))


def test_the_older_layout_packs_the_same_rows():
    premise = PremiseFactory()
    header = "ESIID,USAGE_DATE,USAGE_START_TIME,USAGE_END_TIME,USAGE_KWH,ESTIMATED_ACTUAL"
    lines = [f"'{premise.esiid},07/01/2025,00:{minute:02d},00:{minute + 15:02d},0.858,A\n" for minute in (0, 15, 30)]

    _assert_same(*_both(lines, header=header))
