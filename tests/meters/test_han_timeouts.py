"""Time limits: requests and messages with no answer time out after HAN_REQUEST_TIMEOUT (beat task,
set-based, idempotent); history older than 13 months is purged; the beat's sweep sends what the
web process could not enqueue and polls what is still waiting."""

from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from meters import services, tasks
from meters.models import HanDeviceEvent, HanMessage, InHomeDevice
from tests.factories import HanDeviceEventFactory, HanMessageFactory

from .han_support import committed, device_at, home, install_code, mac

pytestmark = pytest.mark.django_db


def _aged(instance, age: timedelta):
    type(instance).objects.filter(pk=instance.pk).update(created_at=timezone.now() - age)
    return instance


def _request(device, action, age, **fields):
    return _aged(HanDeviceEventFactory(device=device, action=action, **fields), age)


def test_an_add_request_without_an_answer_times_out_and_the_device_failed(settings):
    settings.HAN_REQUEST_TIMEOUT = timedelta(minutes=10)
    device = device_at(home()[1], status=InHomeDevice.Status.PENDING)
    request = _request(device, "add", timedelta(minutes=11), headend_reference="sim-join-silent-1")

    assert tasks.expire_han_requests.delay().get() == {"requests": 1, "messages": 0}

    request.refresh_from_db()
    device.refresh_from_db()
    assert (request.status, request.detail) == ("timed_out", "No answer from the head-end within 10 minutes.")
    assert request.completed_at is not None
    assert device.status == InHomeDevice.Status.FAILED


def test_a_removal_without_an_answer_times_out_and_the_device_stays_joined():
    device = device_at(home()[1], status=InHomeDevice.Status.REMOVING)
    request = _request(device, "remove", timedelta(hours=1))

    services.expire_han_requests()

    request.refresh_from_db()
    device.refresh_from_db()
    assert (request.status, device.status) == ("timed_out", "joined")


def test_a_message_without_a_delivery_confirmation_fails():
    device = device_at(home()[1])
    sent = _aged(HanMessageFactory(device=device, status="sent", headend_reference="x"), timedelta(hours=1))
    queued = _aged(HanMessageFactory(device=device, status="queued"), timedelta(hours=1))
    delivered = _aged(HanMessageFactory(device=device, status="delivered"), timedelta(hours=1))

    assert services.expire_han_requests() == {"requests": 0, "messages": 2}

    statuses = dict(HanMessage.objects.values_list("pk", "status"))
    assert statuses == {sent.pk: "failed", queued.pk: "failed", delivered.pk: "delivered"}
    assert HanMessage.objects.get(pk=sent.pk).status_detail.startswith("No delivery confirmation within")


def test_requests_within_the_time_limit_and_answered_ones_are_left_alone(settings):
    settings.HAN_REQUEST_TIMEOUT = timedelta(minutes=30)
    device = device_at(home()[1], status=InHomeDevice.Status.PENDING)
    recent = _request(device, "add", timedelta(minutes=29))
    answered = _request(device, "add", timedelta(hours=2), status="failed")

    assert services.expire_han_requests() == {"requests": 0, "messages": 0}

    assert HanDeviceEvent.objects.get(pk=recent.pk).status == "pending"
    assert HanDeviceEvent.objects.get(pk=answered.pk).status == "failed"
    device.refresh_from_db()
    assert device.status == "pending"


def test_the_timeout_sweep_run_twice_changes_nothing_more():
    device = device_at(home()[1], status=InHomeDevice.Status.PENDING)
    request = _request(device, "add", timedelta(hours=1))
    services.expire_han_requests()
    first = HanDeviceEvent.objects.get(pk=request.pk).completed_at

    assert services.expire_han_requests() == {"requests": 0, "messages": 0}

    assert HanDeviceEvent.objects.get(pk=request.pk).completed_at == first


