"""In-home (HAN) devices, the head-end's side: its answers to requests and messages (poll or
callback), the beat's sweep for what was never sent or never answered, timeouts, and the 13-month
history purge. The requests themselves are made in `han`."""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import webhooks
from ..headend import Answer, get_headend
from ..models import HanDeviceEvent, HanMessage, InHomeDevice
from .han import OPEN_MESSAGES, DeviceStatus, RequestStatus, deliver_han_message, send_device_request

__all__ = [
    "SWEEP_BATCH",
    "UNSENT_AFTER",
    "record_headend_answers",
    "poll_headend",
    "poll_open_requests",
    "expire_han_requests",
    "purge_han_history",
]

SWEEP_BATCH = 500
# The beat sends a request itself only when the web process's task has clearly not done it.
UNSENT_AFTER = timedelta(minutes=2)


def _move_devices(device_ids: list[int], action: str, succeeded: bool, now) -> None:
    """Where an answer leaves a device: add → joined | failed; remove → removed, or back to
    joined when the removal failed (the device is still on the network). A device that moved on
    meanwhile (a removal asked while its join was pending) is left where it is."""
    if action == HanDeviceEvent.Action.ADD:
        expected, new = DeviceStatus.PENDING, DeviceStatus.JOINED if succeeded else DeviceStatus.FAILED
    else:
        expected, new = DeviceStatus.REMOVING, DeviceStatus.REMOVED if succeeded else DeviceStatus.JOINED
    moved = list(InHomeDevice.objects.filter(pk__in=device_ids, status=expected).values_list("pk", flat=True))
    InHomeDevice.objects.filter(pk__in=moved, status=expected).update(status=new, status_changed_at=now)
    webhooks.devices_moved(moved, action, succeeded)


@transaction.atomic
def record_headend_answers(answers: dict[str, Answer]) -> int:
    """Apply the head-end's answers, by reference, to the requests and messages waiting for
    them (the poll's result, or a head-end's callback). Returns how many were applied; an answer
    to something answered or timed out already changes nothing."""
    if not answers:
        return 0
    now = timezone.now()
    waiting = (
        HanDeviceEvent.objects.select_for_update()
        .filter(headend_reference__in=list(answers), status=RequestStatus.PENDING)
        .values_list("pk", "device_id", "action", "headend_reference")
    )
    groups = defaultdict(list)
    for pk, device_id, action, reference in waiting:
        answer = answers[reference]
        groups[(action, answer.succeeded, answer.detail[:300])].append((pk, device_id))
    for (action, succeeded, detail), rows in groups.items():
        HanDeviceEvent.objects.filter(pk__in=[pk for pk, _ in rows]).update(
            status=RequestStatus.SUCCEEDED if succeeded else RequestStatus.FAILED, completed_at=now, detail=detail
        )
        _move_devices([device_id for _, device_id in rows], action, succeeded, now)
    sent = HanMessage.objects.select_for_update().filter(
        headend_reference__in=list(answers), status=HanMessage.Status.SENT
    )
    outcomes = defaultdict(list)
    for pk, reference in sent.values_list("pk", "headend_reference"):
        answer = answers[reference]
        outcomes[(answer.succeeded, answer.detail[:300])].append(pk)
    for (succeeded, detail), message_ids in outcomes.items():
        HanMessage.objects.filter(pk__in=message_ids).update(
            status=HanMessage.Status.DELIVERED if succeeded else HanMessage.Status.FAILED,
            status_detail=detail,
            status_changed_at=now,
        )
    return sum(len(rows) for rows in groups.values()) + sum(len(ids) for ids in outcomes.values())


def poll_headend(*, event_ids=(), message_ids=()) -> int:
    """Ask the head-end for the answers to these requests and messages, and apply those it has."""
    references = list(
        HanDeviceEvent.objects.filter(pk__in=list(event_ids), status=RequestStatus.PENDING)
        .exclude(headend_reference="")
        .values_list("headend_reference", flat=True)
    ) + list(
        HanMessage.objects.filter(pk__in=list(message_ids), status=HanMessage.Status.SENT)
        .exclude(headend_reference="")
        .values_list("headend_reference", flat=True)
    )
    if not references:
        return 0
    return record_headend_answers(get_headend().poll(references))


