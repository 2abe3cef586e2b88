"""Webhook background work: one delivery attempt, the sweep of due deliveries (retries, and
sends whose task was lost), the log's purge. Thin: each calls one service.

The service module is imported inside each task: `portal.tasks` imports this module, and the
services import `portal.notifications`, which imports `portal.tasks`.
"""

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def deliver_webhook(delivery_id: str) -> None:
    from . import delivery

    delivery.deliver(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def deliver_due_webhooks() -> int:
    from . import delivery

    due = delivery.due_deliveries()
    for delivery_id in due:
        deliver_webhook.delay(delivery_id)
    return len(due)


@shared_task(ignore_result=True)
def purge_webhook_history() -> int:
    from . import delivery

    return delivery.purge_history()
