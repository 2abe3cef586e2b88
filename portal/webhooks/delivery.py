"""Sending a delivery: sign, POST, log the attempt, then succeed, retry with exponential backoff
(30 s doubling up to 6 h) or give up once the 72-hour retry window is over. An endpoint that
fails without a single success for WEBHOOK_DISABLE_AFTER is disabled and its admins told.

A delivery is claimed with a conditional UPDATE before the request, so the task queued on commit
and the beat sweep never send it twice at once; a worker that dies mid-request leaves the claim to
lapse after CLAIM_LEASE and the sweep sends it again (receivers deduplicate by the event id).
"""

import http.client
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .services import disable
from .signing import EVENT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_header, unseal

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=6)
RETRY_WINDOW = timedelta(hours=72)
CLAIM_LEASE = timedelta(minutes=5)
EXCERPT_CHARS = 500
DUE_BATCH = 500

Status = WebhookDelivery.Status


@dataclass(frozen=True)
class Outcome:
    status_code: int | None = None
    error: str = ""
    excerpt: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min, … at most 6 h."""
    return min(BACKOFF_BASE * 2 ** min(attempts - 1, 20), BACKOFF_MAX)


def due_deliveries(*, now: datetime | None = None, limit: int = DUE_BATCH) -> list[str]:
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now, endpoint__is_active=True)
    return [str(pk) for pk in due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit]]


def body_of(delivery: WebhookDelivery) -> bytes:
    """The request body: the same bytes on every attempt (only the timestamp header changes)."""
    envelope = {
        "id": str(delivery.event_id),
        "type": delivery.event,
        "created": delivery.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": delivery.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode("utf-8")


def deliver(*, delivery_id: str) -> WebhookDelivery | None:
    """Make the next attempt of a due delivery; None when it is not due (sent, being sent,
    waiting for its retry, or its endpoint is disabled)."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
    ).update(next_attempt_at=now + CLAIM_LEASE)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    outcome = _post(delivery, now)
    return _record(delivery, outcome, timezone.now())


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer (3xx, a failure), never followed: the URL registered is the target."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    current = [unseal(endpoint.secret_sealed)]
    if endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > now:
        current.append(unseal(endpoint.previous_secret_sealed))
    return [secret for secret in current if secret]


def check_target(url: str) -> None:
    """Outside development every address the host resolves to must be public: a third party's
    URL must not reach into the utility's own network."""
    if settings.WEBHOOK_ALLOW_LOCAL:
        return
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise ValueError("Only https:// URLs are delivered to.")
    for *_, address in socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP):
        if not ipaddress.ip_address(address[0]).is_global:
            raise ValueError(f"{parts.hostname} resolves to a non-public address.")


def _post(delivery: WebhookDelivery, now: datetime) -> Outcome:
    endpoint = delivery.endpoint
    secrets_in_use = _secrets(endpoint, now)
    if not secrets_in_use:
        return Outcome(error="The endpoint's secret cannot be read any more: rotate it.")
    body = body_of(delivery)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "MeterGate-Webhooks/1",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature_header(secrets_in_use, timestamp, body),
        EVENT_ID_HEADER: str(delivery.event_id),
        EVENT_HEADER: delivery.event,
    }
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        check_target(endpoint.url)
        request = urllib.request.Request(endpoint.url, data=body, headers=headers, method="POST")  # noqa: S310
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return Outcome(status_code=response.status, excerpt=_excerpt(response), duration_ms=elapsed())
    except urllib.error.HTTPError as error:
        return Outcome(
            status_code=error.code, error=f"HTTP {error.code}", excerpt=_excerpt(error), duration_ms=elapsed()
        )
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        return Outcome(error=str(reason)[:300] or type(error).__name__, duration_ms=elapsed())


def _excerpt(response) -> str:
    try:
        return response.read(EXCERPT_CHARS * 4).decode("utf-8", errors="replace")[:EXCERPT_CHARS]
    except (OSError, http.client.HTTPException):
        return ""


@transaction.atomic
def _record(delivery: WebhookDelivery, outcome: Outcome, now: datetime) -> WebhookDelivery:
    number = delivery.attempts + 1
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=number,
        attempted_at=now,
        status_code=outcome.status_code,
        error=outcome.error[:300],
        response_excerpt=outcome.excerpt,
        duration_ms=outcome.duration_ms,
    )
    fields = {
        "attempts": number,
        "last_attempt_at": now,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error[:300],
    }
    endpoints = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id)
    if outcome.ok:
        fields.update(status=Status.SUCCEEDED, delivered_at=now, next_attempt_at=None)
        endpoints.update(consecutive_failures=0, failing_since=None, last_success_at=now)
    else:
        retry_at = now + backoff(number)
        if retry_at > delivery.created_at + RETRY_WINDOW:
            fields.update(status=Status.FAILED, next_attempt_at=None)
        else:
            fields.update(next_attempt_at=retry_at)
        endpoints.update(
            consecutive_failures=F("consecutive_failures") + 1, failing_since=Coalesce("failing_since", Value(now))
        )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    if not outcome.ok:
        _disable_if_failing(delivery.endpoint_id, now)
    delivery.refresh_from_db()
    return delivery


def _disable_if_failing(endpoint_id: int, now: datetime) -> None:
    endpoint = WebhookEndpoint.objects.select_for_update().select_related("third_party").get(pk=endpoint_id)
    sustained = (
        endpoint.is_active
        and endpoint.failing_since is not None
        and endpoint.failing_since <= now - settings.WEBHOOK_DISABLE_AFTER
        and endpoint.consecutive_failures >= settings.WEBHOOK_DISABLE_MIN_FAILURES
    )
    if sustained:
        reason = (
            f"Disabled automatically: {endpoint.consecutive_failures} requests in a row failed, "
            f"the first at {endpoint.failing_since:%Y-%m-%d %H:%M} UTC, none succeeded since."
        )
        disable(endpoint=endpoint, reason=reason, notify=True)


def purge_history(*, now: datetime | None = None) -> int:
    """Finished deliveries older than WEBHOOK_LOG_DAYS leave the log (set-based)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_LOG_DAYS)
    deleted, _ = WebhookDelivery.objects.filter(created_at__lt=cutoff).exclude(status=Status.PENDING).delete()
    return deleted
