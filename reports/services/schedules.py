"""Report schedules: a recurring export under one continuous Energy Data agreement of 1 to 12
months. Each period (a local day for daily 15-minute usage and daily meter reads, a calendar
month for monthly usage) becomes due REPORTS_SCHEDULE_LAG_HOURS after it ends and is made into
one report request. A beat task makes the due ones; missed periods (no beat, worker down) are
caught up, and a period is never made twice (one run per schedule and period, unique).

A schedule never covers a day past its agreement's end, and ends as soon as the agreement is no
longer active (the access gate refuses its queued requests at that moment already).
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from agreements.models import Agreement, AgreementType, DataKind, DurationKind
from portal.models import User

from ..formats import unsupported
from ..models import ReportFormat, ReportRequest, ReportSchedule, ReportScheduleRun
from ._common import ReportError, acting_third_party, midnight, not_found
from .requests import EsiidEntry, build_request

LAG_HOURS = 6  # data of a day is published the next morning


def _lag() -> timedelta:
    return timedelta(hours=getattr(settings, "REPORTS_SCHEDULE_LAG_HOURS", LAG_HOURS))


def _zone(schedule_or_agreement) -> ZoneInfo:
    premise = schedule_or_agreement.premises.order_by("pk").first()
    return ZoneInfo(premise.time_zone if premise else settings.TIME_ZONE)


def last_covered_day(agreement: Agreement, zone: ZoneInfo) -> date:
    """The last local day wholly inside the agreement's term."""
    return agreement.ends_at.astimezone(zone).date() - timedelta(days=1)


def period_of(kind: str, day: date) -> tuple[date, date]:
    """The period that starts on `day`: that day, or (monthly) its calendar month."""
    if kind == DataKind.MONTHLY:
        first = day.replace(day=1)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return first, following - timedelta(days=1)
    return day, day


def due_at(period_end: date, zone: ZoneInfo) -> datetime:
    return midnight(period_end + timedelta(days=1), zone) + _lag()


@transaction.atomic
def create_schedule(
    *,
    by: User | None,
    third_party=None,
    agreement: Agreement,
    kind: str,
    format: str = ReportFormat.TEXAS_CSV,
    esiids: list[str] | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    now: datetime | None = None,
) -> ReportSchedule:
    """Schedule `kind` exports of the agreement's premises (or the `esiids` among them) from
    `starts_on` (today by default) to `ends_on` (the agreement's last day by default, never later)."""
    now = now or timezone.now()
    third_party = acting_third_party(by, third_party)
    if agreement.third_party_id != third_party.pk:
        raise not_found("agreement")
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if not (
        agreement.agreement_type == AgreementType.ENERGY_DATA
        and agreement.duration_kind == DurationKind.CONTINUOUS
        and agreement.months
        and 1 <= agreement.months <= 12
    ):
        raise ReportError(
            "not_schedulable", "Schedules need a continuous Energy Data agreement of 1 to 12 months.", status_code=409
        )
    if agreement.status != Agreement.Status.ACTIVE or (agreement.ends_at and agreement.ends_at <= now):
        raise ReportError("agreement_ended", "This agreement has ended.", status_code=409)
    if kind not in [choice.value for choice in ReportSchedule.KINDS]:
        message = "Choose daily 15-minute usage (interval), daily meter reads (daily) or monthly usage (monthly)."
        raise ReportError("invalid_kind", message, fields={"kind": [message]})
    if kind not in (agreement.data_kinds or []):
        raise ReportError(
            "wrong_kind", "The agreement does not cover this kind of data.", fields={"kind": ["Not covered."]}
        )
    if format not in ReportFormat.values:
        raise ReportError("invalid_format", "Unknown format.", fields={"format": ["Unknown format."]})
    if problem := unsupported(kind, format):
        raise ReportError("invalid_format", problem, fields={"format": [problem]})
    premises = list(agreement.premises.order_by("pk"))
    if esiids:
        wanted = {value.strip().lstrip("'") for value in esiids if value.strip()}
        chosen = [premise for premise in premises if premise.esiid in wanted]
        outside = sorted(wanted - {premise.esiid for premise in chosen})
        if outside:
            message = f"Not in this agreement: {', '.join(outside[:20])}."
            raise ReportError("esiid_not_in_agreement", message, fields={"esiids": [message]})
        premises = chosen
    zone = ZoneInfo(premises[0].time_zone) if premises else ZoneInfo(settings.TIME_ZONE)
    today = timezone.localdate(now, zone)
    last_day = last_covered_day(agreement, zone)
    starts_on = starts_on or today
    ends_on = min(ends_on or last_day, last_day)
    if kind == DataKind.MONTHLY:
        starts_on = starts_on.replace(day=1)
    if starts_on < agreement.starts_at.astimezone(zone).date() - timedelta(days=366):
        raise ReportError("too_far_back", "A schedule cannot start more than 12 months back.")
    first_period = period_of(kind, starts_on)
    if first_period[1] > ends_on:
        message = f"The agreement ends too soon for this schedule: its last day is {last_day:%Y-%m-%d}."
        raise ReportError("beyond_agreement", message, fields={"ends_on": [message]})
    schedule = ReportSchedule.objects.create(
        third_party=third_party,
        agreement=agreement,
        kind=kind,
        format=format,
        starts_on=starts_on,
        ends_on=ends_on,
        next_run_at=due_at(first_period[1], zone),
        created_by=by,
    )
    schedule.premises.set(premises)
    return schedule


