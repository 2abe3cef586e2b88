"""Webhook rules: registering, changing, rotating and disabling endpoints, and `emit`, which every
app's services call when something a third party may care about happened.

`emit` writes the delivery rows in the caller's transaction and queues their sending once it
commits: a rolled-back change sends nothing, and a delivery whose task was lost (the web process
ended, the broker was down) is still sent by the beat task that picks up due deliveries.
"""

import ipaddress
import json
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ..errors import DomainError
from ..models import ThirdParty, ThirdPartyMembership, User
from ..notifications import absolute_url, send_templated_email
from .events import SUBSCRIBABLE, Event
from .models import WebhookDelivery, WebhookEndpoint
from .signing import new_secret, seal

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


class WebhookError(DomainError):
    pass


def not_found() -> WebhookError:
    # The same answer for "does not exist" and "is another company's".
    return WebhookError("not_found", "No such webhook endpoint.", status_code=404)


def ensure_may_read(by: User | None, third_party: ThirdParty) -> None:
    """Any member of the third party (or its own API client, `by` None) may look."""
    if by is None or by.is_staff:
        return
    if by.third_party is None or by.third_party.pk != third_party.pk:
        raise not_found()


def ensure_may_manage(by: User | None, third_party: ThirdParty) -> None:
    """Only the third party's admins (and its own API clients) change webhooks; agents look."""
    ensure_may_read(by, third_party)
    if by is None or by.is_staff:
        return
    if by.third_party_membership.role != ThirdPartyMembership.Role.ADMIN:
        raise WebhookError("forbidden", "Only your company's admins may change webhooks.", status_code=403)


def clean_url(url: str) -> str:
    """HTTPS only; plain http to this machine when WEBHOOK_ALLOW_LOCAL is on (development, tests)."""
    url = (url or "").strip()
    error = WebhookError(
        "invalid_url", "Give an https:// URL.", fields={"url": ["Give an https:// URL of your receiver."]}
    )
    try:
        URLValidator(schemes=["http", "https"])(url)
    except Exception as invalid:  # noqa: BLE001 - Django's ValidationError; one message for any bad URL
        raise error from invalid
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if settings.WEBHOOK_ALLOW_LOCAL:
        if parts.scheme == "https" or host in LOOPBACK_HOSTS:
            return url
        raise error
    if parts.scheme != "https" or host in LOOPBACK_HOSTS or _is_private_address(host):
        raise error
    return url


def _is_private_address(host: str) -> bool:
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False  # a name: checked again, resolved, before each request


def clean_events(events) -> list[str]:
    chosen = [str(name) for name in (events or [])]
    unknown = sorted(set(chosen) - set(SUBSCRIBABLE))
    if unknown or not chosen:
        message = f"Unknown events: {', '.join(unknown)}." if unknown else "Choose at least one event."
        raise WebhookError("invalid_events", message, fields={"events": [message]})
    return [event.value for event in SUBSCRIBABLE if event.value in chosen]  # catalogue order, no repeats


@transaction.atomic
def register_endpoint(
    *, by: User | None, third_party: ThirdParty, url: str, events, description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret, which is returned only here (shown once)."""
    ensure_may_manage(by, third_party)
    url, events = clean_url(url), clean_events(events)
    ThirdParty.objects.select_for_update().filter(pk=third_party.pk).first()  # one count at a time
    if WebhookEndpoint.objects.filter(third_party=third_party).count() >= settings.WEBHOOK_MAX_ENDPOINTS:
        raise WebhookError(
            "too_many_endpoints",
            f"A company may register at most {settings.WEBHOOK_MAX_ENDPOINTS} endpoints.",
            status_code=409,
        )
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(
        third_party=third_party,
        url=url,
        events=events,
        description=(description or "").strip()[:200],
        secret_sealed=seal(secret),
        created_by=by,
    )
    return endpoint, secret


def update_endpoint(
    *, by: User | None, endpoint: WebhookEndpoint, url: str | None = None, events=None, description: str | None = None
) -> WebhookEndpoint:
    ensure_may_manage(by, endpoint.third_party)
    if url is not None:
        endpoint.url = clean_url(url)
    if events is not None:
        endpoint.events = clean_events(events)
    if description is not None:
        endpoint.description = description.strip()[:200]
    endpoint.save(update_fields=["url", "events", "description", "updated_at"])
    return endpoint


def rotate_secret(*, by: User | None, endpoint: WebhookEndpoint) -> tuple[WebhookEndpoint, str]:
    """A new secret (returned once); the old one still signs for WEBHOOK_SECRET_OVERLAP, so the
    receiver can switch without losing an event."""
    ensure_may_manage(by, endpoint.third_party)
    secret = new_secret()
    endpoint.previous_secret_sealed = endpoint.secret_sealed
    endpoint.previous_secret_expires_at = timezone.now() + settings.WEBHOOK_SECRET_OVERLAP
    endpoint.secret_sealed = seal(secret)
    endpoint.save(update_fields=["secret_sealed", "previous_secret_sealed", "previous_secret_expires_at", "updated_at"])
    return endpoint, secret


def delete_endpoint(*, by: User | None, endpoint: WebhookEndpoint) -> None:
    ensure_may_manage(by, endpoint.third_party)
    endpoint.delete()


@transaction.atomic
def disable_endpoint(*, by: User | None, endpoint: WebhookEndpoint, reason: str = "") -> WebhookEndpoint:
    ensure_may_manage(by, endpoint.third_party)
    return disable(endpoint=endpoint, reason=reason or "Disabled by your company.", notify=False)


def enable_endpoint(*, by: User | None, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Back on: new events are delivered again (those dropped while it was off are not)."""
    ensure_may_manage(by, endpoint.third_party)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=True, disabled_at=None, disabled_reason="", consecutive_failures=0, failing_since=None
    )
    endpoint.refresh_from_db()
    return endpoint


