"""usage.selectors.interval_revisions: every value an interval had, each with its own revision time."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.factories import PremiseFactory
from usage import selectors
from usage.services import IntervalReading, load_interval_reads

pytestmark = pytest.mark.django_db

START = datetime(2025, 7, 15, 5, 0, tzinfo=UTC)
REVISIONS = [datetime(2025, 7, 16, 12, tzinfo=UTC) + timedelta(days=day) for day in range(3)]


def load(premise, kwh: str, revised_at: datetime, start: datetime = START):
    reading = IntervalReading(premise_id=premise.pk, interval_start=start, kwh=Decimal(kwh), revised_at=revised_at)
    load_interval_reads(readings=[reading])


def test_an_interval_revised_twice_gives_its_three_values_oldest_first():
    premise = PremiseFactory()
    load(premise, "0.100", REVISIONS[0])
    load(premise, "0.200", REVISIONS[1])
    load(premise, "0.300", REVISIONS[2])
    load(premise, "0.050", REVISIONS[0], start=START + timedelta(minutes=15))

    rows = list(selectors.interval_revisions(premise_id=premise.pk, windows=[(START, START + timedelta(hours=1))]))

    epoch = int(START.timestamp())
    assert [(row[0], row[2], row[4]) for row in rows] == [
        (epoch, 100, int(REVISIONS[0].timestamp())),
        (epoch, 200, int(REVISIONS[1].timestamp())),
        (epoch, 300, int(REVISIONS[2].timestamp())),
        (epoch + 900, 50, int(REVISIONS[0].timestamp())),
    ]


def test_revisions_outside_the_window_are_left_out():
    premise = PremiseFactory()
    load(premise, "0.100", REVISIONS[0])
    load(premise, "0.200", REVISIONS[1])

    later = START + timedelta(minutes=15)
    rows = list(selectors.interval_revisions(premise_id=premise.pk, windows=[(later, later + timedelta(hours=1))]))

    assert rows == []