@transaction.atomic
def cancel_schedule(*, by: User | None, third_party=None, schedule: ReportSchedule) -> ReportSchedule:
    third_party = acting_third_party(by, third_party)
    if schedule.third_party_id != third_party.pk:
        raise not_found("schedule")
    schedule = ReportSchedule.objects.select_for_update().get(pk=schedule.pk)
    if schedule.status != ReportSchedule.Status.ACTIVE:
        raise ReportError("not_active", f"This schedule is {schedule.get_status_display().lower()}.", status_code=409)
    _end(schedule, ReportSchedule.Status.CANCELLED, "Cancelled by the third party.", timezone.now())
    return schedule


def _end(schedule: ReportSchedule, status: str, reason: str, now: datetime) -> None:
    schedule.status, schedule.end_reason, schedule.ended_at, schedule.next_run_at = status, reason, now, None
    schedule.save(update_fields=["status", "end_reason", "ended_at", "next_run_at", "updated_at"])


def end_schedules_of_ended_agreements(*, now: datetime | None = None) -> int:
    """Active schedules whose agreement is no longer active (or past its end) end now."""
    now = now or timezone.now()
    ended = ReportSchedule.objects.filter(status=ReportSchedule.Status.ACTIVE).filter(
        ~Q(agreement__status=Agreement.Status.ACTIVE) | Q(agreement__ends_at__lte=now)
    )
    return ended.update(
        status=ReportSchedule.Status.ENDED,
        end_reason="The agreement ended.",
        ended_at=now,
        next_run_at=None,
        updated_at=now,
    )


def run_due_schedules(*, now: datetime | None = None) -> list[ReportRequest]:
    """Make a report request for every due period of every active schedule (missed ones too);
    returns the requests made. Running it twice makes nothing more."""
    now = now or timezone.now()
    end_schedules_of_ended_agreements(now=now)
    made = []
    due = ReportSchedule.objects.filter(status=ReportSchedule.Status.ACTIVE, next_run_at__lte=now).values_list(
        "pk", flat=True
    )
    for schedule_id in list(due):
        made += _run_schedule(schedule_id, now)
    return made


@transaction.atomic
def _run_schedule(schedule_id: int, now: datetime) -> list[ReportRequest]:
    schedule = (
        ReportSchedule.objects.select_for_update(skip_locked=True)
        .select_related("third_party", "agreement")
        .filter(pk=schedule_id, status=ReportSchedule.Status.ACTIVE)
        .first()
    )
    if schedule is None:  # another beat has it, or it ended
        return []
    zone = _zone(schedule)
    esiids = [EsiidEntry(esiid) for esiid in schedule.premises.order_by("pk").values_list("esiid", flat=True)]
    last = schedule.runs.order_by("-period_start").first()
    day = last.period_end + timedelta(days=1) if last else schedule.starts_on
    made = []
    while True:
        first, final = period_of(schedule.kind, day)
        if final > schedule.ends_on:
            _end(schedule, ReportSchedule.Status.ENDED, "Every period was exported.", now)
            break
        if due_at(final, zone) > now:
            schedule.next_run_at = due_at(final, zone)
            schedule.save(update_fields=["next_run_at", "updated_at"])
            break
        request = _make_run(schedule, first, final, esiids, now)
        if request is not None:
            made.append(request)
        day = final + timedelta(days=1)
    return made


def _make_run(schedule: ReportSchedule, first: date, final: date, esiids, now: datetime) -> ReportRequest | None:
    try:
        with transaction.atomic():
            request = build_request(
                third_party=schedule.third_party,
                customer=None,
                requested_by=None,
                kind=schedule.kind,
                format=schedule.format,
                start_date=first,
                end_date=final,
                entries=esiids,
                source=ReportRequest.Source.SCHEDULE,
                now=now,
                allow_empty=True,
            )
            ReportScheduleRun.objects.create(schedule=schedule, period_start=first, period_end=final, request=request)
    except IntegrityError:  # this period was made already
        return None
    return request
