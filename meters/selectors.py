"""Queries about premises and meters, always filtered by the customer who asks."""

from django.db.models import F, Prefetch, QuerySet

from portal.models import User

from .models import Meter, Occupancy, Premise


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
