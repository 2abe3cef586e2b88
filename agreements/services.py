"""Agreement rules: invitations, agreements, extensions, move-out. Every state change is here."""

from datetime import date

from django.db import transaction

from meters import services as meter_services
from meters.models import Occupancy, Premise
from portal.models import User


@transaction.atomic
def move_out(*, by: User | None, premise: Premise, move_out: date, reason: str = "") -> Occupancy | None:
    """A customer leaves a premise: the occupancy ends (agreements and devices follow, same
    transaction). Repeating a recorded move-out changes nothing and returns None."""
    occupancy = meter_services.end_occupancy(premise=premise, move_out=move_out, reason=reason)
    return occupancy
