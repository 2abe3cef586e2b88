"""Helpers for the usage tests: files written the way real meter-data files are."""

import io

import pytest
from django.db import connection

from usage import services

TEXAS_HEADER = (
    "ESIID,USAGE_DATE,REVISION_DATE,USAGE_START_TIME,USAGE_END_TIME,USAGE_KWH,ESTIMATED_ACTUAL,"
    "CONSUMPTION_SURPLUSGENERATION"
)

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: partitions and the COPY loader (SQLite keeps a plain table)",
)


def ingest_text(text: str, name: str = "IntervalData.csv", **options) -> services.IngestResult:
    return services.ingest_stream(stream=io.StringIO(text), name=name, **options)


def texas_file(*rows: str, header: str = TEXAS_HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def texas_row(
    esiid: str,
    usage_date: str,
    start: str,
    end: str,
    kwh: str = "0.500",
    flag: str = "A",
    series: str = "Consumption",
    revision: str | None = None,
) -> str:
    revision = revision or f"{usage_date} 06:00:00"
    return f"'{esiid},{usage_date},{revision},{start},{end},{kwh},{flag},{series}"


def texas_day(esiid: str, usage_date: str, *, kwh: str = "0.250", revision: str | None = None, series="Consumption"):
    """96 rows of one ordinary day, 00:00–00:15 … 23:45–00:00."""
    rows = []
    for quarter in range(96):
        start = f"{quarter // 4:02d}:{quarter % 4 * 15:02d}"
        following = (quarter + 1) % 96
        end = f"{following // 4:02d}:{following % 4 * 15:02d}"
        rows.append(texas_row(esiid, usage_date, start, end, kwh=kwh, revision=revision, series=series))
    return rows