def disable(*, endpoint: WebhookEndpoint, reason: str, notify: bool) -> WebhookEndpoint:
    """Stop delivering to `endpoint`: pending deliveries fail at once. With `notify`, the third
    party's admins get an e-mail (automatic disabling). The caller holds the transaction."""
    now = timezone.now()
    changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason[:300], updated_at=now
    )
    WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING).update(
        status=WebhookDelivery.Status.FAILED, next_attempt_at=None, last_error="The endpoint was disabled."
    )
    endpoint.refresh_from_db()
    if changed and notify:
        third_party = endpoint.third_party
        send_templated_email(
            to=_admin_emails(third_party),
            template="portal/email/webhook_disabled",
            context={
                "endpoint": endpoint,
                "third_party": third_party,
                "endpoint_url": absolute_url(reverse("webhooks:detail", args=[endpoint.pk])),
            },
        )
    return endpoint


def _admin_emails(third_party: ThirdParty) -> list[str]:
    admins = User.objects.filter(
        is_active=True,
        third_party_membership__third_party=third_party,
        third_party_membership__role=ThirdPartyMembership.Role.ADMIN,
    ).order_by("email")
    return list(admins.values_list("email", flat=True)) or [third_party.contact_email]


@transaction.atomic
def send_test_event(*, by: User | None, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A `webhook.test` event to this endpoint only, whatever it subscribes to."""
    ensure_may_manage(by, endpoint.third_party)
    if not endpoint.is_active:
        raise WebhookError("endpoint_disabled", "Enable the endpoint before sending a test event.", status_code=409)
    payload = {"message": "A test event from MeterGate.", "endpoint": endpoint.pk}
    return _create_deliveries(Event.TEST, [endpoint], payload)[0]


def emit(event: str, *, third_party: ThirdParty | int, payload: dict) -> list[WebhookDelivery]:
    """Tell `third_party`'s endpoints subscribed to `event`, once the caller's transaction commits.
    Costs one query when nobody listens."""
    event = Event(event)
    third_party_id = getattr(third_party, "pk", third_party)
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(third_party_id=third_party_id, is_active=True).only("events")
        if event in endpoint.events
    ]
    return _create_deliveries(event, endpoints, payload) if endpoints else []


def anyone_listens(*events: str) -> bool:
    """Whether any active endpoint wants one of `events`: lets bulk work skip building payloads."""
    wanted = set(events)
    subscriptions = WebhookEndpoint.objects.filter(is_active=True).values_list("events", flat=True)
    return any(wanted.intersection(subscribed) for subscribed in subscriptions)


def _create_deliveries(event: str, endpoints: list[WebhookEndpoint], payload: dict) -> list[WebhookDelivery]:
    data = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))  # dates, decimals, ids as JSON
    event_id, now = uuid.uuid4(), timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint, event_id=event_id, event=event, payload=data, created_at=now, next_attempt_at=now
        )
        for endpoint in endpoints
    )
    delivery_ids = [str(delivery.pk) for delivery in deliveries]

    def send() -> None:
        from . import tasks  # the tasks module imports this one

        for delivery_id in delivery_ids:
            tasks.deliver_webhook.delay(delivery_id)

    # robust: a broker that is down must not break the change that committed; the beat sends it.
    transaction.on_commit(send, robust=True)
    return deliveries
