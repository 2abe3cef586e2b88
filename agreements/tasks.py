"""Background work of the consent workflow: the periodic expiry sweep (Celery beat)."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def expire_due() -> dict[str, int]:
    """Expire invitations, extension requests and agreements that are due; safe to run twice."""
    return services.expire_due()
