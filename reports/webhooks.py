"""Webhook events of reports: delivered (every readable ESIID's file is in the destination) or
failed. Called by the services inside their transaction; sent once it commits."""

from django.db.models import Count

from portal.webhooks.events import Event
from portal.webhooks.services import emit

from .models import ReportRequest


def report_finished(request: ReportRequest) -> None:
    if request.third_party_id is None:  # a customer's own report: nobody to tell
        return
    items = dict(request.items.values_list("status").annotate(count=Count("pk")).values_list("status", "count"))
    payload = {
        "report": {
            "number": request.number,
            "kind": request.kind,
            "format": request.format,
            "start_date": request.start_date,
            "end_date": request.end_date,
            "status": request.status,
            "delivered_to": request.delivered_to,
            "failure_reason": request.failure_reason,
            "finished_at": request.finished_at,
            "items": items,
        }
    }
    delivered = request.status == ReportRequest.Status.DELIVERED
    emit(
        Event.REPORT_DELIVERED if delivered else Event.REPORT_FAILED,
        third_party=request.third_party_id,
        payload=payload,
    )
