"""The e-mails of reports: they say which files are ready and where, never carry a file."""

from django.urls import reverse

from portal.notifications import absolute_url, send_templated_email

from .models import ReportItem, ReportRequest

LISTED_FILES = 20


def _recipients(request: ReportRequest) -> list[str]:
    if request.customer_id:
        return [request.customer.email]
    recipients = [request.third_party.contact_email]
    if request.requested_by_id and request.requested_by.email not in recipients:
        recipients.append(request.requested_by.email)
    return recipients


def _context(request: ReportRequest) -> dict:
    url = reverse("reports:detail", args=[request.number]) if request.third_party_id else ""
    return {"request": request, "url": absolute_url(url) if url else ""}


def report_delivered(request: ReportRequest) -> None:
    delivered = request.items.filter(status=ReportItem.Status.DELIVERED).order_by("pk")
    count = delivered.count()
    send_templated_email(
        to=_recipients(request),
        template="reports/email/report_delivered",
        context={
            **_context(request),
            "files": list(delivered.values_list("file_name", flat=True)[:LISTED_FILES]),
            "file_count": count,
            "more": max(0, count - LISTED_FILES),
            "rejected": request.items.filter(status=ReportItem.Status.REJECTED).count(),
        },
    )


def report_failed(request: ReportRequest) -> None:
    send_templated_email(to=_recipients(request), template="reports/email/report_failed", context=_context(request))