def test_the_timeout_sweep_handles_more_than_one_batch(monkeypatch):
    monkeypatch.setattr(services.han_answers, "SWEEP_BATCH", 3)
    devices = [device_at(home()[1], status=InHomeDevice.Status.PENDING) for _ in range(7)]
    for device in devices:
        _request(device, "add", timedelta(hours=1))

    assert services.expire_han_requests()["requests"] == 7

    assert set(InHomeDevice.objects.values_list("status", flat=True)) == {"failed"}


def test_a_late_answer_after_the_timeout_changes_nothing():
    device = device_at(home()[1], status=InHomeDevice.Status.PENDING)
    request = _request(device, "add", timedelta(hours=1), headend_reference="sim-join-ok-late")
    services.expire_han_requests()

    assert services.poll_headend(event_ids=[request.pk]) == 0

    device.refresh_from_db()
    assert device.status == "failed"


# --- Purge ---------------------------------------------------------------------------------------


def test_history_older_than_13_months_is_gone_after_the_purge_task():
    device = device_at(home()[1])
    old_request = _request(device, "add", timedelta(days=400), status="succeeded")
    kept_request = _request(device, "add", timedelta(days=380), status="failed")
    old_message = _aged(HanMessageFactory(device=device), timedelta(days=400))
    kept_message = _aged(HanMessageFactory(device=device), timedelta(days=30))

    assert tasks.purge_han_history.delay().get() == {"requests": 1, "messages": 1}

    assert list(HanDeviceEvent.objects.all()) == [kept_request]
    assert list(HanMessage.objects.all()) == [kept_message]
    assert not HanDeviceEvent.objects.filter(pk=old_request.pk).exists()
    assert not HanMessage.objects.filter(pk=old_message.pk).exists()
    assert InHomeDevice.objects.filter(pk=device.pk).exists()  # agreements point at devices


# --- The beat's sweep ----------------------------------------------------------------------------


def test_a_request_whose_task_could_not_be_queued_is_sent_by_the_beat(monkeypatch):
    customer, premise = home()

    def broker_down(*args, **kwargs):
        raise OperationalError("Redis is down")

    monkeypatch.setattr(tasks.send_device_request, "apply_async", broker_down)
    with committed():
        device = services.add_device(
            by=customer, premise=premise, mac=mac(), install_code=install_code(), device_type="thermostat"
        )
    device.refresh_from_db()
    assert device.status == "pending"  # the change stands although nothing was queued
    monkeypatch.undo()
    HanDeviceEvent.objects.update(created_at=timezone.now() - timedelta(minutes=3))

    with committed():
        assert tasks.poll_open_requests.delay().get() == {"sent": 1, "answered": 1}

    device.refresh_from_db()
    assert device.status == "joined"


def test_the_beat_polls_the_requests_and_messages_still_waiting():
    device = device_at(home()[1], status=InHomeDevice.Status.PENDING)
    request = HanDeviceEventFactory(device=device, action="add", headend_reference="sim-join-ok-1")
    silent = HanDeviceEventFactory(
        device=device_at(home()[1]), action="remove", headend_reference="sim-remove-silent-2"
    )
    message = HanMessageFactory(device=device, status="sent", headend_reference="sim-message-refused-3")

    assert services.poll_open_requests() == {"sent": 0, "answered": 2}

    assert HanDeviceEvent.objects.get(pk=request.pk).status == "succeeded"
    assert HanDeviceEvent.objects.get(pk=silent.pk).status == "pending"
    assert HanMessage.objects.get(pk=message.pk).status == "failed"


def test_the_beat_leaves_fresh_requests_to_their_own_task():
    device = device_at(home()[1], status=InHomeDevice.Status.PENDING)
    request = HanDeviceEventFactory(device=device, action="add")

    assert services.poll_open_requests() == {"sent": 0, "answered": 0}

    assert HanDeviceEvent.objects.get(pk=request.pk).headend_reference == ""
