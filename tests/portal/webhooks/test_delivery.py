"""Deliveries to a real receiver on loopback: signed, retried with backoff, given up after 72
hours, not sent to a disabled endpoint, an endpoint disabled after sustained failure."""

import json
import time
import urllib.request
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from portal.webhooks import delivery, services, tasks
from portal.webhooks.events import Event
from portal.webhooks.models import WebhookDelivery

from .conftest import register
from .receiver import verify

pytestmark = pytest.mark.django_db


def emit_and_send(capture, third_party, event=Event.AGREEMENT_TERMINATED, payload=None):
    with capture(execute=True):
        deliveries = services.emit(
            event, third_party=third_party, payload=payload or {"agreement": {"number": "AGR-1"}}
        )
    return deliveries


def make_due(delivery_row):
    """As if the retry time had come."""
    WebhookDelivery.objects.filter(pk=delivery_row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_the_receiver_verifies_the_signature_with_the_readme_snippet(
    endpoint, third_party, receiver, django_capture_on_commit_callbacks
):
    (sent,) = emit_and_send(django_capture_on_commit_callbacks, third_party, payload={"agreement": {"number": "AGR-7"}})

    (request,) = receiver.requests
    assert request.verified
    body = json.loads(request.body)
    assert body["type"] == "agreement.terminated"
    assert body["data"] == {"agreement": {"number": "AGR-7"}}
    assert body["id"] == request.headers["MeterGate-Event-Id"] == str(sent.event_id)
    sent.refresh_from_db()
    assert sent.status == WebhookDelivery.Status.SUCCEEDED and sent.last_status_code == 200


def test_a_wrong_secret_or_a_changed_body_does_not_verify(
    endpoint, third_party, receiver, django_capture_on_commit_callbacks
):
    emit_and_send(django_capture_on_commit_callbacks, third_party)
    (request,) = receiver.requests
    timestamp, signatures = request.headers["MeterGate-Timestamp"], request.headers["MeterGate-Signature"]

    assert verify(receiver.secret, timestamp, signatures, request.body)
    assert not verify("whsec_not-the-secret", timestamp, signatures, request.body)
    assert not verify(receiver.secret, timestamp, signatures, request.body.replace(b"AGR-1", b"AGR-2"))


def test_a_replayed_request_is_refused_once_its_timestamp_is_old(
    endpoint, third_party, receiver, django_capture_on_commit_callbacks
):
    emit_and_send(django_capture_on_commit_callbacks, third_party)
    (original,) = receiver.requests
    receiver.tolerance = 1  # stands for the documented 300 s, so the test need not wait 5 minutes
    time.sleep(2.1)

    headers = dict(original.headers.items())
    replay = urllib.request.Request(receiver.url, data=original.body, headers=headers, method="POST")  # noqa: S310
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(replay, timeout=5)  # noqa: S310 - loopback test receiver

    assert refused.value.code == 400
    assert not receiver.requests[-1].verified


def test_a_fresh_timestamp_on_an_old_signature_does_not_verify(
    endpoint, third_party, receiver, django_capture_on_commit_callbacks
):
    emit_and_send(django_capture_on_commit_callbacks, third_party)
    (original,) = receiver.requests
    fresh_timestamp = str(int(original.headers["MeterGate-Timestamp"]) + 1)

    assert not verify(receiver.secret, fresh_timestamp, original.headers["MeterGate-Signature"], original.body)


def test_a_failing_receiver_is_retried_with_exponential_backoff(
    endpoint, third_party, receiver, django_capture_on_commit_callbacks
):
    receiver.status = 500
    (sent,) = emit_and_send(django_capture_on_commit_callbacks, third_party)
    sent.refresh_from_db()
    first_wait = sent.next_attempt_at - sent.last_attempt_at
    assert (sent.status, sent.attempts, sent.last_status_code) == ("pending", 1, 500)
    assert first_wait == timedelta(seconds=30)
    assert tasks.deliver_due_webhooks() == 0  # not due yet: nothing sent early

    make_due(sent)
    assert tasks.deliver_due_webhooks() == 1
    sent.refresh_from_db()
    assert sent.attempts == 2 and sent.next_attempt_at - sent.last_attempt_at == timedelta(seconds=60)

    receiver.status = 200
    make_due(sent)
    tasks.deliver_due_webhooks()
    sent.refresh_from_db()
    assert sent.status == "succeeded" and sent.attempts == 3
    assert len(receiver.requests) == 3
    assert [attempt.status_code for attempt in sent.attempt_log.order_by("number")] == [500, 500, 200]
    assert len({request.headers["MeterGate-Event-Id"] for request in receiver.requests}) == 1


def test_backoff_doubles_up_to_six_hours():
    waits = [delivery.backoff(attempt) for attempt in range(1, 16)]
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert max(waits) == timedelta(hours=6) and waits[-1] == timedelta(hours=6)


def test_retries_stop_after_72_hours(endpoint, third_party, receiver, django_capture_on_commit_callbacks):
    receiver.status = 503
    (sent,) = emit_and_send(django_capture_on_commit_callbacks, third_party)
    WebhookDelivery.objects.filter(pk=sent.pk).update(created_at=timezone.now() - timedelta(hours=71, minutes=59))

    make_due(sent)
    tasks.deliver_due_webhooks()

    sent.refresh_from_db()
    assert sent.status == "failed" and sent.next_attempt_at is None
    make_due_count = tasks.deliver_due_webhooks()
    assert make_due_count == 0 and len(receiver.requests) == 2


def test_a_disabled_endpoint_gets_nothing(endpoint, third_party, admin, receiver, django_capture_on_commit_callbacks):
    services.disable_endpoint(by=admin, endpoint=endpoint)

    deliveries = emit_and_send(django_capture_on_commit_callbacks, third_party)

    assert deliveries == []
    assert tasks.deliver_due_webhooks() == 0
    assert receiver.requests == []


def test_deliveries_waiting_when_an_endpoint_is_disabled_are_never_sent(
    endpoint, third_party, admin, receiver, django_capture_on_commit_callbacks
):
    services.emit(Event.REPORT_FAILED, third_party=third_party, payload={})  # its task never ran
    services.disable_endpoint(by=admin, endpoint=endpoint)

    assert tasks.deliver_due_webhooks() == 0
    assert receiver.requests == []
    assert WebhookDelivery.objects.get().status == "failed"


def test_an_endpoint_failing_for_three_days_is_disabled_and_its_admins_told(
    endpoint, third_party, admin, agent, receiver, django_capture_on_commit_callbacks
):
    receiver.status = 500
    endpoint.failing_since = timezone.now() - timedelta(hours=72, minutes=1)
    endpoint.consecutive_failures = 9
    endpoint.save()

    emit_and_send(django_capture_on_commit_callbacks, third_party)

    endpoint.refresh_from_db()
    assert not endpoint.is_active and "10 requests in a row failed" in endpoint.disabled_reason
    (message,) = mail.outbox
    assert message.to == [admin.email]
    assert endpoint.url in message.body and "disabled" in message.subject.lower()


def test_one_success_resets_the_failure_count(endpoint, third_party, receiver, django_capture_on_commit_callbacks):
    endpoint.failing_since, endpoint.consecutive_failures = timezone.now() - timedelta(hours=1), 5
    endpoint.save()

    emit_and_send(django_capture_on_commit_callbacks, third_party)

    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0 and endpoint.failing_since is None and endpoint.is_active


def test_a_rotated_secret_still_verifies_during_the_overlap(
    endpoint, third_party, admin, receiver, django_capture_on_commit_callbacks
):
    old_secret = receiver.secret
    _, new_secret = services.rotate_secret(by=admin, endpoint=endpoint)

    emit_and_send(django_capture_on_commit_callbacks, third_party)

    (request,) = receiver.requests
    assert request.verified  # the receiver still has the old secret
    args = (request.headers["MeterGate-Timestamp"], request.headers["MeterGate-Signature"], request.body)
    assert verify(new_secret, *args) and verify(old_secret, *args)


def test_the_old_secret_stops_signing_after_the_overlap(
    endpoint, third_party, admin, receiver, django_capture_on_commit_callbacks
):
    services.rotate_secret(by=admin, endpoint=endpoint)
    endpoint.refresh_from_db()
    endpoint.previous_secret_expires_at = timezone.now() - timedelta(seconds=1)
    endpoint.save()

    emit_and_send(django_capture_on_commit_callbacks, third_party)

    assert not receiver.requests[0].verified  # the receiver never switched to the new secret


def test_a_redirect_is_a_failure_and_is_not_followed(third_party, receiver, django_capture_on_commit_callbacks):
    register(third_party, receiver)
    receiver.status = 302

    (sent,) = emit_and_send(django_capture_on_commit_callbacks, third_party)

    sent.refresh_from_db()
    assert sent.status == "pending" and sent.last_status_code == 302
    assert len(receiver.requests) == 1


def test_an_unreachable_receiver_is_logged_without_a_status_code(
    third_party, receiver, django_capture_on_commit_callbacks
):
    register(third_party, receiver)
    receiver.stop()

    (sent,) = emit_and_send(django_capture_on_commit_callbacks, third_party)

    (attempt,) = sent.attempt_log.all()
    assert attempt.status_code is None and attempt.error
    assert WebhookDelivery.objects.get().status == "pending"


def test_only_subscribed_events_are_delivered(third_party, receiver, django_capture_on_commit_callbacks):
    register(third_party, receiver, events=[Event.REPORT_DELIVERED])

    assert emit_and_send(django_capture_on_commit_callbacks, third_party, event=Event.REPORT_FAILED) == []
    assert len(emit_and_send(django_capture_on_commit_callbacks, third_party, event=Event.REPORT_DELIVERED)) == 1
    assert [json.loads(request.body)["type"] for request in receiver.requests] == ["report.delivered"]


def test_production_refuses_targets_in_private_networks(settings):
    settings.WEBHOOK_ALLOW_LOCAL = False
    with pytest.raises(ValueError, match="non-public"):
        delivery.check_target("https://127.0.0.1/hook")


def test_the_readme_example_verifies_a_real_request(
    endpoint, third_party, receiver, django_capture_on_commit_callbacks
):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme.split("### Signed webhooks", 1)[1]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 - our own README's example
    emit_and_send(django_capture_on_commit_callbacks, third_party)
    (request,) = receiver.requests
    args = (request.headers["MeterGate-Timestamp"], request.headers["MeterGate-Signature"], request.body)

    assert namespace["verify"](receiver.secret, *args)
    assert not namespace["verify"]("whsec_wrong", *args)
