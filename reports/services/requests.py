"""Report requests: created with every ESIID checked at the access gate (refused ones listed back
with their reason, the rest processed), then run as a Celery job that delivers one file per ESIID.

A run is idempotent: each ESIID's delivery is recorded in the transaction that marks its item
delivered (the file was renamed into place just before), so a run started again after a dead
worker skips what was delivered, replaces at most the one file that was in flight (same name,
same content) and never logs a read twice. Two runs at once share the work (items are claimed
with SKIP LOCKED).
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from agreements import access
from agreements import services as agreement_services
from agreements.models import Agreement, DataKind, DurationKind
from meters.models import Premise
from meters.validators import ESIID_PATTERN, normalize_esiid
from portal.models import User

from .. import emails
from ..delivery import DeliveryError, connect, destination_for
from ..formats import Export, file_name, write_export
from ..models import DataAccessLog, ReportFormat, ReportItem, ReportRequest
from ._common import ReportError, acting_third_party, add_months, day_span
from .access_log import log_access

HISTORY_MONTHS = 12
RUN_BATCH = 200  # items whose gate windows are checked together during a run
NOT_COVERED = "No agreement of yours covers this ESIID."


@dataclass(frozen=True)
class EsiidEntry:
    raw: str
    line: int | None = None

    @property
    def esiid(self) -> str:
        return normalize_esiid(self.raw)


def parse_typed_esiids(text: str | Iterable[str]) -> list[EsiidEntry]:
    """ESIIDs typed in: separated by spaces, commas, semicolons or new lines (or a list)."""
    values = re.split(r"[\s,;]+", text) if isinstance(text, str) else list(text)
    return [EsiidEntry(str(value)) for value in values if str(value).strip()]


def parse_esiid_file(lines: Iterable[str]) -> list[EsiidEntry]:
    """An uploaded file of ESIIDs, one a line; blank lines and an `ESIID` header are skipped, and
    of a CSV line only the first field counts."""
    entries = []
    for number, line in enumerate(lines, start=1):
        value = line.strip().lstrip("\ufeff").split(",")[0].strip().strip('"')
        if not value or (number == 1 and value.upper() == "ESIID"):
            continue
        entries.append(EsiidEntry(value, number))
    return entries


@dataclass
class Checked:
    """The gate's answer for the ESIIDs of a request."""

    accepted: list[tuple[EsiidEntry, Premise, list[access.Window]]]
    rejected: list[tuple[EsiidEntry, Premise | None, str, str]]  # entry, premise, code, message


# --- Creating ------------------------------------------------------------------------------------------


def create_report_request(
    *,
    by: User | None,
    third_party=None,
    kind: str,
    start_date: date,
    end_date: date,
    format: str = ReportFormat.TEXAS_CSV,
    esiids: str | Iterable[str] | None = None,
    esiid_file: Iterable[str] | None = None,
    now: datetime | None = None,
) -> ReportRequest:
    """A third party's (or a customer's own) request: one file per ESIID, typed in `esiids` or
    read from the lines of `esiid_file`. Refused ESIIDs are kept as rejected items with their
    reason; when none is left the whole request is refused."""
    now = now or timezone.now()
    customer = None
    if third_party is None and by is not None and not by.is_staff and by.third_party is None:
        customer = by
    else:
        third_party = acting_third_party(by, third_party)
    kind, format = _clean_choice(kind, DataKind, "kind"), _clean_choice(format, ReportFormat, "format")
    _check_period(start_date, end_date, now)
    if esiid_file is not None:
        entries, source = parse_esiid_file(esiid_file), ReportRequest.Source.FILE
    else:
        entries, source = parse_typed_esiids(esiids or []), ReportRequest.Source.TYPED
    return build_request(
        third_party=third_party,
        customer=customer,
        requested_by=by,
        kind=kind,
        format=format,
        start_date=start_date,
        end_date=end_date,
        entries=entries,
        source=source,
        now=now,
    )


def _clean_choice(value: str, choices, field: str) -> str:
    if value not in choices.values:
        message = f"Choose one of: {', '.join(choices.values)}."
        raise ReportError(f"invalid_{field}", message, fields={field: [message]})
    return value


def _check_period(start_date: date, end_date: date, now: datetime) -> None:
    today = timezone.localdate(now)
    earliest = add_months(today, -HISTORY_MONTHS)
    if end_date < start_date:
        raise ReportError(
            "invalid_period",
            "The period ends before it starts.",
            fields={"end_date": ["Must not be before the start."]},
        )
    if start_date < earliest:
        message = f"At most {HISTORY_MONTHS} months of history may be requested: start on {earliest:%Y-%m-%d} or later."
        raise ReportError("too_far_back", message, fields={"start_date": [message]})
    if end_date > today:
        message = "The period cannot end in the future."
        raise ReportError("future_period", message, fields={"end_date": [message]})


