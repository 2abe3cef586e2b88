"""On-demand reads: a customer (for the premise they live at now) or a third party (under an active
Energy Data agreement that covers on-demand reads) asks the meter for its register now.

The request is recorded at once and handed to the head-end adapter by a task on the `headend`
queue; the answer comes later, by polling (`poll_on_demand_reads` soon after sending, then the
beat's `sweep_on_demand_reads`), and a request with no answer within `ON_DEMAND_READ_TIMEOUT`
times out. At most `RATE_LIMIT` requests per premise in any rolling hour, whoever asks: the
premise row is locked while counting, so two concurrent requests cannot both take the last slot.
"""

import logging
import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from agreements import access
from agreements.models import DataKind
from meters.headend import Answer, ReadRequest, get_headend
from meters.models import Meter, Occupancy, Premise
from portal.models import ThirdParty, User

from ..models import OnDemandRead
from . import UsageError

logger = logging.getLogger(__name__)

RATE_LIMIT = 2
RATE_WINDOW = timedelta(hours=1)
SWEEP_BATCH = 500
# The beat sends a request itself only when the web process's task has clearly not done it.
UNSENT_AFTER = timedelta(minutes=2)
Status = OnDemandRead.Status


class RateLimited(UsageError):
    """Too many on-demand reads of the premise in the last hour; `retry_after` is in seconds."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__("rate_limited", message)
        self.retry_after = retry_after


def request_read(*, by: User | None, premise: Premise, third_party: ThirdParty | None = None, now=None) -> OnDemandRead:
    """Record an on-demand read of `premise` asked by a customer or a third party (`by` is None
    for a third party's machine client) and send it to the head-end once committed."""
    asked_now = now
    now = now or timezone.now()
    third_party = _acting_third_party(by, third_party)
    if third_party is not None:
        decision = access.may_read(
            third_party=third_party,
            premise=premise,
            kind=DataKind.ON_DEMAND,
            start=now - timedelta(minutes=15),
            end=now,
            at=now,
        )
        if not decision:
            raise UsageError(decision.code, decision.message, status_code=403)
    elif not _lives_at(by, premise, now):
        raise UsageError("not_allowed", "Only the customer living here may ask for the meter's read.", status_code=403)
    with transaction.atomic():
        Premise.objects.select_for_update().filter(pk=premise.pk).first()
        # The request's time is read under the lock: one taken before it could be earlier than a
        # request that committed while this one waited, which the hour's count would then miss.
        now = asked_now or timezone.now()
        _check_rate(premise, now)
        read = OnDemandRead.objects.create(
            premise=premise,
            meter=_meter_of(premise, now),
            requested_by=by if by is not None and by.is_authenticated else None,
            third_party=third_party,
            requested_at=now,
        )
        _enqueue("send_on_demand_read", read_id=read.pk)
    return read


def latest_read(*, premise: Premise, completed_only: bool = False) -> OnDemandRead | None:
    """The premise's most recent on-demand read request (whatever its status: a page shows a
    pending one as waiting), or its most recent completed read with `completed_only`."""
    reads = OnDemandRead.objects.filter(premise=premise)
    if completed_only:
        reads = reads.filter(status=Status.COMPLETED)
    return reads.order_by("-requested_at", "-pk").first()


def _acting_third_party(by: User | None, third_party: ThirdParty | None) -> ThirdParty | None:
    if third_party is None and by is not None and by.is_authenticated:
        third_party = by.third_party
    elif (
        third_party is not None
        and by is not None
        and by.is_authenticated
        and not by.is_staff
        and by.third_party != third_party
    ):
        raise UsageError("not_allowed", "You do not work for this third party.", status_code=403)
    if third_party is not None and not third_party.is_active:
        raise UsageError("not_allowed", "Your company's account is not active.", status_code=403)
    if third_party is None and (by is None or not by.is_authenticated):
        raise UsageError("not_allowed", "Sign in to ask for a meter read.", status_code=403)
    return third_party


def _lives_at(user: User, premise: Premise, now: datetime) -> bool:
    today = timezone.localtime(now).date()
    return Occupancy.objects.current().filter(customer=user, premise=premise, move_in__lte=today).exists()


def _meter_of(premise: Premise, now: datetime) -> Meter | None:
    today = timezone.localtime(now).date()
    return (
        Meter.objects.filter(premise=premise, commodity=Meter.Commodity.ELECTRIC)
        .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=today))
        .order_by("-installed_on", "-pk")
        .first()
    )


def _check_rate(premise: Premise, now: datetime) -> None:
    recent = list(
        OnDemandRead.objects.filter(premise=premise, requested_at__gt=now - RATE_WINDOW, requested_at__lte=now)
        .order_by("-requested_at")
        .values_list("requested_at", flat=True)[:RATE_LIMIT]
    )
    if len(recent) < RATE_LIMIT:
        return
    free_at = recent[-1] + RATE_WINDOW  # when the oldest of the last RATE_LIMIT leaves the hour
    retry_after = max(1, math.ceil((free_at - now).total_seconds()))
    local = free_at.astimezone(ZoneInfo(premise.time_zone))
    raise RateLimited(
        f"At most {RATE_LIMIT} on-demand reads of this premise per hour. Try again after "
        f"{local:%H:%M %Z} (in {math.ceil(retry_after / 60)} min).",
        retry_after=retry_after,
    )


