"""Report queries, always filtered by who asks."""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from agreements.services import add_months

from .models import DataAccessLog, ReportRequest, ReportSchedule

CUSTOMER_LOG_MONTHS = 3


def requests_for_third_party(third_party) -> QuerySet[ReportRequest]:
    return (
        ReportRequest.objects.filter(third_party=third_party)
        .select_related("requested_by")
        .order_by("-created_at", "-pk")
    )


def schedules_for_third_party(third_party) -> QuerySet[ReportSchedule]:
    return (
        ReportSchedule.objects.filter(third_party=third_party)
        .select_related("agreement")
        .prefetch_related("premises")
        .order_by("-created_at", "-pk")
    )


def access_log_for_customer(customer, *, now: datetime | None = None) -> QuerySet[DataAccessLog]:
    """Who read the customer's data in the last 3 months: entries made under the customer's own
    consent (another customer of the same premise never sees them). Older ones stay for audit."""
    since = add_months(now or timezone.now(), -CUSTOMER_LOG_MONTHS)
    return (
        DataAccessLog.objects.filter(customer=customer, at__gte=since)
        .select_related("third_party", "premise", "agreement")
        .order_by("-at", "-pk")
    )