@transaction.atomic
def build_request(
    *,
    third_party,
    customer,
    requested_by,
    kind: str,
    format: str,
    start_date: date,
    end_date: date,
    entries: list[EsiidEntry],
    source: str,
    now: datetime,
    allow_empty: bool = False,
) -> ReportRequest:
    """Check `entries` at the gate and save the request with one item per ESIID; the run is queued
    once the transaction commits. With `allow_empty` (schedules) a request with nothing readable
    is saved as FAILED rather than refused."""
    entries = _unique(entries)
    if not entries:
        raise ReportError("no_esiids", "Give at least one ESIID.", fields={"esiids": ["Give at least one ESIID."]})
    if len(entries) > settings.REPORTS_MAX_ESIIDS:
        message = f"At most {settings.REPORTS_MAX_ESIIDS} ESIIDs per request; split the file."
        raise ReportError("too_many_esiids", message, fields={"esiids": [message]})
    checked = check_entries(
        third_party=third_party,
        customer=customer,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        entries=entries,
        now=now,
    )
    if not checked.accepted and not allow_empty:
        reasons = [f"{_label(entry)}: {message}" for entry, _premise, _code, message in checked.rejected]
        raise ReportError(
            "nothing_readable", "None of the ESIIDs may be read for this period.", fields={"esiids": reasons[:100]}
        )
    request = ReportRequest.objects.create(
        third_party=third_party,
        customer=customer,
        requested_by=requested_by,
        kind=kind,
        format=format,
        source=source,
        start_date=start_date,
        end_date=end_date,
        esiids_total=len(checked.accepted),
    )
    ReportItem.objects.bulk_create(
        [
            ReportItem(
                request=request,
                esiid=premise.esiid,
                line=entry.line,
                premise=premise,
                window_start=min(window[0] for window in windows),
                window_end=max(window[1] for window in windows),
            )
            for entry, premise, windows in checked.accepted
        ]
        + [
            ReportItem(
                request=request,
                esiid=_item_key(entry),
                line=entry.line,
                premise=premise,
                status=ReportItem.Status.REJECTED,
                reason_code=code,
                reason=message[:300],
            )
            for entry, premise, code, message in checked.rejected
        ]
    )
    if not checked.accepted:
        first = checked.rejected[0]
        _fail(request.pk, f"None of the ESIIDs may be read: {_label(first[0])}: {first[3]}", now)
        request.refresh_from_db()
        return request
    transaction.on_commit(lambda: _enqueue(request.pk))
    return request


def _enqueue(request_id: int) -> None:
    from .. import tasks  # tasks sit above services; imported late to keep the layers one way

    tasks.run_report.delay(request_id)


def _unique(entries: list[EsiidEntry]) -> list[EsiidEntry]:
    seen, unique = set(), []
    for entry in entries:
        key = _item_key(entry)
        if key not in seen:
            seen.add(key)
            unique.append(entry)
    return unique


def _item_key(entry: EsiidEntry) -> str:
    return entry.esiid[:40] or entry.raw.strip()[:40]


def _label(entry: EsiidEntry) -> str:
    return f"line {entry.line} ({entry.raw.strip()[:40]})" if entry.line else entry.raw.strip()[:40]


def check_entries(
    *, third_party, customer, kind: str, start_date: date, end_date: date, entries: list[EsiidEntry], now: datetime
) -> Checked:
    """Ask the gate about every ESIID: a few queries for all of them, one more per refused one
    (for its reason)."""
    checked = Checked(accepted=[], rejected=[])
    valid = []
    for entry in entries:
        if ESIID_PATTERN.match(entry.esiid):
            valid.append(entry)
        else:
            checked.rejected.append((entry, None, "invalid_esiid", "An ESIID is 17 to 22 digits."))
    premises = {premise.esiid: premise for premise in Premise.objects.filter(esiid__in=[e.esiid for e in valid])}
    windows = _windows(third_party, customer, kind, start_date, end_date, premises.values(), now)
    for entry in valid:
        premise = premises.get(entry.esiid)
        if premise is None:
            checked.rejected.append((entry, None, "not_covered", NOT_COVERED))
        elif premise.pk in windows:
            checked.accepted.append((entry, premise, windows[premise.pk]))
        else:
            code, message = _refusal(third_party, customer, kind, start_date, end_date, premise, now)
            checked.rejected.append((entry, premise, code, message))
    return checked


