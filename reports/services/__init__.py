"""Report rules: requests and their runs, schedules, delivery settings, the data-access log.
Every state change of the reports app happens here, in a transaction."""

from ._common import ReportError
from .access_log import log_access
from .destinations import save_delivery_settings, test_delivery_settings
from .requests import (
    EsiidEntry,
    build_request,
    check_entries,
    create_report_request,
    parse_esiid_file,
    parse_typed_esiids,
)
from .runs import fail_report, run_report, stalled_requests
from .schedules import cancel_schedule, create_schedule, end_schedules_of_ended_agreements, run_due_schedules

__all__ = [
    "EsiidEntry",
    "ReportError",
    "build_request",
    "cancel_schedule",
    "check_entries",
    "create_report_request",
    "create_schedule",
    "end_schedules_of_ended_agreements",
    "fail_report",
    "log_access",
    "parse_esiid_file",
    "parse_typed_esiids",
    "run_due_schedules",
    "run_report",
    "save_delivery_settings",
    "stalled_requests",
    "test_delivery_settings",
]
