"""Running a report request: one file per ESIID delivered to the requester's destination.

A run is idempotent: each ESIID's delivery is recorded in the transaction that marks its item
delivered (the file was renamed into place just before), so a run started again after a dead
worker skips what was delivered, replaces at most the one file that was in flight (same name,
same content) and never logs a read twice. Two runs at once share the work (items are claimed
with SKIP LOCKED).
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from time import sleep

from django import db
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from agreements import services as agreement_services
from agreements.models import Agreement, DurationKind

from .. import emails, webhooks
from ..delivery import DeliveryError, connect, destination_for
from ..formats import Export, file_name, write_export
from ..models import DataAccessLog, ReportItem, ReportRequest
from .access_log import log_access
from .requests import mark_failed, readable_windows_for, refusal_reason

RUN_BATCH = 200  # items whose gate windows are checked together during a run
LOCKED_PASSES = 5  # passes over items other runs held locked, before leaving them to those runs
LOCKED_PAUSE_SECONDS = 1
STALLED_AFTER = timedelta(minutes=15)  # a queued or running request without progress this long is resumed


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
        for attempt in range(LOCKED_PASSES):
            _deliver_all(request, destination, now)
            if not request.items.filter(status=ReportItem.Status.PENDING).exists():
                break
            # Items another run holds (SKIP LOCKED): that run delivers them, or it died and its
            # locks go with its connection; look again shortly rather than leave them behind.
            sleep(LOCKED_PAUSE_SECONDS * (attempt + 1))
    except DeliveryError as error:
        if error.transient:
            ReportRequest.objects.filter(pk=request.pk).update(failure_reason=f"Retrying: {error.message}"[:500])
            raise
        return fail_report(request_id=request.pk, reason=error.message, now=now)
    return _finish(request, destination.location, now)


def _deliver_all(request: ReportRequest, destination, now: datetime) -> None:
    threads = max(1, settings.REPORTS_DELIVERY_THREADS)
    if threads == 1:
        _deliver_pending(request, destination, now)
        return
    # Each thread has its own destination session and database connection; items are claimed
    # with SKIP LOCKED, so the threads share the work without overlap.
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="report-delivery") as pool:
        shares = [pool.submit(_deliver_pending_in_thread, request, destination, now) for _ in range(threads)]
        for share in shares:
            share.result()


def _deliver_pending(request: ReportRequest, destination, now: datetime) -> None:
    with connect(destination) as session:
        last_pk = 0
        while batch := list(
            request.items.filter(status=ReportItem.Status.PENDING, pk__gt=last_pk)
            .select_related("premise")
            .order_by("pk")[:RUN_BATCH]
        ):
            windows = readable_windows_for(
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


def _deliver_pending_in_thread(request: ReportRequest, destination, now: datetime) -> None:
    try:
        _deliver_pending(request, destination, now)
    finally:
        db.connection.close()  # this thread's own connection


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
            code, message = refusal_reason(
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
        name = session.stored_name(name)  # e.g. the SMT-style encrypted package
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
        webhooks.report_finished(request)
    return request


def fail_report(*, request_id: int, reason: str, now: datetime | None = None) -> ReportRequest:
    """Mark an unfinished request FAILED with `reason` and tell the requester."""
    now = now or timezone.now()
    with transaction.atomic():
        if mark_failed(request_id, reason, now):
            request = ReportRequest.objects.select_related("third_party", "customer", "requested_by").get(pk=request_id)
            emails.report_failed(request)
            webhooks.report_finished(request)
            return request
    return ReportRequest.objects.get(pk=request_id)


def stalled_requests(*, now: datetime | None = None) -> list[int]:
    """Requests queued or running without any progress for STALLED_AFTER: their task was lost (a
    worker machine died past the broker's visibility timeout, a broker restart). Running them
    again is safe."""
    since = (now or timezone.now()) - STALLED_AFTER
    return list(
        ReportRequest.objects.filter(
            status__in=[ReportRequest.Status.QUEUED, ReportRequest.Status.RUNNING], updated_at__lt=since
        ).values_list("pk", flat=True)
    )
