"""In-home (HAN) device rules: add and remove requests and HAN messages, handed to the head-end.
Their answers, timeouts and the 13-month history purge are in `han_answers`.

A request is a HanDeviceEvent: recorded pending with the device's new status, handed to the
head-end by a Celery task once the transaction commits, answered later (poll or callback), or
timed out. Removal rules that end agreements live in `agreements.services.remove_device`.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from portal.models import ThirdParty, User

from .. import webhooks
from ..headend import DeviceRequest, MessageRequest, get_headend
from ..models import HanDeviceEvent, HanMessage, InHomeDevice, Occupancy, Premise
from ..validators import normalize_install_code, normalize_mac
from .errors import MeterError

__all__ = [
    "RequestStatus",
    "DeviceStatus",
    "OPEN_MESSAGES",
    "MESSAGE_MAX_LENGTH",
    "acting_third_party",
    "is_occupant",
    "add_device",
    "resend_device_add",
    "request_removal",
    "send_pending_requests",
    "send_device_request",
    "send_han_message",
    "deliver_han_message",
]

logger = logging.getLogger(__name__)

RequestStatus = HanDeviceEvent.Status
DeviceStatus = InHomeDevice.Status
OPEN_MESSAGES = (HanMessage.Status.QUEUED, HanMessage.Status.SENT)
MESSAGE_MAX_LENGTH = 160


def _enqueue(task_name: str, *, countdown: int | None = None, **kwargs) -> None:
    """Queue a head-end task once the transaction commits. If the broker cannot be reached the
    change still stands: the beat's sweep (`poll_open_requests`) sends what was left behind."""

    def send() -> None:
        from .. import tasks  # the tasks module imports this one

        try:
            getattr(tasks, task_name).apply_async(kwargs=kwargs, countdown=countdown)
        except KombuOperationalError:
            logger.warning("Broker unreachable: %s(%s) left to the beat's sweep.", task_name, kwargs)

    transaction.on_commit(send)


def _not_found(what: str = "device") -> MeterError:
    # The same answer for "does not exist" and "is somebody else's": nothing leaks.
    return MeterError("not_found", f"No such {what}.", status_code=404)


def acting_third_party(by: User | None, third_party: ThirdParty | None = None) -> ThirdParty | None:
    """The third party acting: the one named (an API client's, or confirmed by its user), else the
    user's own; None for customers and staff."""
    if third_party is not None:
        if by is not None and not by.is_staff and by.third_party != third_party:
            raise MeterError("forbidden", "You do not work for this third party.", status_code=403)
    elif by is not None:
        third_party = by.third_party
    if third_party is not None and not third_party.is_active:
        raise MeterError("third_party_inactive", "Your company's account is not active.", status_code=403)
    return third_party


def is_occupant(user: User | None, premise_id: int) -> bool:
    return (
        user is not None
        and user.role == User.Role.CUSTOMER
        and Occupancy.objects.current().filter(customer=user, premise_id=premise_id).exists()
    )


def _lock_device(device: InHomeDevice) -> InHomeDevice:
    return InHomeDevice.objects.select_for_update().select_related("premise").get(pk=device.pk)


def _clean_device(*, mac: str, install_code: str, device_type: str, description: str) -> dict:
    errors, values = {}, {}
    for field, normalize, value in (
        ("mac", normalize_mac, mac),
        ("install_code", normalize_install_code, install_code),
    ):
        try:
            values[field] = normalize(value)
        except ValidationError as error:
            errors[field] = error.messages
    if device_type not in InHomeDevice.DeviceType.values:
        errors["device_type"] = ["Choose the type of device."]
    description = (description or "").strip()
    if len(description) > 200:
        errors["description"] = ["At most 200 characters."]
    if errors:
        raise MeterError("invalid_device", next(iter(errors.values()))[0], fields=errors)
    return {**values, "device_type": device_type, "description": description}


