"""Report schedules: due periods become requests, missed ones are caught up without doubling,
never past the agreement's end, and nothing more once the agreement ends."""

import datetime as dt
from datetime import timedelta

import pytest
from django.utils import timezone

from agreements import services as agreement_services
from reports import services
from reports.models import ReportRequest, ReportSchedule, ReportScheduleRun
from reports.services import ReportError
from tests.factories import ThirdPartyFactory, third_party_user

from .conftest import covered_premise, local

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _noon(day: dt.date):
    return local(day, 12)


def _periods(schedule) -> list[tuple[dt.date, dt.date]]:
    return list(schedule.runs.order_by("period_start").values_list("period_start", "period_end"))


def test_each_due_day_becomes_one_request_and_missed_days_are_caught_up_once(third_party, agent):
    premise, agreement = covered_premise(third_party)
    schedule = services.create_schedule(
        by=agent, agreement=agreement, kind="interval", starts_on=TODAY - timedelta(days=5)
    )

    made = services.run_due_schedules(now=_noon(TODAY))
    again = services.run_due_schedules(now=_noon(TODAY))

    days = [TODAY - timedelta(days=offset) for offset in range(5, 0, -1)]
    assert _periods(schedule) == [(day, day) for day in days]
    assert len(made) == 5 and again == []
    assert ReportRequest.objects.filter(source="schedule").count() == 5
    request = made[0]
    assert (request.kind, request.third_party, request.start_date, request.end_date) == (
        "interval",
        third_party,
        days[0],
        days[0],
    )
    assert list(request.items.values_list("esiid", flat=True)) == [premise.esiid]
    schedule.refresh_from_db()
    assert schedule.next_run_at == local(TODAY + timedelta(days=1), 6)


def test_a_day_is_not_due_before_the_morning_after(third_party, agent):
    _premise, agreement = covered_premise(third_party)
    schedule = services.create_schedule(
        by=agent, agreement=agreement, kind="daily", starts_on=TODAY - timedelta(days=1)
    )

    assert services.run_due_schedules(now=local(TODAY, 5, 59)) == []
    assert len(services.run_due_schedules(now=local(TODAY, 6, 0))) == 1
    assert _periods(schedule) == [(TODAY - timedelta(days=1), TODAY - timedelta(days=1))]


def test_two_beats_at_once_never_double_a_period(third_party, agent):
    """The unique (schedule, period) run: a period made already is skipped, not made twice."""
    _premise, agreement = covered_premise(third_party)
    schedule = services.create_schedule(
        by=agent, agreement=agreement, kind="daily", starts_on=TODAY - timedelta(days=2)
    )
    services.run_due_schedules(now=_noon(TODAY))
    ReportSchedule.objects.filter(pk=schedule.pk).update(next_run_at=local(TODAY - timedelta(days=5)))
    ReportScheduleRun.objects.filter(schedule=schedule, period_start=TODAY - timedelta(days=1)).delete()

    services.run_due_schedules(now=_noon(TODAY))

    assert _periods(schedule) == [(TODAY - timedelta(days=2),) * 2, (TODAY - timedelta(days=1),) * 2]


def test_a_schedule_never_covers_a_day_past_the_agreements_end(third_party, agent):
    ends_at = local(TODAY + timedelta(days=3), 15)
    _premise, agreement = covered_premise(third_party, ends_at=ends_at, months=1)
    schedule = services.create_schedule(
        by=agent, agreement=agreement, kind="interval", ends_on=TODAY + timedelta(days=30)
    )

    assert schedule.ends_on == TODAY + timedelta(days=2)  # the last whole day before 15:00 on day 3
    services.run_due_schedules(now=local(TODAY + timedelta(days=3), 7))

    schedule.refresh_from_db()
    assert _periods(schedule)[-1] == (TODAY + timedelta(days=2),) * 2
    assert schedule.status == "ended" and schedule.end_reason == "Every period was exported."


def test_a_schedule_stops_when_the_agreement_expires(third_party, agent):
    _premise, agreement = covered_premise(third_party, ends_at=local(TODAY + timedelta(days=3), 15), months=1)
    schedule = services.create_schedule(by=agent, agreement=agreement, kind="daily")

    made = services.run_due_schedules(now=local(TODAY + timedelta(days=3), 16))  # past the end: the consent is gone

    schedule.refresh_from_db()
    assert made == []
    assert (schedule.status, schedule.end_reason, schedule.next_run_at) == ("ended", "The agreement ended.", None)


def test_a_schedule_stops_at_once_when_the_agreement_is_terminated(third_party, agent):
    _premise, agreement = covered_premise(third_party)
    schedule = services.create_schedule(
        by=agent, agreement=agreement, kind="daily", starts_on=TODAY - timedelta(days=3)
    )
    agreement_services.terminate_agreement(by=agreement.customer, agreement=agreement, reason="Changed my mind")

    made = services.run_due_schedules(now=_noon(TODAY))

    schedule.refresh_from_db()
    assert made == [] and _periods(schedule) == []
    assert schedule.status == "ended"


def test_a_queued_scheduled_report_of_a_terminated_agreement_delivers_nothing(third_party, agent, reports_dir):
    _premise, agreement = covered_premise(third_party)
    services.create_schedule(by=agent, agreement=agreement, kind="daily", starts_on=TODAY - timedelta(days=1))
    [request] = services.run_due_schedules(now=_noon(TODAY))  # queued; its task runs on commit
    agreement_services.terminate_agreement(by=agreement.customer, agreement=agreement, reason="Stop")

    services.run_report(request_id=request.pk)

    request.refresh_from_db()
    assert request.status == "failed"
    assert not (reports_dir / f"third-party-{third_party.pk}").exists() or not any(
        (reports_dir / f"third-party-{third_party.pk}").iterdir()
    )


def test_monthly_schedules_run_once_per_calendar_month(third_party, agent):
    _premise, agreement = covered_premise(third_party, months=6)
    first_of_month = TODAY.replace(day=1)
    previous = (first_of_month - timedelta(days=1)).replace(day=1)
    schedule = services.create_schedule(by=agent, agreement=agreement, kind="monthly", starts_on=previous)

    services.run_due_schedules(now=_noon(TODAY))

    assert _periods(schedule) == [(previous, first_of_month - timedelta(days=1))]


def test_a_one_time_agreement_cannot_be_scheduled(third_party, agent):
    _premise, agreement = covered_premise(third_party, duration_kind="one_time", months=None, data_kinds=["daily"])

    with pytest.raises(ReportError) as refused:
        services.create_schedule(by=agent, agreement=agreement, kind="daily")

    assert refused.value.code == "not_schedulable"


def test_an_esiid_outside_the_agreement_is_refused(third_party, agent):
    _premise, agreement = covered_premise(third_party)
    other, _ = covered_premise(third_party)

    with pytest.raises(ReportError) as refused:
        services.create_schedule(by=agent, agreement=agreement, kind="daily", esiids=[other.esiid])

    assert refused.value.code == "esiid_not_in_agreement"


def test_another_third_party_cannot_schedule_on_an_agreement(third_party):
    _premise, agreement = covered_premise(third_party)
    outsider = third_party_user(ThirdPartyFactory())

    with pytest.raises(ReportError) as refused:
        services.create_schedule(by=outsider, agreement=agreement, kind="daily")

    assert refused.value.status_code == 404
