"""The data-access log: every report file delivered and every API read of a third party."""

from datetime import datetime

from django.utils import timezone

from ..models import DataAccessLog


def log_access(
    *,
    third_party,
    premise,
    kind: str,
    start: datetime,
    end: datetime,
    rows: int,
    via: str,
    agreement=None,
    customer=None,
    reference: str = "",
    at: datetime | None = None,
) -> DataAccessLog:
    """Record that `third_party` read `rows` rows of `kind` data of `premise` for [start, end).
    `agreement` is the one that allowed it (its customer is recorded unless `customer` is given).
    For the usage API: `log_access(..., via=DataAccessLog.Via.API, reference=request.path)`."""
    if customer is None and agreement is not None and not isinstance(agreement, int):
        customer = agreement.customer_id
    return DataAccessLog.objects.create(
        third_party_id=_id(third_party),
        premise_id=_id(premise),
        customer_id=_id(customer),
        agreement_id=_id(agreement),
        kind=kind,
        period_start=start,
        period_end=end,
        rows=rows,
        via=via,
        reference=reference[:200],
        at=at or timezone.now(),
    )


def _id(value) -> int | None:
    """Objects or their ids alike."""
    return value if value is None or isinstance(value, int) else value.pk
