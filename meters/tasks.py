"""Background work of in-home (HAN) devices, on the `headend` queue: requests and messages handed
to the head-end, answers polled, and the beat's sweeps (unsent, timed out, older than 13 months)."""

from celery import shared_task

from . import services
from .headend import HeadEndUnavailable

# Network work: a head-end that cannot be reached is asked again with backoff, and the request
# times out (HAN_REQUEST_TIMEOUT) if it never comes back.
HEADEND = {"acks_late": True, "autoretry_for": (HeadEndUnavailable,), "retry_backoff": True, "max_retries": 6}


@shared_task(**HEADEND)
def send_device_request(event_id: int) -> None:
    services.send_device_request(event_id=event_id)


@shared_task(**HEADEND)
def deliver_han_message(message_id: int) -> None:
    services.deliver_han_message(message_id=message_id)


@shared_task(**HEADEND)
def poll_headend(event_ids: list[int] = (), message_ids: list[int] = ()) -> int:
    return services.poll_headend(event_ids=event_ids, message_ids=message_ids)


@shared_task(**HEADEND)
def poll_open_requests() -> dict[str, int]:
    return services.poll_open_requests()


@shared_task(acks_late=True)
def expire_han_requests() -> dict[str, int]:
    return services.expire_han_requests()


@shared_task(acks_late=True)
def purge_han_history() -> dict[str, int]:
    return services.purge_han_history()
