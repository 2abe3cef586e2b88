"""Demo world, webhooks part (runs last): Brightside receives events at a working endpoint with a
delivery log (received, retried, a test event); Texas Retail Power's endpoint was disabled after
failing for three days. The history is written directly: the demo hosts do not exist."""

import uuid
from datetime import timedelta

from django.utils import timezone

from . import services
from .events import Event
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

Status = WebhookDelivery.Status


def seed(world) -> None:
    third_parties = world.objects["third_parties"]
    now = timezone.now()
    working, _ = services.register_endpoint(
        by=None,
        third_party=third_parties["brightside"],
        url="https://hooks.brightside.example/metergate",
        description="Production receiver",
        events=[event.value for event in Event if event != Event.TEST],
    )
    _history(
        working,
        now,
        [
            (Event.INVITATION_ACCEPTED, timedelta(days=6), [200]),
            (Event.USAGE_AVAILABLE, timedelta(days=5), [200]),
            (Event.REPORT_DELIVERED, timedelta(days=3), [503, 503, 200]),
            (Event.AGREEMENT_TERMINATED, timedelta(days=1), [200]),
            (Event.TEST, timedelta(hours=5), [200]),
            (Event.DEVICE_JOINED, timedelta(minutes=3), [500]),  # still being retried
        ],
    )
    WebhookEndpoint.objects.filter(pk=working.pk).update(last_success_at=now - timedelta(hours=5))

    failing, _ = services.register_endpoint(
        by=None,
        third_party=third_parties["texasretail"],
        url="https://edi.texasretailpower.example/webhooks/metergate",
        description="EDI bridge",
        events=[Event.INVITATION_ACCEPTED, Event.AGREEMENT_TERMINATED, Event.AGREEMENT_EXPIRED],
    )
    _history(
        failing,
        now,
        [
            (Event.INVITATION_ACCEPTED, timedelta(days=8), [200]),
            (Event.AGREEMENT_TERMINATED, timedelta(days=4), [502] * 6),
            (Event.AGREEMENT_EXPIRED, timedelta(days=3, hours=2), [None] * 5),
        ],
    )
    started = now - timedelta(days=4)
    WebhookEndpoint.objects.filter(pk=failing.pk).update(
        is_active=False,
        disabled_at=now - timedelta(hours=20),
        disabled_reason=(
            f"Disabled automatically: 11 requests in a row failed, the first at {started:%Y-%m-%d %H:%M} UTC, "
            "none succeeded since."
        ),
        consecutive_failures=11,
        failing_since=started,
        last_success_at=now - timedelta(days=8),
    )


def _error(answer: int | None) -> str:
    if answer is None:
        return "Connection refused"
    return "" if answer < 300 else f"HTTP {answer}"


def _history(endpoint: WebhookEndpoint, now, entries) -> None:
    """Deliveries with their attempts: each entry is (event, how long ago, answers); None is no answer."""
    attempts = []
    for event, ago, answers in entries:
        created = now - ago
        moments = [created + timedelta(seconds=30 * (2**number - 1)) for number in range(len(answers))]
        received = answers[-1] is not None and 200 <= answers[-1] < 300
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_id=uuid.uuid4(),
            event=event,
            payload={"demo": True, "note": f"Demo event: {Event(event).label.lower()}."},
            status=Status.SUCCEEDED if received else (Status.PENDING if ago < timedelta(hours=1) else Status.FAILED),
            attempts=len(answers),
            created_at=created,
            last_attempt_at=moments[-1],
            last_status_code=answers[-1],
            last_error="" if received else _error(answers[-1]),
            delivered_at=moments[-1] if received else None,
            next_attempt_at=moments[-1] + timedelta(minutes=2) if not received and ago < timedelta(hours=1) else None,
        )
        for number, (answer, moment) in enumerate(zip(answers, moments, strict=True), start=1):
            attempts.append(
                WebhookAttempt(
                    delivery=delivery,
                    number=number,
                    attempted_at=moment,
                    status_code=answer,
                    error=_error(answer),
                    response_excerpt="ok" if answer and answer < 300 else "",
                    duration_ms=120 + 37 * number,
                )
            )
    WebhookAttempt.objects.bulk_create(attempts)