def _windows(third_party, customer, kind, start_date, end_date, premises, now) -> dict[int, list[access.Window]]:
    """Premise id -> the windows of the period the requester may read (premises grouped by time
    zone, since a period is in local days)."""
    by_zone = defaultdict(list)
    for premise in premises:
        by_zone[premise.time_zone].append(premise.pk)
    windows: dict[int, list[access.Window]] = {}
    for zone_name, premise_ids in by_zone.items():
        start, end = day_span(start_date, end_date, ZoneInfo(zone_name))
        if customer is not None:
            windows.update(
                access.customer_windows(customer=customer, premises=premise_ids, start=start, end=end, at=now)
            )
        else:
            found = access.readable_windows(
                third_party=third_party, premises=premise_ids, kind=kind, start=start, end=end, at=now
            )
            windows.update({premise_id: [window] for premise_id, window in found.items()})
    return windows


def _refusal(third_party, customer, kind, start_date, end_date, premise, now) -> tuple[str, str]:
    start, end = day_span(start_date, end_date, ZoneInfo(premise.time_zone))
    if customer is not None:
        decision = access.customer_may_read(customer=customer, premise=premise, start=start, end=end, at=now)
    else:
        decision = access.may_read(third_party=third_party, premise=premise, kind=kind, start=start, end=end, at=now)
    if decision.allowed:  # allowed, but nothing of the period exists yet
        return "no_data_yet", "No data of this period can exist yet."
    if decision.code in ("no_agreement", "other_premise"):  # never tell whether the ESIID exists
        return "not_covered", NOT_COVERED
    return decision.code, decision.message


# --- Running -------------------------------------------------------------------------------------------


