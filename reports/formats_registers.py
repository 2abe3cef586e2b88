"""Report files of register reads: daily and monthly (billing-cycle) reads and on-demand reads, in
the Texas CSV, ISO CSV and JSON layouts `formats` describes. Written through `formats.write_export`."""

import json
from zoneinfo import ZoneInfo

from agreements.models import DataKind
from usage import selectors
from usage.models import DailyRead, MonthlyRead, OnDemandRead

from .formats import (
    ISO_DAILY_HEADER,
    ISO_MONTHLY_HEADER,
    ISO_ON_DEMAND_HEADER,
    TEXAS_DAILY_HEADER,
    TEXAS_MONTHLY_HEADER,
    TEXAS_ON_DEMAND_HEADER,
    Export,
    _json_head,
    _Labels,
    local_days,
)
from .models import ReportFormat


def _decimal(value) -> str:
    return "" if value is None else f"{value:.3f}"


def write_registers(export: Export, kind: DataKind, format: ReportFormat, sink) -> int:
    zone = ZoneInfo(export.time_zone)
    spans = local_days(export.windows, zone)
    if kind == DataKind.MONTHLY:
        reads = (
            read
            for first, last in spans
            for read in selectors.monthly_reads(premise_id=export.premise_id, first_day=first, last_day=last)
        )
    else:
        reads = (
            read
            for first, last in spans
            for read in selectors.daily_reads(premise_id=export.premise_id, first_day=first, last_day=last)
        )
    texas = format == ReportFormat.TEXAS_CSV
    stamp = _Labels(zone, "%m/%d/%Y %H:%M:%S" if texas else None)
    day_text = (lambda day: f"{day:%m/%d/%Y}") if texas else (lambda day: day.isoformat())
    esiid = f"'{export.esiid}" if texas else export.esiid
    if format == ReportFormat.JSON:
        return _json_registers(export, kind, reads, stamp, sink)
    if kind == DataKind.MONTHLY:
        sink(((TEXAS_MONTHLY_HEADER if texas else ISO_MONTHLY_HEADER) + "\n").encode())
    else:
        sink(((TEXAS_DAILY_HEADER if texas else ISO_DAILY_HEADER) + "\n").encode())
    count = 0
    for read in reads:
        revised = stamp(int(read.revised_at.timestamp()))
        if isinstance(read, MonthlyRead):
            demand = ",".join(_decimal(value) for value in _demand(read))
            line = (
                f"{esiid},{day_text(read.start_date)},{day_text(read.end_date)},{revised},"
                f"{_decimal(read.actual_kwh)},{demand}\n"
            )
        else:
            line = (
                f"{esiid},{day_text(read.read_date)},{revised},{_decimal(read.start_reading)},"
                f"{_decimal(read.end_reading)},{_decimal(read.kwh)}\n"
            )
        sink(line.encode())
        count += 1
    return count


def write_on_demand(export: Export, format: ReportFormat, sink) -> int:
    """The on-demand reads the meter answered in the period: when it read, its register, and the
    kWh since the premise's previous read (empty for the first)."""
    zone = ZoneInfo(export.time_zone)
    reads = [
        read
        for read in selectors.on_demand_reads(premise_id=export.premise_id, windows=export.windows)
        if read.status == OnDemandRead.Status.COMPLETED
    ]
    if format == ReportFormat.JSON:
        sink(_json_head(export, "reads").encode())
        items = (
            {
                "read_at": read.read_at.astimezone(zone).isoformat(),
                "register_kwh": _decimal(read.register_kwh),
                "usage_kwh": _decimal(read.usage_kwh) or None,
            }
            for read in reads
        )
        sink(",".join(json.dumps(item, separators=(",", ":")) for item in items).encode() + b"]}\n")
        return len(reads)
    texas = format == ReportFormat.TEXAS_CSV
    sink(((TEXAS_ON_DEMAND_HEADER if texas else ISO_ON_DEMAND_HEADER) + "\n").encode())
    for read in reads:
        local = read.read_at.astimezone(zone)
        when = f"'{export.esiid},{local:%m/%d/%Y,%H:%M:%S}" if texas else f"{export.esiid},{local.isoformat()}"
        sink(f"{when},{_decimal(read.register_kwh)},{_decimal(read.usage_kwh)}\n".encode())
    return len(reads)


DEMAND_NAMES = ("metered_kw", "billed_kw", "metered_kva", "billed_kva")


def _demand(read: MonthlyRead):
    return read.metered_kw, read.billed_kw, read.metered_kva, read.billed_kva


def _json_registers(export: Export, kind: DataKind, reads, stamp, sink) -> int:
    sink(_json_head(export, "reads").encode())
    count = 0
    for read in reads:
        if isinstance(read, DailyRead):
            item = {
                "read_date": read.read_date.isoformat(),
                "start_reading": _decimal(read.start_reading) or None,
                "end_reading": _decimal(read.end_reading) or None,
                "kwh": _decimal(read.kwh),
            }
        else:
            item = {
                "start_date": read.start_date.isoformat(),
                "end_date": read.end_date.isoformat(),
                "actual_kwh": _decimal(read.actual_kwh),
                **{name: _decimal(value) or None for name, value in zip(DEMAND_NAMES, _demand(read), strict=True)},
            }
        item["revised_at"] = stamp(int(read.revised_at.timestamp()))
        sink(((", " if count else "") + json.dumps(item, separators=(",", ":"))).encode())
        count += 1
    sink(b"]}\n")
    return count
