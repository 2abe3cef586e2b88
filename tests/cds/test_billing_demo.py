"""seed_demo's billing: bills generated from usage x tariffs add up, and aggregations exist."""

from datetime import UTC, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from tests.factories import OccupancyFactory
from tests.usage.tariff_factories import TariffFactory
from usage import billing_demo
from usage.models import Aggregation, BillSection, BillStatement
from usage.services import IntervalReading, load_interval_reads

pytestmark = pytest.mark.django_db


def test_demo_bills_come_from_usage_times_tariffs_and_their_lines_add_up():
    occupancy = OccupancyFactory()
    premise = occupancy.premise
    TariffFactory(premise=premise, valid_from=(timezone.now() - timedelta(days=400)).date())
    first = timezone.now().replace(day=1, hour=6, minute=0, second=0, microsecond=0).astimezone(UTC)
    start = (first - timedelta(days=40)).replace(minute=0)
    load_interval_reads(
        readings=[
            IntervalReading(premise_id=premise.pk, interval_start=start + timedelta(minutes=15 * i), kwh=Decimal("0.5"))
            for i in range(40 * 96)
        ]
    )

    billing_demo.seed(SimpleNamespace(objects={"usage_premises": [premise.pk]}))

    statements = list(BillStatement.objects.all())
    assert statements
    for statement in statements:
        included = sum(
            Decimal(charge["amount"]) for charge in statement.new_charges if charge["included_in_amount_due"]
        )
        assert included + statement.previous_balance_unpaid == statement.amount_due
        assert all(charge["id"] != "amount_due_sum_difference" for charge in statement.new_charges)
        section = BillSection.objects.get(statement=statement)
        assert section.service_contract.occupancy == occupancy
        assert sum(Decimal(item["amount"]) for item in section.cost_details) == statement.amount_due
    assert Aggregation.objects.filter(kind=Aggregation.Kind.POSTAL_CODE, postal_code=premise.postal_code).exists()