def poll_open_requests(*, now=None, unsent_after: timedelta = UNSENT_AFTER) -> dict[str, int]:
    """The beat's sweep: send the requests and messages whose task never ran (the broker was
    down), then poll the head-end for everything still waiting, oldest first, a batch a run."""
    cutoff = (now or timezone.now()) - unsent_after
    unsent_events = HanDeviceEvent.objects.filter(
        status=RequestStatus.PENDING, headend_reference="", created_at__lte=cutoff
    ).order_by("created_at")
    unsent_messages = HanMessage.objects.filter(
        status=HanMessage.Status.QUEUED, headend_reference="", created_at__lte=cutoff
    ).order_by("created_at")
    sent = 0
    for event_id in unsent_events.values_list("pk", flat=True)[:SWEEP_BATCH]:
        send_device_request(event_id=event_id)
        sent += 1
    for message_id in unsent_messages.values_list("pk", flat=True)[:SWEEP_BATCH]:
        deliver_han_message(message_id=message_id)
        sent += 1
    event_ids = HanDeviceEvent.objects.filter(status=RequestStatus.PENDING).exclude(headend_reference="")
    message_ids = HanMessage.objects.filter(status=HanMessage.Status.SENT).exclude(headend_reference="")
    answered = poll_headend(
        event_ids=event_ids.order_by("created_at").values_list("pk", flat=True)[:SWEEP_BATCH],
        message_ids=message_ids.order_by("created_at").values_list("pk", flat=True)[:SWEEP_BATCH],
    )
    return {"sent": sent, "answered": answered}


def expire_han_requests(*, now=None) -> dict[str, int]:
    """Requests and messages with no answer within HAN_REQUEST_TIMEOUT fail: a join times out
    (the device failed), a removal times out (the device stays joined), a message is not
    delivered. Set-based, a batch per transaction; running it again changes nothing."""
    now = now or timezone.now()
    cutoff = now - settings.HAN_REQUEST_TIMEOUT
    minutes = int(settings.HAN_REQUEST_TIMEOUT.total_seconds() // 60)
    counts = {"requests": 0, "messages": 0}
    while True:
        with transaction.atomic():
            overdue = list(
                HanDeviceEvent.objects.select_for_update(skip_locked=True)
                .filter(status=RequestStatus.PENDING, created_at__lt=cutoff)
                .values_list("pk", "device_id", "action")[:SWEEP_BATCH]
            )
            HanDeviceEvent.objects.filter(pk__in=[pk for pk, _, _ in overdue]).update(
                status=RequestStatus.TIMED_OUT,
                completed_at=now,
                detail=f"No answer from the head-end within {minutes} minutes.",
            )
            for action in HanDeviceEvent.Action.values:
                _move_devices([device for _, device, kind in overdue if kind == action], action, False, now)
        counts["requests"] += len(overdue)
        if len(overdue) < SWEEP_BATCH:
            break
    while True:
        with transaction.atomic():
            undelivered = list(
                HanMessage.objects.select_for_update(skip_locked=True)
                .filter(status__in=OPEN_MESSAGES, created_at__lt=cutoff)
                .values_list("pk", flat=True)[:SWEEP_BATCH]
            )
            HanMessage.objects.filter(pk__in=undelivered).update(
                status=HanMessage.Status.FAILED,
                status_detail=f"No delivery confirmation within {minutes} minutes.",
                status_changed_at=now,
            )
        counts["messages"] += len(undelivered)
        if len(undelivered) < SWEEP_BATCH:
            break
    return counts


def purge_han_history(*, now=None) -> dict[str, int]:
    """Requests and messages older than 13 months are deleted (set-based). Devices stay: agreements
    point at them."""
    from ..selectors import han_history_start

    start = han_history_start(now)
    requests, _ = HanDeviceEvent.objects.filter(created_at__lt=start).delete()
    messages, _ = HanMessage.objects.filter(created_at__lt=start).delete()
    return {"requests": requests, "messages": messages}
