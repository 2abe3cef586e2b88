"""Report requests: created with every ESIID checked at the access gate (refused ones listed back
with their reason, the rest processed), then queued for `reports.services.runs.run_report`."""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agreements import access
from agreements.models import DataKind
from meters.models import Premise
from meters.validators import ESIID_PATTERN, normalize_esiid
from portal.models import User

from ..formats import unsupported
from ..models import ReportFormat, ReportItem, ReportRequest
from ._common import ReportError, acting_third_party, add_months, day_span

HISTORY_MONTHS = 12
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
    if problem := unsupported(kind, format):
        raise ReportError("invalid_format", problem, fields={"format": [problem]})
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
        mark_failed(request.pk, f"None of the ESIIDs may be read: {_label(first[0])}: {first[3]}", now)
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
    windows = readable_windows_for(third_party, customer, kind, start_date, end_date, premises.values(), now)
    for entry in valid:
        premise = premises.get(entry.esiid)
        if premise is None:
            checked.rejected.append((entry, None, "not_covered", NOT_COVERED))
        elif premise.pk in windows:
            checked.accepted.append((entry, premise, windows[premise.pk]))
        else:
            code, message = refusal_reason(third_party, customer, kind, start_date, end_date, premise, now)
            checked.rejected.append((entry, premise, code, message))
    return checked


def readable_windows_for(
    third_party, customer, kind, start_date, end_date, premises, now
) -> dict[int, list[access.Window]]:
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


def refusal_reason(third_party, customer, kind, start_date, end_date, premise, now) -> tuple[str, str]:
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


def mark_failed(request_id: int, reason: str, now: datetime) -> int:
    return ReportRequest.objects.filter(
        pk=request_id, status__in=[ReportRequest.Status.QUEUED, ReportRequest.Status.RUNNING]
    ).update(status=ReportRequest.Status.FAILED, failure_reason=reason[:500], finished_at=now, updated_at=now)
