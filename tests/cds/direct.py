"""Helpers of the direct-access tests: a staff approval for the client set's direct-access client,
a client-credentials token under it, and a neighbourhood of households with a month of reads."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from agreements.models import DirectAccessApproval
from agreements.services import direct_access
from portal.cds import scopes
from tests.factories import OccupancyFactory, PremiseFactory, StaffFactory
from usage.services import IntervalReading, load_interval_reads

from .factories import AggregationFactory

USAGE = "/api/v1/cds/usage-segments/"
MONTH_START = datetime(2026, 9, 1, 5, tzinfo=UTC)  # 1 September, Austin time
PERIOD = {"after": "2026-09-01T00:00:00-05:00", "before": "2026-10-01T00:00:00-05:00"}


def approve(client_set, scope: str, *, premises=(), **fields) -> DirectAccessApproval:
    """Staff approve `scope` for the direct-access client, for a year from now unless told."""
    client = client_set.client(scopes.DIRECT)
    now = timezone.now()
    values = {
        "coverage": DirectAccessApproval.Coverage.PREMISES if premises else DirectAccessApproval.Coverage.ALL,
        "purpose": "Load research for the 2026 rate case.",
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=365),
    } | fields
    return direct_access.save_approval(
        by=StaffFactory(),
        approval=direct_access.new_approval(third_party=client.third_party, client=client, scope=scope, **values),
        premises=premises,
    )


def direct_token(client_set, scope: str, details: list | None = None, **entry) -> dict:
    """A client-credentials token for `scope`; `entry` fields go in a cds_query_usage entry, or
    `details` are the authorization details as given."""
    if details is None:
        details = [{"type": item, **entry} for item in scope.split() if item == "cds_query_usage"]
    return client_set.token(
        client_set.client(scopes.DIRECT), scope, **({"authorization_details": json.dumps(details)} if details else {})
    )


def neighbourhood(customers: int, postal_code: str = "78702", heavy: bool = False):
    """`customers` households in one postal code with September's reads (one of them huge if `heavy`)."""
    premises = []
    for index in range(customers):
        premise = PremiseFactory(postal_code=postal_code)
        OccupancyFactory(premise=premise)
        kwh = Decimal("9.000") if heavy and index == 0 else Decimal("0.100")
        load_interval_reads(
            readings=[
                IntervalReading(premise_id=premise.pk, interval_start=MONTH_START + timedelta(hours=hour), kwh=kwh)
                for hour in range(0, 24 * 30, 6)
            ]
        )
        premises.append(premise)
    return AggregationFactory(number=f"ZIP-{postal_code}", postal_code=postal_code), premises
