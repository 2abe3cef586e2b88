"""Creating consumption extract requests (seed 003): initial loads for a date range, incrementals
(everything after the type's extract-through up to the start of today) and historical corrections
(intervals revised since the last correction extract, in periods already extracted).

A type has at most one open (not complete) incremental and one open correction request: asking
again hands back the open one, its period stretched to the new cut-off, so beat firing twice or a
click next to beat never extracts a period twice. Callers queue the returned request's run.
"""

import contextlib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from ...models import ExtractRequest, ExtractType, IntervalCorrection
from .. import UsageError

Kind = ExtractRequest.Kind
Status = ExtractRequest.Status
REOPENED = (Status.PENDING, Status.ERROR)  # an open request that may take a longer period


def local_midnight(day: date) -> datetime:
    """Midnight starting `day` in the utility's time zone (settings.TIME_ZONE)."""
    return datetime.combine(day, time(), tzinfo=ZoneInfo(settings.TIME_ZONE))


def incremental_cutoff(now: datetime) -> datetime:
    """Incrementals extract up to the start of today, local time: yesterday is complete."""
    return local_midnight(timezone.localtime(now, ZoneInfo(settings.TIME_ZONE)).date())


def create_initial_load(
    *, by=None, extract_type: ExtractType, first_day: date, last_day: date, now: datetime | None = None
) -> ExtractRequest:
    """An initial load of every active premise from `first_day` to `last_day` (local days,
    inclusive). It ends yesterday at the latest: later days come with the incrementals."""
    now = now or timezone.now()
    today = timezone.localtime(now, ZoneInfo(settings.TIME_ZONE)).date()
    if first_day > last_day:
        raise UsageError("bad_range", "The first day must not be after the last day.", fields={"first_day": "after"})
    if last_day >= today:
        raise UsageError(
            "range_not_over",
            f"An initial load ends yesterday ({today - timedelta(days=1)}) at the latest; "
            "later days come with the incremental extracts.",
            fields={"last_day": "not over"},
        )
    return ExtractRequest.objects.create(
        extract_type=extract_type,
        kind=Kind.INITIAL,
        period_start=local_midnight(first_day),
        period_end=local_midnight(last_day + timedelta(days=1)),
        requested_by=by,
        created_at=now,
    )


def create_incremental(
    *, by=None, extract_type: ExtractType, now: datetime | None = None, wait: bool = True
) -> ExtractRequest:
    """The incremental from the type's extract-through to the start of today (or the open one).
    A run of the type holds its row: `wait=False` refuses at once ("busy") rather than wait."""
    now = now or timezone.now()
    cutoff = incremental_cutoff(now)
    with transaction.atomic():
        extract_type = _locked(extract_type, wait)
        extracted_through = extract_type.extract_through
        if extracted_through is None:
            raise UsageError(
                "no_initial_load", f"{extract_type}: run an initial load first; incrementals continue where it ended."
            )
        open_request = _open_request(extract_type, Kind.INCREMENTAL)
        if open_request is not None:
            return _stretched(open_request, cutoff)
        if cutoff <= extracted_through:
            raise UsageError(
                "up_to_date",
                f"{extract_type} is extracted through {timezone.localtime(extracted_through):%Y-%m-%d %H:%M}; "
                "the next incremental starts after midnight.",
            )
        return ExtractRequest.objects.create(
            extract_type=extract_type,
            kind=Kind.INCREMENTAL,
            period_start=extracted_through,
            period_end=cutoff,
            requested_by=by,
            created_at=now,
        )


def create_correction(
    *,
    by=None,
    extract_type: ExtractType,
    now: datetime | None = None,
    only_when_due: bool = False,
    wait: bool = True,
) -> ExtractRequest | None:
    """A historical-correction extract of the corrections loaded after the type's
    corrections-through up to now (or the open one). With `only_when_due`, None when no
    correction is waiting; `wait` as for `create_incremental`."""
    now = now or timezone.now()
    with transaction.atomic():
        extract_type = _locked(extract_type, wait)
        if extract_type.extract_through is None:
            raise UsageError(
                "no_initial_load", f"{extract_type}: nothing is extracted yet, so nothing can be corrected."
            )
        open_request = _open_request(extract_type, Kind.CORRECTION)
        if open_request is not None:
            return _stretched(open_request, now)
        if only_when_due and not waiting_corrections(extract_type, until=now).exists():
            return None
        return ExtractRequest.objects.create(
            extract_type=extract_type,
            kind=Kind.CORRECTION,
            period_start=extract_type.corrections_through,
            period_end=now,
            requested_by=by,
            created_at=now,
        )


def create_daily_requests(*, now: datetime | None = None) -> list[ExtractRequest]:
    """Beat ("Create Daily Consumption Extract Requests"): for each active automated-daily type,
    its incremental, and a correction extract when corrections wait. Types not yet loaded, or
    already up to date, are passed over."""
    now = now or timezone.now()
    created = []
    for extract_type in ExtractType.objects.filter(active=True, frequency=ExtractType.Frequency.DAILY).order_by("pk"):
        if extract_type.extract_through is None:
            continue
        with contextlib.suppress(UsageError):  # up to date
            created.append(create_incremental(extract_type=extract_type, now=now))
        correction = create_correction(extract_type=extract_type, now=now, only_when_due=True)
        if correction is not None:
            created.append(correction)
    return created


def retry_request(*, request: ExtractRequest) -> ExtractRequest:
    """An errored request back to pending, to be queued again."""
    if request.status != Status.ERROR:
        raise UsageError("not_in_error", f"Only a request in error is run again; this one is {request.status}.")
    ExtractRequest.objects.filter(pk=request.pk, status=Status.ERROR).update(status=Status.PENDING, error="")
    request.refresh_from_db()
    return request


def waiting_corrections(extract_type: ExtractType, *, until: datetime):
    """Corrections loaded after the type's corrections-through up to `until`, of intervals that
    start before its extract-through (already extracted)."""
    corrections = IntervalCorrection.objects.filter(
        replaced_at__lte=until, interval_start__lt=extract_type.extract_through
    )
    if extract_type.corrections_through is not None:
        corrections = corrections.filter(replaced_at__gt=extract_type.corrections_through)
    return corrections


def _locked(extract_type: ExtractType, wait: bool) -> ExtractType:
    try:
        return ExtractType.objects.select_for_update(nowait=not wait).get(pk=extract_type.pk)
    except DatabaseError as error:  # the row is locked by a run in progress
        raise UsageError(
            "busy",
            f"{extract_type} is being extracted right now: try again once that run is complete.",
            status_code=409,
        ) from error


def _open_request(extract_type: ExtractType, kind: str) -> ExtractRequest | None:
    return (
        ExtractRequest.objects.select_for_update()
        .filter(extract_type=extract_type, kind=kind)
        .exclude(status=Status.COMPLETE)
        .order_by("created_at")
        .first()
    )


def _stretched(request: ExtractRequest, until: datetime) -> ExtractRequest:
    if request.status in REOPENED and request.period_end < until:
        request.period_end = until
        request.status = Status.PENDING
        request.error = ""
        request.save(update_fields=["period_end", "status", "error"])
    return request
