"""Background work of the reports app: thin wrappers around its services."""

from celery import shared_task

from . import services
from .delivery import DeliveryError
from .smt_v2 import subscriptions

MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def run_report(self, request_id: int) -> str:
    """Deliver a report request's files. Survives a killed worker: the message is acknowledged
    only at the end, and a run started again redoes only what was not delivered. Network errors
    are retried with backoff; after the last try the request fails with the reason."""
    try:
        return services.run_report(request_id=request_id).status
    except DeliveryError as error:
        if self.request.retries >= self.max_retries:
            return services.fail_report(request_id=request_id, reason=error.message).status
        if self.request.is_eager:  # no broker to come back through (embedded mode): try again in place
            return run_report.apply(args=[request_id], retries=self.request.retries + 1).result
        raise self.retry(countdown=min(600, 30 * 2**self.request.retries)) from error


@shared_task(acks_late=True)
def run_due_schedules() -> int:
    """Beat: make the due (and missed) periods of every schedule into report requests, after SMT
    subscriptions have taken in the agreements accepted since they were made."""
    subscriptions.extend_subscriptions()
    return len(services.run_due_schedules())


@shared_task
def resume_stalled_reports() -> int:
    """Beat: queue again the requests whose task was lost; a run is idempotent."""
    stalled = services.stalled_requests()
    for request_id in stalled:
        run_report.delay(request_id)
    return len(stalled)
