"""SMT v2 subscriptions: `/v2/NewSubscription/` makes one report schedule per active continuous
agreement of the company that covers the data type (reports.services.create_schedule) and, when
history is asked, one report request for it (create_report_request: the gate keeps each ESIID to
what its agreement allows). One active subscription per data type: a second is refused the way
SMT refuses it. An agreement accepted later joins an active subscription at the next schedule beat
(`extend_subscriptions`): a schedule of its own from the day it began, inside its own term, and, when
the subscription asked for history, a backfill of its own (once: SmtSubscriptionBackfill)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from agreements import access
from agreements.models import Agreement, AgreementType, DataKind, DurationKind
from agreements.services import add_months

from ..models import ReportSchedule
from ..models_smt import SmtApiSettings, SmtSubscription, SmtSubscriptionBackfill
from ..services import ReportError, cancel_schedule, create_report_request, create_schedule
from ..services._common import day_span
from .services import FILE_FORMATS, SmtError

KINDS = {"DAILY": DataKind.DAILY, "INTERVAL": DataKind.INTERVAL, "MONTHLY": DataKind.MONTHLY}
HISTORY_MONTHS = (3, 6, 9, 12, 24)
MAX_HISTORY = 12  # the access gate's reach


class DuplicateSubscription(SmtError):
    def __init__(self, duns: str):
        super().__init__("0001", f"Subcription is already active::{duns}", status_code=400)
        self.duns = duns


def _agreements(third_party, kind, now=None):
    now = now or timezone.now()
    return [
        agreement
        for agreement in Agreement.objects.filter(
            third_party=third_party,
            agreement_type=AgreementType.ENERGY_DATA,
            duration_kind=DurationKind.CONTINUOUS,
            status=Agreement.Status.ACTIVE,
            ends_at__gt=now,
            months__lte=12,
        ).order_by("pk")
        if kind in (agreement.data_kinds or [])
    ]


@transaction.atomic
def subscribe(*, third_party, subscription_type, data_type, report_format, delivery_mode, history) -> SmtSubscription:
    kind = KINDS[data_type]
    if history and history not in HISTORY_MONTHS:
        raise SmtError("400", f"historicalSubscriptionDuration must be one of {', '.join(map(str, HISTORY_MONTHS))}.")
    if delivery_mode not in ("FTP", "EML"):
        raise SmtError("400", "Subscriptions are delivered by FTP or EML.")
    if SmtSubscription.objects.filter(third_party=third_party, data_type=data_type, status="active").exists():
        raise DuplicateSubscription(SmtApiSettings.objects.get(third_party=third_party).duns)
    agreements = _agreements(third_party, kind)
    if not agreements:
        raise SmtError("no_agreement", "You have no active agreement covering this data type.", status_code=409)
    try:
        with transaction.atomic():
            subscription = SmtSubscription.objects.create(
                third_party=third_party,
                subscription_type=subscription_type,
                data_type=data_type,
                report_format=report_format,
                delivery_mode=delivery_mode,
                historical_months=history or 0,
            )
    except IntegrityError as error:  # a concurrent twin won the race
        raise DuplicateSubscription(SmtApiSettings.objects.get(third_party=third_party).duns) from error
    format = FILE_FORMATS[report_format]
    try:
        subscription.schedules.set(
            [
                create_schedule(by=None, third_party=third_party, agreement=agreement, kind=kind, format=format)
                for agreement in agreements
            ]
        )
    except ReportError as error:
        raise SmtError(error.code, error.message, status_code=error.status_code) from error
    if history:
        subscription.backfill = _backfill(third_party, agreements, kind, format, history)
        subscription.save(update_fields=["backfill"])
    return subscription


def extend_subscriptions(*, now=None) -> int:
    """Give each active subscription a schedule for every agreement that now covers its data type
    and has none in it yet (accepted after the subscription was made); returns the schedules added.
    Run before the schedules (reports.tasks.run_due_schedules); running it twice adds nothing."""
    now = now or timezone.now()
    added = 0
    for subscription_id in SmtSubscription.objects.filter(status=SmtSubscription.Status.ACTIVE).values_list(
        "pk", flat=True
    ):
        added += _extend(subscription_id, now)
    return added


@transaction.atomic
def _extend(subscription_id: int, now) -> int:
    # Locked, so two beats at once cannot give the same agreement two schedules.
    subscription = (
        SmtSubscription.objects.select_for_update(skip_locked=True)
        .select_related("third_party")
        .filter(pk=subscription_id, status=SmtSubscription.Status.ACTIVE)
        .first()
    )
    if subscription is None:
        return 0
    kind = KINDS[subscription.data_type]
    covered = set(subscription.schedules.values_list("agreement_id", flat=True))
    added = []
    for agreement in _agreements(subscription.third_party, kind, now):
        if agreement.pk in covered:
            continue
        try:
            with transaction.atomic():
                schedule = create_schedule(
                    by=None,
                    third_party=subscription.third_party,
                    agreement=agreement,
                    kind=kind,
                    format=FILE_FORMATS[subscription.report_format],
                    starts_on=_first_day(subscription, agreement),
                    now=now,
                )
                _backfill_once(subscription, agreement, kind, now)
        except ReportError:
            continue  # e.g. the agreement ends before a whole period: nothing to schedule
        added.append(schedule)
    subscription.schedules.add(*added)
    return len(added)


def _first_day(subscription: SmtSubscription, agreement: Agreement):
    """The agreement's first local day, or the subscription's if the agreement is older (its
    history is the backfill's)."""
    premise = agreement.premises.order_by("pk").first()
    zone = ZoneInfo(premise.time_zone) if premise else timezone.get_current_timezone()
    return max(agreement.starts_at.astimezone(zone).date(), subscription.created_at.astimezone(zone).date())


def _history_start(months: int, today):
    return add_months(today, -min(months, MAX_HISTORY))


def _backfill(third_party, agreements, kind, format, months):
    esiids = {premise.esiid for agreement in agreements for premise in agreement.premises.all()}
    return _request_history(third_party, kind, format, _history_start(months, timezone.localdate()), esiids)


def _backfill_once(subscription: SmtSubscription, agreement: Agreement, kind: str, now) -> None:
    """The history the subscription asked for, of what `agreement` alone covers, recorded so a second
    beat gives none (the marker goes in first: a concurrent twin fails on the constraint and skips)."""
    if not subscription.historical_months:
        return
    try:
        with transaction.atomic():
            marker = SmtSubscriptionBackfill.objects.create(subscription=subscription, agreement=agreement)
    except IntegrityError:
        return  # already given
    first_day = _history_start(subscription.historical_months, timezone.localdate(now))
    last_day = timezone.localdate(now) - timedelta(days=1)
    readable = _readable_since(subscription.third_party, agreement, kind, first_day, last_day, now)
    if readable:
        # A period is whole local days: from the day the agreement's reach begins (the gate still
        # cuts each ESIID's file at the agreement's data_from and the customer's move-in).
        format = FILE_FORMATS[subscription.report_format]
        start = min(readable.values())
        marker.request = _request_history(subscription.third_party, kind, format, start, readable, now)
        marker.save(update_fields=["request"])


def _readable_since(third_party, agreement: Agreement, kind: str, first_day, last_day, now) -> dict:
    """ESIID -> the first local day of [first_day, last_day] the gate lets the third party read
    under this agreement alone (its data_from, kinds, term and the customer's occupancy); ESIIDs with
    nothing readable are left out."""
    by_zone: dict[str, list] = {}
    for premise in agreement.premises.all():
        by_zone.setdefault(premise.time_zone, []).append(premise)
    readable = {}
    for zone_name, premises in by_zone.items():
        zone = ZoneInfo(zone_name)
        start, end = day_span(first_day, last_day, zone)
        windows = access.readable_windows(
            third_party=third_party, premises=premises, kind=kind, start=start, end=end, at=now, agreement=agreement
        )
        for premise in premises:
            if premise.pk in windows:
                readable[premise.esiid] = windows[premise.pk][0].astimezone(zone).date()
    return readable


def _request_history(third_party, kind, format, start, esiids, now=None):
    """The report request for [start, yesterday] of `esiids`: delivered like the schedules' files."""
    try:
        return create_report_request(
            by=None,
            third_party=third_party,
            kind=kind,
            start_date=start,
            end_date=timezone.localdate(now) - timedelta(days=1),
            format=format,
            esiids=sorted(esiids),
            now=now,
        )
    except ReportError:
        return None  # nothing of the history is readable: the schedules still run


@transaction.atomic
def unsubscribe(*, third_party, number: str) -> SmtSubscription:
    # Locked as a beat locks it (_extend): a beat under way finishes first and its new schedule is
    # cancelled here too; a later beat finds the subscription cancelled.
    subscription = SmtSubscription.objects.select_for_update().filter(third_party=third_party, number=number).first()
    if subscription is None:
        raise SmtError("404", f"No subscription {number} of yours.", status_code=404)
    if subscription.status != SmtSubscription.Status.ACTIVE:
        raise SmtError("409", f"Subscription {number} is not active.", status_code=409)
    for schedule in subscription.schedules.filter(status=ReportSchedule.Status.ACTIVE):
        cancel_schedule(by=None, third_party=third_party, schedule=schedule)
    subscription.status = SmtSubscription.Status.CANCELLED
    subscription.cancelled_at = timezone.now()
    subscription.save(update_fields=["status", "cancelled_at"])
    return subscription


def entry(subscription: SmtSubscription) -> dict:
    return {
        "subscriptionNumber": subscription.number,
        "subscriptionType": subscription.subscription_type,
        "dataType": subscription.data_type,
        "reportFormat": subscription.report_format,
        "deliveryMode": subscription.delivery_mode,
        "historicalSubscriptionDuration": str(subscription.historical_months or ""),
        "status": "ACT" if subscription.status == SmtSubscription.Status.ACTIVE else "NACOM",
        "historyCorrelationId": subscription.backfill.number if subscription.backfill_id else "",
        "createdDate": timezone.localtime(subscription.created_at).strftime("%m/%d/%Y"),
    }


def my_subscriptions(*, third_party) -> list[dict]:
    subscriptions = SmtSubscription.objects.filter(third_party=third_party).select_related("backfill")
    return [entry(subscription) for subscription in subscriptions.order_by("-created_at")]
