"""Webhook events of in-home devices: joined, failed to join, removed. Called by the services
inside their transaction; `portal.webhooks.services.emit` sends once it commits.

Who hears about a device: the third party that asked for the request, and every third party
with an agreement on the device that is active or ended around the request (a removal ends the
device-services agreement in the same transaction)."""

from datetime import timedelta

from django.db.models import Q

from portal.webhooks.events import Event
from portal.webhooks.services import anyone_listens, emit

from .models import HanDeviceEvent, InHomeDevice

AROUND = timedelta(minutes=1)


def devices_moved(device_ids: list[int], action: str, succeeded: bool) -> None:
    """Devices whose add (joined | failed) or removal (removed) the head-end answered. A failed
    removal leaves the device joined: nothing new to tell."""
    if action == HanDeviceEvent.Action.ADD:
        event = Event.DEVICE_JOINED if succeeded else Event.DEVICE_FAILED
    elif succeeded:
        event = Event.DEVICE_REMOVED
    else:
        return
    if not device_ids or not anyone_listens(event):
        return
    for device in InHomeDevice.objects.filter(pk__in=device_ids).select_related("premise"):
        request = device.events.filter(action=action).order_by("-created_at", "-pk").first()
        since = (request.created_at if request else device.status_changed_at) - AROUND
        # `agreements` is the reverse name of Agreement.device: a query, not an import upward.
        listeners = set(
            InHomeDevice.objects.filter(pk=device.pk)
            .filter(Q(agreements__status="active") | Q(agreements__ended_at__gte=since))
            .values_list("agreements__third_party_id", flat=True)
        )
        if request is not None and request.third_party_id:
            listeners.add(request.third_party_id)
        payload = {
            "device": {
                "mac": device.mac,
                "type": device.device_type,
                "description": device.description,
                "status": device.status,
                "esiid": device.premise.esiid,
            },
            "request": {
                "action": action,
                "status": request.status if request else "",
                "detail": request.detail if request else "",
                "reason": request.reason if request else "",
            },
        }
        for third_party_id in sorted(listener for listener in listeners if listener):
            emit(event, third_party=third_party_id, payload=payload)
