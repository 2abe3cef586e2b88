"""Helpers for the consumption-extract tests: quarter hours of whole local days loaded through the
real loader, a delivery that keeps files in memory, and extract files read back as dicts."""

import io
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from usage import services
from usage.models import ExtractType, Series
from usage.services.extracts import run_extract_request

CHICAGO = ZoneInfo("America/Chicago")
SPRING_FORWARD = date(2025, 3, 9)  # 23 hours in Chicago: 92 quarter hours
FALL_BACK = date(2025, 11, 2)  # 25 hours: 100 quarter hours
ORDINARY = date(2025, 6, 10)  # a Tuesday


def quarter_starts(day: date, zone: ZoneInfo = CHICAGO) -> list[datetime]:
    """UTC starts of the quarter hours of a local day."""
    start = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    return [start + timedelta(minutes=15 * index) for index in range(int((end - start).total_seconds()) // 900)]


def load_day(
    premise, day: date, wh=lambda index: index + 1, *, series=Series.CONSUMPTION, estimated=False, revised=None
):
    """Quarter hours of `day` (the premise's zone) with `wh(index)` watt-hours each; returns the starts."""
    starts = quarter_starts(day, ZoneInfo(premise.time_zone))
    services.load_interval_reads(
        readings=[
            services.IntervalReading(
                premise_id=premise.pk,
                interval_start=start,
                kwh=Decimal(wh(index)).scaleb(-3),
                series=series,
                estimated=estimated(index) if callable(estimated) else estimated,
                revised_at=revised or datetime.combine(day + timedelta(days=1), time(6), tzinfo=UTC),
            )
            for index, start in enumerate(starts)
        ]
    )
    return starts


class Outbox:
    """A `deliver` callable keeping each file's bytes by name (a name put again is replaced)."""

    def __init__(self, fail_with: Exception | None = None):
        self.files: dict[str, bytes] = {}
        self.fail_with = fail_with
        self.deliveries = 0

    def __call__(self, name, produce):
        if self.fail_with is not None:
            raise self.fail_with
        buffer = io.BytesIO()
        rows = produce(buffer.write)
        self.files[name] = buffer.getvalue()
        self.deliveries += 1
        return rows, len(self.files[name]), f"memory/{name}"


def run(request, outbox: Outbox | None = None, **options):
    outbox = outbox if outbox is not None else Outbox()
    request = run_extract_request(request_id=request.pk, deliver=outbox, **options)
    return request, outbox


def lines_of(content: bytes) -> list[dict]:
    """The file's data lines as dicts by header column."""
    header, *lines = content.decode().splitlines()
    columns = header.split("\t")
    return [dict(zip(columns, line.split("\t"), strict=True)) for line in lines]


def extract_type(**fields) -> ExtractType:
    fields.setdefault("code", f"type-{ExtractType.objects.count() + 1}")
    fields.setdefault("name", fields["code"])
    return ExtractType.objects.create(**fields)
