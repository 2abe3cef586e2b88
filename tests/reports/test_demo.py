"""The demo world's reports part: a delivered and a failed report, a schedule, and customers'
"who read my data" entries, all made through the services."""

import io

import pytest
from django.core.management import call_command

from reports.models import DataAccessLog, ReportRequest, ReportSchedule
from reports.selectors import access_log_for_customer

pytestmark = pytest.mark.django_db


def test_the_demo_has_delivered_and_failed_reports_a_schedule_and_access_log_entries(reports_dir):
    call_command("seed_demo", stdout=io.StringIO())

    delivered = ReportRequest.objects.get(status="delivered")
    failed = ReportRequest.objects.get(status="failed")
    assert delivered.items.filter(status="rejected").count() == 2
    files = list((reports_dir / f"third-party-{delivered.third_party_id}").iterdir())
    assert len(files) == delivered.esiids_done > 0
    assert "can no longer be read" in failed.failure_reason
    assert ReportSchedule.objects.filter(status="active").count() == 1
    entry = DataAccessLog.objects.filter(via="api").first()
    shown = access_log_for_customer(entry.customer)
    assert shown.exists() and shown.count() < DataAccessLog.objects.filter(customer=entry.customer).count()
