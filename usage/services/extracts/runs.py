"""Running a consumption extract request: pending -> running -> complete | error (with the reason).

A run holds its extract type's row lock (SELECT ... FOR UPDATE) from reading the data until the
request is complete and the type's extract-through / corrections-through have moved, in one
transaction. So runs of one type never interleave (an incremental can never publish values older
than a correction extract that passed it over), and a run started again after a dead worker (its
transaction died with its connection) redoes the whole file under the same name: the delivery
writes a temporary name and renames, so there is never half a file nor a second one. A complete
request is never run again.

Which target intervals a request extracts: those whose END lies in its period (start, end]. The
periods of consecutive requests meet, so every interval is extracted by exactly one of them, even
for day intervals of premises in another time zone than the utility's.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from meters.models import Meter, Premise

from ...models import ExtractRequest, ExtractType
from ...tou import TouCalendar
from .. import UsageError
from .layout import LineWriter
from .requests import waiting_corrections
from .shaping import Bucket, LocalDays, Shaper, premise_buckets, profile_weights

logger = logging.getLogger(__name__)

Kind = ExtractRequest.Kind
Status = ExtractRequest.Status
Write = Callable[[bytes], None]
# deliver(file name, produce) -> (what produce returned, size in bytes, where the file is);
# produce(write) streams the file's bytes through `write` and returns the number of rows.
Deliver = Callable[[str, Callable[[Write], Any]], tuple[Any, int, str]]
LINES_PER_WRITE = 2_000
MAX_ERROR_LENGTH = 2_000


@dataclass
class Plan:
    """What a run extracts: target intervals ending in (start, end] (premise by premise), or for
    a correction the intervals revised by corrections loaded in (start, end]."""

    start: datetime | None
    end: datetime
    file_name: str


def run_extract_request(*, request_id: int, deliver: Deliver, now: datetime | None = None) -> ExtractRequest:
    """Run the request and deliver its file; see the module's docstring. Never raises for a
    failed run: the request is left in error with the reason."""
    request = ExtractRequest.objects.get(pk=request_id)
    if request.status == Status.COMPLETE:
        return request
    ExtractRequest.objects.filter(pk=request_id).exclude(status=Status.COMPLETE).update(
        status=Status.RUNNING, started_at=now or timezone.now(), error=""
    )
    try:
        with transaction.atomic():
            extract_type = ExtractType.objects.select_for_update(of=("self",)).select_related("tou_map", "load_profile")
            extract_type = extract_type.get(pk=request.extract_type_id)
            request = ExtractRequest.objects.select_for_update().get(pk=request_id)
            if request.status == Status.COMPLETE:  # another run finished it while this one waited
                return request
            snapshot = now or timezone.now()  # every correction loaded before this is in the data read
            plan = _plan(request, extract_type)
            if plan is None:
                rows, location = 0, ""
            else:
                rows, _size, location = deliver(plan.file_name, _producer(request, extract_type, plan))
            request.status, request.rows, request.location, request.error = Status.COMPLETE, rows, location, ""
            request.file_name = plan.file_name if plan else ""
            request.finished_at = timezone.now()
            request.save(
                update_fields=["status", "rows", "location", "error", "file_name", "finished_at", "period_start"]
            )
            _advance(extract_type, request, snapshot)
            return request
    except Exception as error:  # noqa: BLE001 - whatever went wrong is the request's error, with its reason
        reason = getattr(error, "message", "") or str(error) or type(error).__name__
        if isinstance(error, UsageError):
            logger.warning("Extract request %s failed: %s", request_id, reason)
        else:
            logger.exception("Extract request %s failed", request_id)
        ExtractRequest.objects.filter(pk=request_id).update(
            status=Status.ERROR, error=reason[:MAX_ERROR_LENGTH], finished_at=timezone.now()
        )
        return ExtractRequest.objects.get(pk=request_id)


def _plan(request: ExtractRequest, extract_type: ExtractType) -> Plan | None:
    """The period this run extracts, checked against the type's pointers; None when another
    request already covered it."""
    if request.kind == Kind.INITIAL:
        return Plan(request.period_start, request.period_end, _file_name(request, extract_type))
    extracted_through = extract_type.extract_through
    if extracted_through is None:
        raise UsageError("no_initial_load", f"{extract_type} has no extract-through: run an initial load first.")
    if request.kind == Kind.INCREMENTAL:
        if extracted_through >= request.period_end:
            return None
        if extracted_through < request.period_start:
            raise UsageError(
                "gap",
                f"{extract_type} is extracted through {extracted_through:%Y-%m-%d %H:%M}Z only, before this "
                f"incremental's start {request.period_start:%Y-%m-%d %H:%M}Z: the data in between would be skipped.",
            )
        request.period_start = extracted_through  # an initial load may have moved it on since
        return Plan(request.period_start, request.period_end, _file_name(request, extract_type))
    corrections_through = extract_type.corrections_through
    if corrections_through is not None and corrections_through >= request.period_end:
        return None
    start = max(filter(None, [request.period_start, corrections_through]), default=None)
    return Plan(start, request.period_end, _file_name(request, extract_type))


def _advance(extract_type: ExtractType, request: ExtractRequest, snapshot: datetime) -> None:
    """Move the type's pointers once the file is delivered (inside the run's transaction)."""
    changed = []
    if request.kind in (Kind.INITIAL, Kind.INCREMENTAL) and (
        extract_type.extract_through is None or extract_type.extract_through < request.period_end
    ):
        extract_type.extract_through = request.period_end
        changed.append("extract_through")
    if request.kind == Kind.CORRECTION and request.file_name:
        extract_type.corrections_through = request.period_end
        changed.append("corrections_through")
    elif request.kind == Kind.INITIAL and extract_type.corrections_through is None:
        extract_type.corrections_through = snapshot  # corrections loaded before the load are in it
        changed.append("corrections_through")
    if changed:
        extract_type.save(update_fields=changed)


def _file_name(request: ExtractRequest, extract_type: ExtractType) -> str:
    """Fixed by the request, so a run done again replaces its file rather than adding one."""

    def stamp(moment):
        return f"{moment:%Y%m%dT%H%M}Z" if moment else "start"

    start, end = (moment.astimezone(UTC) if moment else None for moment in (request.period_start, request.period_end))
    return f"{extract_type.code}_{request.kind}_{request.pk}_{stamp(start)}_{stamp(end)}.tsv"


def _producer(request: ExtractRequest, extract_type: ExtractType, plan: Plan):
    shaper = _shaper(extract_type)
    writer = LineWriter(unit=extract_type.unit, with_tou=extract_type.tou_map_id is not None)

    def produce(write: Write) -> int:
        write(writer.header_line().encode())
        lines, rows = [], 0
        for premise, buckets in _premise_buckets(request, extract_type, plan, shaper):
            meter = premise.meter_number or ""
            for line in writer.lines(esiid=premise.esiid, meter=meter, zone=premise.days.zone, buckets=buckets):
                lines.append(line)
                if len(lines) >= LINES_PER_WRITE:
                    write("".join(lines).encode())
                    rows += len(lines)
                    lines.clear()
        write("".join(lines).encode())
        return rows + len(lines)

    return produce


def _shaper(extract_type: ExtractType) -> Shaper:
    tou = None
    if extract_type.tou_map_id is not None:
        tou = TouCalendar(extract_type.tou_map)
    weights = None
    if extract_type.load_profile_id is not None:
        try:
            weights = profile_weights(extract_type.load_profile.weights)
        except ValueError as error:
            raise UsageError("bad_load_profile", f"The load profile {extract_type.load_profile}: {error}.") from None
    return Shaper(interval_minutes=extract_type.interval_minutes, tou=tou, weights=weights)


class _Premise:
    def __init__(self, pk: int, esiid: str, time_zone: str, meter_number: str | None, zones: dict):
        self.pk, self.esiid, self.meter_number = pk, esiid, meter_number
        if time_zone not in zones:
            try:
                zones[time_zone] = LocalDays(time_zone)
            except (ValueError, KeyError) as error:
                raise UsageError("bad_time_zone", f"Premise {esiid} has an unknown time zone {time_zone!r}.") from error
        self.days = zones[time_zone]


def _premises(queryset) -> Iterator[_Premise]:
    current_meter = (
        Meter.objects.filter(premise=OuterRef("pk"), commodity=Meter.Commodity.ELECTRIC, removed_on__isnull=True)
        .order_by("-installed_on", "-pk")
        .values("meter_number")[:1]
    )
    zones: dict[str, LocalDays] = {}
    rows = (
        queryset.annotate(current_meter=Subquery(current_meter))
        .order_by("pk")
        .values_list("pk", "esiid", "time_zone", "current_meter")
        .iterator(chunk_size=2_000)
    )
    for pk, esiid, time_zone, meter_number in rows:
        yield _Premise(pk, esiid, time_zone, meter_number, zones)


def _premise_buckets(request, extract_type, plan: Plan, shaper: Shaper) -> Iterator[tuple[_Premise, Iterator[Bucket]]]:
    if request.kind == Kind.CORRECTION:
        yield from _corrected_buckets(extract_type, plan, shaper)
        return
    start, end = int(plan.start.timestamp()), int(plan.end.timestamp())
    for premise in _premises(Premise.objects.filter(status=Premise.Status.ACTIVE)):
        yield (
            premise,
            premise_buckets(
                premise_id=premise.pk,
                days=premise.days,
                shaper=shaper,
                read_from=shaper.floor(start, premise.days),
                read_to=end,
                keep=lambda bucket, end=end: bucket.end <= end,
            ),
        )


def _corrected_buckets(extract_type: ExtractType, plan: Plan, shaper: Shaper):
    """Per premise with corrections in the plan's load window: the target intervals holding a
    revised quarter hour, extracted whole with today's values, if they end on or before the
    extract-through (later ones are still to come with an incremental)."""
    extracted_through = int(extract_type.extract_through.timestamp())
    corrections = waiting_corrections(extract_type, until=plan.end)
    if plan.start is not None:
        corrections = corrections.filter(replaced_at__gt=plan.start)
    revised = (
        corrections.order_by("premise_id", "interval_start", "series")
        .values_list("premise_id", "interval_start", "series")
        .distinct()
        .iterator(chunk_size=5_000)
    )
    for premise_id, group in groupby(revised, key=lambda row: row[0]):
        premise = next(_premises(Premise.objects.filter(pk=premise_id)), None)
        if premise is None:
            continue
        affected = {(shaper.floor(int(start.timestamp()), premise.days), series) for _pk, start, series in group}
        yield premise, _affected_buckets(premise, shaper, affected, extracted_through)


def _affected_buckets(premise: _Premise, shaper: Shaper, affected: set, extracted_through: int) -> Iterator[Bucket]:
    days = premise.days
    local_days = sorted({days.local_date(start) for start, _series in affected})
    runs: list[list] = []  # consecutive local days read with one query
    for day in local_days:
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    for run in runs:
        yield from premise_buckets(
            premise_id=premise.pk,
            days=days,
            shaper=shaper,
            read_from=days.midnight(run[0]),
            read_to=days.bounds(run[-1])[1],
            keep=lambda bucket: (bucket.start, bucket.series) in affected and bucket.end <= extracted_through,
        )