def _request_add(device: InHomeDevice, *, requested_by: User | None, third_party: ThirdParty | None) -> HanDeviceEvent:
    now = timezone.now()
    # A request still waiting is given up on, so that only the new one can move the device.
    HanDeviceEvent.objects.filter(device=device, action=HanDeviceEvent.Action.ADD, status=RequestStatus.PENDING).update(
        status=RequestStatus.TIMED_OUT, completed_at=now, detail="Not waited for: the request was sent again."
    )
    device.status, device.status_changed_at = DeviceStatus.PENDING, now
    device.save(update_fields=["status", "status_changed_at"])
    event = HanDeviceEvent.objects.create(
        device=device, action=HanDeviceEvent.Action.ADD, requested_by=requested_by, third_party=third_party
    )
    _enqueue("send_device_request", event_id=event.pk)
    return event


@transaction.atomic
def add_device(
    *, by: User, premise: Premise, mac: str, install_code: str, device_type: str, description: str = ""
) -> InHomeDevice:
    """The customer adds a device to the HAN of a premise they live at. It is pending until the
    head-end answers; adding again a device whose join failed asks again (with the new details)."""
    if not is_occupant(by, premise.pk):
        raise _not_found("premise")
    values = _clean_device(mac=mac, install_code=install_code, device_type=device_type, description=description)
    device = InHomeDevice.objects.select_for_update().filter(mac=values["mac"]).exclude(status=DeviceStatus.REMOVED)
    device = device.first()
    if device is not None and device.premise_id != premise.pk:
        message = "This device is on another home area network; it must be removed there first."
        raise MeterError("device_in_use", message, fields={"mac": [message]}, status_code=409)
    if device is not None and device.status != DeviceStatus.FAILED:
        message = f"This device is already on your list ({device.get_status_display().lower()})."
        raise MeterError("already_added", message, fields={"mac": [message]}, status_code=409)
    if device is None:
        try:
            with transaction.atomic():
                device = InHomeDevice.objects.create(premise=premise, **values)
        except IntegrityError as error:  # added elsewhere a moment ago
            message = "This device is on another home area network; it must be removed there first."
            raise MeterError("device_in_use", message, fields={"mac": [message]}, status_code=409) from error
    else:
        for field, value in values.items():
            setattr(device, field, value)
        device.save(update_fields=["install_code", "device_type", "description"])
    _request_add(device, requested_by=by, third_party=None)
    return device


@transaction.atomic
def resend_device_add(
    *, by: User | None, device: InHomeDevice, third_party: ThirdParty | None = None
) -> HanDeviceEvent:
    """Ask the head-end again to join a device whose join failed or is still pending: the third
    party of an active In-Home Device (Services) agreement on it, or the customer who lives there."""
    from ..selectors import devices_for_third_party

    acting = acting_third_party(by, third_party)
    if acting is not None:
        if not devices_for_third_party(acting).filter(pk=device.pk).exists():
            raise _not_found()
    elif not is_occupant(by, device.premise_id):
        raise _not_found()
    device = _lock_device(device)
    if device.status not in (DeviceStatus.FAILED, DeviceStatus.PENDING):
        raise MeterError(
            "not_resendable",
            f"Only a device whose join failed or is pending can be added again; this one is "
            f"{device.get_status_display().lower()}.",
            status_code=409,
        )
    return _request_add(device, requested_by=by, third_party=acting)


def request_removal(
    *,
    device: InHomeDevice,
    requested_by: User | None,
    third_party: ThirdParty | None = None,
    reason: str = "",
    reason_text: str = "",
) -> HanDeviceEvent:
    """Record a remove request for a locked device; the caller (agreements' `remove_device`)
    decided who may ask. A device that never joined leaves the records at once."""
    common = {
        "device": device,
        "action": HanDeviceEvent.Action.REMOVE,
        "requested_by": requested_by,
        "third_party": third_party,
        "reason": reason,
        "reason_text": reason_text[:300],
    }
    now = timezone.now()
    if device.status == DeviceStatus.FAILED:
        device.status, device.status_changed_at = DeviceStatus.REMOVED, now
        device.save(update_fields=["status", "status_changed_at"])
        removal = HanDeviceEvent.objects.create(
            status=RequestStatus.SUCCEEDED,
            completed_at=now,
            detail="Never joined the network; removed from the records.",
            **common,
        )
        webhooks.devices_moved([device.pk], HanDeviceEvent.Action.REMOVE, True)
        return removal
    if device.status not in (DeviceStatus.JOINED, DeviceStatus.PENDING):
        raise MeterError(
            "not_removable", f"This device is {device.get_status_display().lower()} already.", status_code=409
        )
    device.status, device.status_changed_at = DeviceStatus.REMOVING, now
    device.save(update_fields=["status", "status_changed_at"])
    event = HanDeviceEvent.objects.create(**common)
    _enqueue("send_device_request", event_id=event.pk)
    return event