def run_report(*, request_id: int, now: datetime | None = None) -> ReportRequest:
    """Deliver every pending ESIID's file, then finish the request. Safe to call again at any
    point (see the module's docstring). A transient delivery error (network) is raised for the
    task to retry; any other marks the request FAILED with the reason."""
    now = now or timezone.now()
    request = ReportRequest.objects.select_related("third_party", "customer").get(pk=request_id)
    if request.is_finished:
        return request
    ReportRequest.objects.filter(
        pk=request.pk, status__in=[ReportRequest.Status.QUEUED, ReportRequest.Status.RUNNING]
    ).update(
        status=ReportRequest.Status.RUNNING,
        started_at=Coalesce(F("started_at"), now),
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    destination = destination_for(request.third_party or f"customer-{request.customer_id}")
    try:
        with connect(destination) as session:
            last_pk = 0
            while batch := list(
                request.items.filter(status=ReportItem.Status.PENDING, pk__gt=last_pk)
                .select_related("premise")
                .order_by("pk")[:RUN_BATCH]
            ):
                windows = _windows(
                    request.third_party,
                    request.customer,
                    request.kind,
                    request.start_date,
                    request.end_date,
                    [item.premise for item in batch],
                    now,
                )
                agreements = _covering_agreements(request, [item.premise_id for item in batch], now)
                for item in batch:
                    _deliver_item(request, item, session, windows.get(item.premise_id), agreements, now)
                last_pk = batch[-1].pk
    except DeliveryError as error:
        if error.transient:
            ReportRequest.objects.filter(pk=request.pk).update(failure_reason=f"Retrying: {error.message}"[:500])
            raise
        return fail_report(request_id=request.pk, reason=error.message, now=now)
    return _finish(request, destination.location, now)


def _covering_agreements(request: ReportRequest, premise_ids: list[int], now: datetime) -> dict[int, tuple]:
    """Premise id -> (agreement id, customer id, one-time?) of the agreement a file is delivered
    under; a one-time agreement first, since the delivery uses it up."""
    if request.third_party_id is None:
        return {}
    through = Agreement.premises.through
    found: dict[int, tuple] = {}
    for premise_id, agreement_id, customer_id, duration_kind, kinds in (
        through.objects.filter(
            premise_id__in=premise_ids,
            agreement__third_party_id=request.third_party_id,
            agreement__status=Agreement.Status.ACTIVE,
        )
        .filter(Q(agreement__ends_at__isnull=True) | Q(agreement__ends_at__gt=now))
        .values_list(
            "premise_id", "agreement_id", "agreement__customer_id", "agreement__duration_kind", "agreement__data_kinds"
        )
    ):
        if request.kind not in (kinds or []):
            continue
        one_time = duration_kind == DurationKind.ONE_TIME
        if premise_id not in found or (one_time and not found[premise_id][2]):
            found[premise_id] = (agreement_id, customer_id, one_time)
    return found


def _deliver_item(request: ReportRequest, item: ReportItem, session, windows, agreements: dict, now: datetime) -> None:
    with transaction.atomic():
        item = (
            ReportItem.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("premise")
            .filter(pk=item.pk, status=ReportItem.Status.PENDING)
            .first()
        )
        if item is None:  # delivered meanwhile, or another worker has it
            return
        if not windows:
            code, message = _refusal(
                request.third_party,
                request.customer,
                request.kind,
                request.start_date,
                request.end_date,
                item.premise,
                now,
            )
            ReportItem.objects.filter(pk=item.pk).update(
                status=ReportItem.Status.REJECTED, reason_code=code, reason=f"At delivery: {message}"[:300]
            )
            ReportRequest.objects.filter(pk=request.pk).update(esiids_done=F("esiids_done") + 1, updated_at=now)
            return
        premise = item.premise
        export = Export(premise.pk, premise.esiid, premise.time_zone, request.kind, request.format, list(windows))
        name = file_name(
            reference=request.number,
            esiid=premise.esiid,
            kind=request.kind,
            format=request.format,
            first_day=request.start_date,
            last_day=request.end_date,
        )
        rows, size = session.put(name, lambda write: write_export(export, write))
        agreement_id, customer_id, _one_time = agreements.get(premise.pk, (None, None, False))
        start, end = min(window[0] for window in windows), max(window[1] for window in windows)
        ReportItem.objects.filter(pk=item.pk).update(
            status=ReportItem.Status.DELIVERED,
            file_name=name,
            rows=rows,
            size=size,
            delivered_at=timezone.now(),
            window_start=start,
            window_end=end,
            agreement_id=agreement_id,
        )
        ReportRequest.objects.filter(pk=request.pk).update(
            esiids_done=F("esiids_done") + 1, rows_delivered=F("rows_delivered") + rows, updated_at=now
        )
        if request.third_party_id is not None:
            log_access(
                third_party=request.third_party_id,
                premise=premise.pk,
                kind=request.kind,
                start=start,
                end=end,
                rows=rows,
                via=DataAccessLog.Via.SCHEDULE
                if request.source == ReportRequest.Source.SCHEDULE
                else DataAccessLog.Via.REPORT,
                agreement=agreement_id,
                customer=customer_id,
                reference=f"{request.number} {name}",
            )


@transaction.atomic
def _finish(request: ReportRequest, location: str, now: datetime) -> ReportRequest:
    counts = {row["status"]: row["count"] for row in request.items.values("status").annotate(count=Count("pk"))}
    if counts.get(ReportItem.Status.PENDING):
        return ReportRequest.objects.get(pk=request.pk)  # another worker still delivers some
    delivered = counts.get(ReportItem.Status.DELIVERED, 0)
    if not delivered:
        first = request.items.filter(status=ReportItem.Status.REJECTED).order_by("pk").first()
        return fail_report(
            request_id=request.pk,
            reason=f"None of the ESIIDs could be delivered: {first.esiid}: {first.reason}",
            now=now,
        )
    finished = ReportRequest.objects.filter(pk=request.pk, status=ReportRequest.Status.RUNNING).update(
        status=ReportRequest.Status.DELIVERED,
        finished_at=now,
        delivered_to=location[:500],
        failure_reason="",
        updated_at=now,
    )
    request = ReportRequest.objects.select_related("third_party", "customer", "requested_by").get(pk=request.pk)
    if finished:
        one_time = Agreement.objects.filter(
            pk__in=request.items.filter(status=ReportItem.Status.DELIVERED).values("agreement_id"),
            duration_kind=DurationKind.ONE_TIME,
            status=Agreement.Status.ACTIVE,
        )
        for agreement in one_time:
            agreement_services.complete_one_time(agreement=agreement)
        emails.report_delivered(request)
    return request


def fail_report(*, request_id: int, reason: str, now: datetime | None = None) -> ReportRequest:
    """Mark an unfinished request FAILED with `reason` and tell the requester."""
    now = now or timezone.now()
    with transaction.atomic():
        if _fail(request_id, reason, now):
            request = ReportRequest.objects.select_related("third_party", "customer", "requested_by").get(pk=request_id)
            emails.report_failed(request)
            return request
    return ReportRequest.objects.get(pk=request_id)


def _fail(request_id: int, reason: str, now: datetime) -> int:
    return ReportRequest.objects.filter(
        pk=request_id, status__in=[ReportRequest.Status.QUEUED, ReportRequest.Status.RUNNING]
    ).update(status=ReportRequest.Status.FAILED, failure_reason=reason[:500], finished_at=now, updated_at=now)
