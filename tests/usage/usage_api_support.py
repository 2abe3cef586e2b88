"""What the usage API and on-demand tests share: homes, agreements, a year's worth of days loaded
the way files are, and clients signed in as a customer or holding a third party's token."""

from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.test import TestCase
from django.utils import timezone

from tests.conftest import issue_token
from tests.factories import AgreementFactory, OAuthClientFactory, OccupancyFactory
from usage.services import IntervalReading, load_interval_reads

CHICAGO = ZoneInfo("America/Chicago")
SPRING_FORWARD = date(2026, 3, 8)
FALL_BACK = date(2026, 11, 1)


def home(move_in=date(2024, 1, 1)):
    """(customer, premise): a customer living at a new premise since `move_in`."""
    occupancy = OccupancyFactory(move_in=move_in)
    return occupancy.customer, occupancy.premise


def agreement_for(premise, third_party, customer=None, **fields):
    """An active continuous Energy Data agreement (every kind unless told) of the premise's occupant."""
    customer = customer or premise.occupancies.get(move_out__isnull=True).customer
    return AgreementFactory(customer=customer, third_party=third_party, premises=[premise], **fields)


def token_client(api_client, third_party=None, scope="usage"):
    """`api_client` with a client-credentials token of `third_party`'s client (the utility's when None)."""
    client = OAuthClientFactory(third_party=third_party, allowed_scopes=scope)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(client, scope)}")
    return api_client


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=CHICAGO)


def load_local_days(premise, first_day: date, days: int, *, generation: bool = False) -> int:
    """Reads for whole local days: Wh = 100 + the interval's index in its day (so 0.100 kWh at
    midnight), every 10th one estimated; with `generation`, 5 Wh of generation each interval too."""
    revised = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    readings = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        start, end = midnight(day).astimezone(UTC), midnight(day + timedelta(days=1)).astimezone(UTC)
        index = 0
        while start < end:
            kwh = Decimal(100 + index).scaleb(-3)
            readings.append(IntervalReading(premise.pk, start, kwh, estimated=index % 10 == 9, revised_at=revised))
            if generation:
                readings.append(IntervalReading(premise.pk, start, Decimal("0.005"), series=2, revised_at=revised))
            start, index = start + timedelta(minutes=15), index + 1
    load_interval_reads(readings=readings)
    return len(readings)


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@contextmanager
def committed():
    """Run the block as a committed transaction: on-commit tasks (head-end work) run eagerly."""
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        yield callbacks