def send_pending_requests(*, premise: Premise | None = None, device: InHomeDevice | None = None) -> None:
    """Once the transaction commits, hand the head-end every request still unsent for the
    premise's (or the device's) devices: how agreements' move-out and acceptance reach it."""

    def send() -> None:
        unsent = HanDeviceEvent.objects.filter(status=RequestStatus.PENDING, headend_reference="")
        unsent = unsent.filter(device__premise=premise) if premise is not None else unsent.filter(device=device)
        for event_id in unsent.values_list("pk", flat=True):
            _enqueue("send_device_request", event_id=event_id)

    transaction.on_commit(send)


def send_device_request(*, event_id: int) -> HanDeviceEvent | None:
    """Hand one recorded request to the head-end (the task's body). One answered, timed out or
    already sent is left alone, so a repeated task changes nothing."""
    event = HanDeviceEvent.objects.select_related("device__premise").filter(pk=event_id).first()
    if event is None or event.status != RequestStatus.PENDING or event.headend_reference:
        return event
    device = event.device
    request = DeviceRequest(
        esiid=device.premise.esiid, mac=device.mac, install_code=device.install_code, device_type=device.device_type
    )
    adapter = get_headend()
    ask = adapter.request_join if event.action == HanDeviceEvent.Action.ADD else adapter.request_removal
    reference = ask(request)[:64]
    sent = HanDeviceEvent.objects.filter(pk=event.pk, status=RequestStatus.PENDING, headend_reference="")
    if sent.update(headend_reference=reference):
        _enqueue("poll_headend", countdown=settings.HAN_POLL_SECONDS, event_ids=[event.pk])
    event.refresh_from_db()
    return event


@transaction.atomic
def send_han_message(
    *, by: User | None, device: InHomeDevice, text: str, third_party: ThirdParty | None = None
) -> HanMessage:
    """A third party with an active In-Home Device Services agreement on a joined device sends it
    a short text; the head-end delivers it once this commits."""
    from ..selectors import devices_for_third_party

    acting = acting_third_party(by, third_party)
    if acting is None:
        raise MeterError("forbidden", "Only a third party may send messages to devices.", status_code=403)
    if not devices_for_third_party(acting, services_only=True).filter(pk=device.pk).exists():
        raise _not_found()
    text = " ".join((text or "").split())
    if not 1 <= len(text) <= MESSAGE_MAX_LENGTH:
        message = f"Write a message of 1 to {MESSAGE_MAX_LENGTH} characters."
        raise MeterError("invalid_text", message, fields={"text": [message]})
    device = _lock_device(device)
    if device.status != DeviceStatus.JOINED:
        raise MeterError(
            "device_not_joined",
            f"Messages go only to a joined device; this one is {device.get_status_display().lower()}.",
            status_code=409,
        )
    message = HanMessage.objects.create(device=device, third_party=acting, sent_by=by, text=text)
    _enqueue("deliver_han_message", message_id=message.pk)
    return message


def deliver_han_message(*, message_id: int) -> HanMessage | None:
    """Hand one queued message to the head-end (the task's body); a repeat changes nothing."""
    message = HanMessage.objects.select_related("device__premise").filter(pk=message_id).first()
    if message is None or message.status != HanMessage.Status.QUEUED or message.headend_reference:
        return message
    device = message.device
    reference = get_headend().send_message(
        MessageRequest(esiid=device.premise.esiid, mac=device.mac, text=message.text)
    )
    queued = HanMessage.objects.filter(pk=message.pk, status=HanMessage.Status.QUEUED, headend_reference="")
    if queued.update(headend_reference=reference[:64], status=HanMessage.Status.SENT, status_changed_at=timezone.now()):
        _enqueue("poll_headend", countdown=settings.HAN_POLL_SECONDS, message_ids=[message.pk])
    message.refresh_from_db()
    return message
