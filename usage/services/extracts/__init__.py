"""Consumption extracts for downstream systems (seed 003): creating requests (`requests`), running
them (`runs`), shaping quarter hours into target intervals (`shaping`) and the file's columns
(`layout`). Delivery is the caller's: `usage.tasks.run_extract` passes the reports app's."""

from .requests import (
    create_correction,
    create_daily_requests,
    create_incremental,
    create_initial_load,
    incremental_cutoff,
    local_midnight,
    retry_request,
    waiting_corrections,
)
from .runs import Deliver, run_extract_request

__all__ = [
    "Deliver",
    "create_correction",
    "create_daily_requests",
    "create_incremental",
    "create_initial_load",
    "incremental_cutoff",
    "local_midnight",
    "retry_request",
    "run_extract_request",
    "waiting_corrections",
]
