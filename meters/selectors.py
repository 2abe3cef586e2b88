"""Queries about premises, meters and in-home devices, always filtered by who asks."""

import calendar
from datetime import datetime, timedelta

from django.db.models import Case, DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Prefetch, Q, QuerySet, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from portal.models import User

from .models import HanDeviceEvent, HanMessage, InHomeDevice, Meter, Occupancy, Premise


def _with_premise_and_meters(occupancies: QuerySet) -> QuerySet:
    meters = Meter.objects.order_by("removed_on", "meter_number")
    return occupancies.select_related("premise").prefetch_related(Prefetch("premise__meters", queryset=meters))


def occupancies_for_customer(customer: User) -> QuerySet:
    """Every occupancy of the customer, current ones first, then the most recent move-in first;
    each with its premise and the premise's meters."""
    occupancies = Occupancy.objects.filter(customer=customer).order_by(F("move_out").desc(nulls_first=True), "-move_in")
    return _with_premise_and_meters(occupancies)


def current_occupancies_for_customer(customer: User) -> QuerySet:
    return occupancies_for_customer(customer).filter(move_out__isnull=True)


def past_occupancies_for_customer(customer: User) -> QuerySet:
    return occupancies_for_customer(customer).filter(move_out__isnull=False)


def premises_for_customer(customer: User) -> QuerySet:
    """The premises the customer lives at now (what they may share and invitations may cover)."""
    return Premise.objects.filter(occupancies__customer=customer, occupancies__move_out__isnull=True).order_by("esiid")


# --- In-home (HAN) devices, their requests and messages -------------------------------------------
#
# Which devices a third party may see is decided by its agreements. `meters` sits below
# `agreements` and never imports it: the Agreement model is reached through the reverse relation
# `InHomeDevice.agreements`, and its values by name ("active", the two device agreement types).

HAN_HISTORY_MONTHS = 13
ACTIVE = "active"
DEVICE_AGREEMENT_TYPES = ("in_home_device", "in_home_device_services")
DEVICE_SERVICES = "in_home_device_services"
# Requests recorded by the act that ended an agreement (a move-out, a removal) still belong to it.
SAME_ACT = timedelta(minutes=1)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` earlier (the month's last day when it is shorter)."""
    month_index = moment.month - 1 - months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def han_history_start(now: datetime | None = None) -> datetime:
    """The oldest HAN history anyone sees (and the purge keeps): 13 months back."""
    return months_before(now or timezone.now(), HAN_HISTORY_MONTHS)


def _agreement_model():
    return InHomeDevice._meta.get_field("agreements").related_model


def _active_device_agreements(third_party, *, services_only: bool = False) -> QuerySet:
    types = (DEVICE_SERVICES,) if services_only else DEVICE_AGREEMENT_TYPES
    return _agreement_model().objects.filter(
        third_party=third_party, status=ACTIVE, agreement_type__in=types, device__isnull=False
    )


def _with_agreements(devices: QuerySet, third_party=None) -> QuerySet:
    """Each device with `active_agreements`: the active agreements naming it and who holds them
    (only the third party's own when one asks: another company's agreements are not its business)."""
    active = _agreement_model().objects.filter(status=ACTIVE).select_related("third_party").order_by("created_at")
    if third_party is not None:
        active = active.filter(third_party=third_party)
    return devices.select_related("premise").prefetch_related(
        Prefetch("agreements", queryset=active, to_attr="active_agreements")
    )


def devices_for_customer(customer: User) -> QuerySet:
    """The devices on the networks of the premises the customer lives at now, and those removed
    since they moved in; devices still on the network first."""
    occupancies = Occupancy.objects.current().filter(customer=customer)
    added_since_move_in = Exists(occupancies.filter(premise=OuterRef("premise"), move_in__lte=OuterRef("added_on")))
    devices = (
        InHomeDevice.objects.filter(premise__in=occupancies.values("premise"))
        .annotate(added_on=TruncDate("created_at"))
        .filter(~Q(status=InHomeDevice.Status.REMOVED) | added_since_move_in)
    )
    live_first = Case(When(status=InHomeDevice.Status.REMOVED, then=1), default=0)
    return _with_agreements(devices).order_by("premise__esiid", live_first, "-created_at")


def devices_for_third_party(third_party, *, services_only: bool = False) -> QuerySet:
    """The devices named by the third party's active In-Home Device (Services) agreements; with
    `services_only`, by its In-Home Device Services agreements (those it may send messages to)."""
    if third_party is None:
        return InHomeDevice.objects.none()
    covered = _active_device_agreements(third_party, services_only=services_only).values("device_id")
    return _with_agreements(InHomeDevice.objects.filter(pk__in=covered), third_party).order_by("-created_at", "-pk")


def _events(queryset: QuerySet, *, since=None, until=None, action="", status="", mac="", device=None) -> QuerySet:
    queryset = queryset.filter(created_at__gte=max(filter(None, [since, han_history_start()])))
    if until:
        queryset = queryset.filter(created_at__lt=until)
    if action:
        queryset = queryset.filter(action=action)
    if status:
        queryset = queryset.filter(status=status)
    if mac:
        queryset = queryset.filter(device__mac=mac)
    if device is not None:
        queryset = queryset.filter(device=device)
    return queryset.select_related("device__premise", "third_party", "requested_by").order_by("-created_at", "-pk")


def history_for_third_party(third_party, **filters) -> QuerySet:
    """Add and remove requests (succeeded, failed, waiting) on the devices of the third party's
    device agreements, made while the agreement was active, for up to 13 months. Filters: since,
    until (datetimes), action, status, mac, device."""
    if third_party is None:
        return HanDeviceEvent.objects.none()
    agreements = (
        _agreement_model()
        .objects.filter(third_party=third_party, agreement_type__in=DEVICE_AGREEMENT_TYPES)
        .annotate(visible_until=ExpressionWrapper(F("ended_at") + SAME_ACT, output_field=DateTimeField()))
        .filter(device=OuterRef("device"), starts_at__lte=OuterRef("created_at"))
        .filter(Q(ended_at__isnull=True) | Q(visible_until__gte=OuterRef("created_at")))
    )
    return _events(HanDeviceEvent.objects.filter(Exists(agreements)), **filters)


def history_for_customer(customer: User, **filters) -> QuerySet:
    """Requests on the devices of the premises the customer lives or lived at, made while they lived
    there, for up to 13 months."""
    during = Q(pk__in=[])
    for move_in, move_out, premise_id in Occupancy.objects.filter(customer=customer).values_list(
        "move_in", "move_out", "premise_id"
    ):
        span = Q(device__premise_id=premise_id, created_at__date__gte=move_in)
        during |= span & Q(created_at__date__lte=move_out) if move_out else span
    return _events(HanDeviceEvent.objects.filter(during), **filters)


def messages_for_third_party(third_party, *, since=None, until=None, status="", mac="", device=None) -> QuerySet:
    """The HAN messages the third party sent, newest first, for up to 13 months."""
    if third_party is None:
        return HanMessage.objects.none()
    messages = HanMessage.objects.filter(
        third_party=third_party, created_at__gte=max(filter(None, [since, han_history_start()]))
    )
    if until:
        messages = messages.filter(created_at__lt=until)
    if status:
        messages = messages.filter(status=status)
    if mac:
        messages = messages.filter(device__mac=mac)
    if device is not None:
        messages = messages.filter(device=device)
    return messages.select_related("device__premise", "sent_by").order_by("-created_at", "-pk")
