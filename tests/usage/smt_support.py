"""Helpers for the Smart Meter Texas customer API tests: a customer at a premise with a meter, and
interval reads of whole local days loaded the way files are."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from meters.models import Meter, Premise
from portal.models import User
from tests.factories import MeterFactory, OccupancyFactory, PremiseFactory
from usage.models import Series
from usage.services import IntervalReading, load_interval_reads

CHICAGO = ZoneInfo("America/Chicago")
ORDINARY_DAY = date(2025, 7, 15)
SPRING_FORWARD = date(2025, 3, 9)  # 02:00 CST -> 03:00 CDT: 92 intervals
FALL_BACK = date(2025, 11, 2)  # 02:00 CDT -> 01:00 CST: 100 intervals


@dataclass
class Home:
    customer: User
    premise: Premise
    meter: Meter


def home(customer: User | None = None, move_in: date = date(2024, 1, 1), **premise_fields) -> Home:
    premise = PremiseFactory(**premise_fields)
    meter = MeterFactory(premise=premise)
    fields = {"customer": customer} if customer is not None else {}
    occupancy = OccupancyFactory(premise=premise, move_in=move_in, **fields)
    return Home(occupancy.customer, premise, meter)


def day_starts(day: date) -> list[datetime]:
    """The UTC starts of every 15-minute interval of the local day (92, 96 or 100)."""
    start = datetime.combine(day, time(), tzinfo=CHICAGO).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=CHICAGO).astimezone(UTC)
    return [start + timedelta(minutes=15 * index) for index in range((end - start) // timedelta(minutes=15))]


def kwh_of(index: int) -> Decimal:
    """A distinct value per interval of a day, so a read in the wrong slot shows."""
    return Decimal(100 + index).scaleb(-3)


def load_day(premise: Premise, day: date, *, series: int = Series.CONSUMPTION, estimated_every: int = 0) -> int:
    starts = day_starts(day)
    load_interval_reads(
        readings=[
            IntervalReading(
                premise_id=premise.pk,
                interval_start=start,
                kwh=kwh_of(index),
                series=series,
                estimated=bool(estimated_every) and index % estimated_every == 0,
                revised_at=datetime(2025, 12, 1, 12, 0, tzinfo=UTC),
            )
            for index, start in enumerate(starts)
        ]
    )
    return len(starts)
