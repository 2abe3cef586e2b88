"""Usage data: meter reads (`reads`), on-demand reads (`ondemand`), tariffs and TOU maps
(`tariffs`), consumption extracts (`extracts`), bills the utility supplies (`billing`),
aggregations and energy attribute certificates (`aggregations`)."""

from .aggregations import Aggregation, EnergyAttributeCertificate
from .billing import BillSection, BillStatement
from .extracts import ExtractRequest, ExtractType, LoadProfile
from .ondemand import OnDemandRead
from .reads import (
    WH_PER_KWH,
    DailyRead,
    IntervalCorrection,
    IntervalRead,
    MonthlyRead,
    Series,
    kwh_to_wh,
    wh_to_kwh,
)
from .tariffs import Tariff, TouMap, TouRule

__all__ = [
    "WH_PER_KWH",
    "Aggregation",
    "BillSection",
    "BillStatement",
    "DailyRead",
    "EnergyAttributeCertificate",
    "ExtractRequest",
    "ExtractType",
    "IntervalCorrection",
    "IntervalRead",
    "LoadProfile",
    "MonthlyRead",
    "OnDemandRead",
    "Series",
    "Tariff",
    "TouMap",
    "TouRule",
    "kwh_to_wh",
    "wh_to_kwh",
]
