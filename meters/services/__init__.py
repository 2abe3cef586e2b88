"""Meter-world rules: provisioning premises and meters, move-in and the occupancy side of move-out.
In-home (HAN) devices and messages are in `han` (requests) and `han_answers` (the head-end's answers,
timeouts, purge), both re-exported here.

Move-out as a whole (which also ends agreements and removes devices) is
`agreements.services.move_out`; it calls `end_occupancy` here.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from portal.models import LabelPartner, User

from ..models import Meter, Occupancy, Premise
from ..validators import normalize_esiid, validate_esiid
from .errors import MeterError
from .han import *  # noqa: F403 - the HAN rules are part of this module's interface
from .han_answers import *  # noqa: F403


def _apply(instance, values: dict) -> bool:
    changed = False
    for field, value in values.items():
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed = True
    return changed


def clean_esiid(value: str) -> str:
    esiid = normalize_esiid(value)
    try:
        validate_esiid(esiid)
    except ValidationError as error:
        raise MeterError("invalid_esiid", error.messages[0], fields={"esiid": error.messages}) from error
    return esiid


@transaction.atomic
def upsert_premise(
    *, external_id: str, esiid: str, label_partner: LabelPartner | None = None, **fields
) -> tuple[Premise, bool]:
    """Create or update an installation by the utility's id; its ESIID may not belong to another."""
    esiid = clean_esiid(esiid)
    premise = Premise.objects.select_for_update().filter(external_id=external_id).first()
    clash = Premise.objects.filter(esiid=esiid)
    if premise is not None:
        clash = clash.exclude(pk=premise.pk)
    if clash.exists():
        raise MeterError(
            "esiid_taken", "This ESIID belongs to another installation.", fields={"esiid": ["Already in use."]}
        )
    values = {"esiid": esiid, "label_partner": label_partner, **fields}
    if premise is None:
        return Premise.objects.create(external_id=external_id, **values), True
    if _apply(premise, values):
        premise.save()
    return premise, False


@transaction.atomic
def upsert_meter(
    *,
    meter_number: str,
    premise: Premise,
    commodity: str = Meter.Commodity.ELECTRIC,
    installed_on: date | None = None,
    removed_on: date | None = None,
) -> tuple[Meter, bool]:
    if installed_on and removed_on and removed_on < installed_on:
        raise MeterError(
            "removed_before_installed",
            "A meter cannot be removed before it was installed.",
            fields={"removed_on": ["Must be on or after installed_on."]},
        )
    values = {"premise": premise, "commodity": commodity, "installed_on": installed_on, "removed_on": removed_on}
    meter = Meter.objects.select_for_update().filter(meter_number=meter_number).first()
    if meter is None:
        return Meter.objects.create(meter_number=meter_number, **values), True
    if _apply(meter, values):
        meter.save()
    return meter, False


@transaction.atomic
def move_in(
    *, customer: User, premise: Premise, account_number: str, authorization_code: str, move_in: date
) -> tuple[Occupancy, bool]:
    """Start an occupancy. Repeating the same move-in changes nothing; a premise has one occupant."""
    Premise.objects.select_for_update().filter(pk=premise.pk).first()  # serialize move-ins per premise
    current = Occupancy.objects.current().filter(premise=premise).first()
    if current is not None:
        if current.customer_id == customer.pk and current.move_in == move_in:
            if _apply(current, {"account_number": account_number, "authorization_code": authorization_code}):
                current.save()
            return current, False
        raise MeterError(
            "premise_occupied",
            "This premise already has an occupant; record their move-out first.",
            status_code=409,
        )
    last = Occupancy.objects.filter(premise=premise).order_by("-move_out").first()
    if last is not None and last.move_out and move_in < last.move_out:
        raise MeterError(
            "overlapping_occupancy",
            "The move-in is before the previous occupant's move-out.",
            fields={"move_in": [f"Must be on or after {last.move_out.isoformat()}."]},
        )
    occupancy = Occupancy.objects.create(
        customer=customer,
        premise=premise,
        account_number=account_number,
        authorization_code=authorization_code,
        move_in=move_in,
    )
    return occupancy, True


@transaction.atomic
def end_occupancy(*, premise: Premise, move_out: date, reason: str = "") -> Occupancy | None:
    """End the premise's open occupancy. Returns it, or None when the same move-out was already
    recorded (so a repeated request changes nothing)."""
    occupancy = Occupancy.objects.select_for_update().current().filter(premise=premise).first()
    if occupancy is None:
        if Occupancy.objects.filter(premise=premise, move_out=move_out).exists():
            return None
        raise MeterError("not_occupied", "Nobody lives at this premise now.", status_code=409)
    if move_out < occupancy.move_in:
        raise MeterError(
            "move_out_before_move_in",
            "The move-out is before the move-in.",
            fields={"move_out": [f"Must be on or after {occupancy.move_in.isoformat()}."]},
        )
    occupancy.move_out = move_out
    occupancy.move_out_reason = reason
    occupancy.save(update_fields=["move_out", "move_out_reason", "updated_at"])
    return occupancy