def _enqueue(task_name: str, *, countdown: int | None = None, **kwargs) -> None:
    """Queue a head-end task once the transaction commits; if the broker is down, the beat's
    sweep sends what was left behind."""

    def send() -> None:
        from .. import tasks  # the tasks module imports the services

        try:
            getattr(tasks, task_name).apply_async(kwargs=kwargs, countdown=countdown)
        except KombuOperationalError:
            logger.warning("Broker unreachable: %s(%s) left to the beat's sweep.", task_name, kwargs)

    transaction.on_commit(send)


# --- The head-end side (tasks call these) ---------------------------------------------------------


def send_read(*, read_id: int) -> OnDemandRead | None:
    """Hand one recorded request to the head-end. One already sent or answered is left alone,
    so a repeated task changes nothing."""
    read = OnDemandRead.objects.select_related("premise", "meter").filter(pk=read_id).first()
    if read is None or read.status != Status.PENDING or read.headend_reference:
        return read
    request = ReadRequest(esiid=read.premise.esiid, meter_number=read.meter.meter_number if read.meter else "")
    reference = get_headend().request_read(request)[:64]
    unsent = OnDemandRead.objects.filter(pk=read.pk, status=Status.PENDING, headend_reference="")
    if unsent.update(headend_reference=reference):
        _enqueue("poll_on_demand_reads", countdown=settings.ON_DEMAND_POLL_SECONDS, read_ids=[read.pk])
    read.refresh_from_db()
    return read


def poll_reads(*, read_ids=()) -> int:
    """Ask the head-end for the answers to these requests and store those it has."""
    references = list(
        OnDemandRead.objects.filter(pk__in=list(read_ids), status=Status.PENDING)
        .exclude(headend_reference="")
        .values_list("headend_reference", flat=True)
    )
    if not references:
        return 0
    return record_read_answers(get_headend().poll(references))


@transaction.atomic
def record_read_answers(answers: dict[str, Answer], *, now=None) -> int:
    """Store the head-end's answers, by reference, on the requests waiting for them (a poll's
    result, or a head-end's callback). Usage is the register minus the premise's previous
    completed read (none for the first, or when the register went back: a new meter). An answer
    to a request already answered or timed out changes nothing. Returns how many were stored."""
    if not answers:
        return 0
    now = now or timezone.now()
    waiting = (
        OnDemandRead.objects.select_for_update()
        .filter(headend_reference__in=list(answers), status=Status.PENDING)
        .order_by("requested_at")
    )
    stored = 0
    for read in waiting:
        answer = answers[read.headend_reference]
        read.answered_at = now
        read.detail = answer.detail[:200]
        if answer.succeeded and answer.value is not None:
            read.status = Status.COMPLETED
            read.register_kwh = answer.value
            read.read_at = answer.read_at or now
            read.usage_kwh = _usage_since_previous(read)
        else:
            read.status = Status.FAILED
        read.save(update_fields=["status", "answered_at", "detail", "register_kwh", "read_at", "usage_kwh"])
        stored += 1
    return stored


def _usage_since_previous(read: OnDemandRead):
    previous = (
        OnDemandRead.objects.filter(premise_id=read.premise_id, status=Status.COMPLETED, read_at__lte=read.read_at)
        .exclude(pk=read.pk)
        .order_by("-read_at", "-pk")
        .values_list("register_kwh", flat=True)
        .first()
    )
    if previous is None or previous > read.register_kwh:
        return None
    return read.register_kwh - previous


def expire_reads(*, now=None) -> int:
    """Requests with no answer within ON_DEMAND_READ_TIMEOUT time out (set-based; running it
    again changes nothing)."""
    now = now or timezone.now()
    minutes = int(settings.ON_DEMAND_READ_TIMEOUT.total_seconds() // 60)
    return OnDemandRead.objects.filter(
        status=Status.PENDING, requested_at__lt=now - settings.ON_DEMAND_READ_TIMEOUT
    ).update(status=Status.TIMED_OUT, answered_at=now, detail=f"No answer from the meter within {minutes} minutes.")


def sweep_reads(*, now=None) -> dict[str, int]:
    """The beat's sweep: send requests whose task never ran, poll everything still waiting
    (oldest first, a batch a run), then time out what waited too long."""
    now = now or timezone.now()
    unsent = OnDemandRead.objects.filter(
        status=Status.PENDING, headend_reference="", requested_at__lte=now - UNSENT_AFTER
    ).order_by("requested_at")
    sent = 0
    for read_id in unsent.values_list("pk", flat=True)[:SWEEP_BATCH]:
        send_read(read_id=read_id)
        sent += 1
    waiting = OnDemandRead.objects.filter(status=Status.PENDING).exclude(headend_reference="")
    answered = poll_reads(read_ids=list(waiting.order_by("requested_at").values_list("pk", flat=True)[:SWEEP_BATCH]))
    return {"sent": sent, "answered": answered, "timed_out": expire_reads(now=now)}
