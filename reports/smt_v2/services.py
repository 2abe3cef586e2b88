"""Rules of the Smart Meter Texas v2 third-party API: who is calling (the body's identifiers must be
the token's third party's), what it may read (the access gate, all ESIIDs or none), the reads in
SMT's shapes, report requests for FTP/EML delivery, and on-demand reads with a daily cap.

Errors are SmtError: `code` becomes SMT's `errorCode`, `message` its `errorMessage`."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agreements import access
from agreements.models import Agreement, DataKind
from meters.models import Meter, Premise
from portal.errors import DomainError
from portal.models import ThirdParty, User
from usage import selectors, smt_intervals
from usage.models import OnDemandRead, Series
from usage.services import ondemand

from ..formats import local_days
from ..models import DataAccessLog, ReportFormat, ReportRequest
from ..models_smt import SmtApiSettings
from ..services import create_report_request
from ..services._common import day_span
from ..services.access_log import log_access

NO_DATA_MESSAGE = "No data received from the respective TDSP"
SMT_DAY = "%m/%d/%Y"
SMT_MOMENT = "%m/%d/%Y %H:%M:%S"
FILE_FORMATS = {"JSON": ReportFormat.JSON, "CSV": ReportFormat.TEXAS_CSV, "XML": ReportFormat.GREEN_BUTTON}
SERIES_OF = {"C": {Series.CONSUMPTION}, "G": {Series.GENERATION}, "A": {Series.CONSUMPTION, Series.GENERATION}}


class SmtError(DomainError):
    pass


def no_data() -> SmtError:
    return SmtError("1", NO_DATA_MESSAGE, status_code=404)


def odr_daily_cap() -> int:
    return getattr(settings, "SMT_V2_ODR_DAILY_CAP", 3000)


def requestor(*, user: User, requestor_id: str, authentication_id: str) -> ThirdParty:
    """The token's third party, when the body names it (Service ID and DUNS)."""
    own = SmtApiSettings.objects.select_related("third_party").filter(third_party=user.third_party).first()
    if own is None or (requestor_id, authentication_id) != (own.service_id, own.duns):
        raise SmtError(
            "403",
            "The requestorID and requesterAuthenticationID do not belong to this user's company.",
            status_code=403,
        )
    if not own.third_party.is_active:
        raise SmtError("403", "Your company's account is not active.", status_code=403)
    return own.third_party


@dataclass(frozen=True)
class Readable:
    premise: Premise
    agreement: Agreement
    window: access.Window


def gate(*, third_party: ThirdParty, esiids: list[str], kind: str, first_day: date, last_day: date, now=None):
    """Each ESIID's readable part of the local days asked; one refused ESIID refuses the call.
    An unknown ESIID gets the same answer as one without an agreement."""
    now = now or timezone.now()
    premises = {premise.esiid: premise for premise in Premise.objects.filter(esiid__in=esiids)}
    readable = []
    for esiid in dict.fromkeys(esiids):
        premise = premises.get(esiid)
        if premise is None:
            raise SmtError("no_agreement", f"ESIID {esiid}: you have no agreement covering it.", status_code=403)
        start, end = day_span(first_day, last_day, ZoneInfo(premise.time_zone))
        decision = access.may_read(third_party=third_party, premise=premise, kind=kind, start=start, end=end, at=now)
        if not decision:
            raise SmtError(decision.code, f"ESIID {esiid}: {decision.message}", status_code=403)
        readable.append(Readable(premise, decision.agreement, decision.window))
    return readable


def log_read(third_party, item: Readable, kind: str, rows: int, reference: str) -> None:
    log_access(
        third_party=third_party,
        premise=item.premise,
        kind=kind,
        start=item.window[0],
        end=item.window[1],
        rows=rows,
        via=DataAccessLog.Via.API,
        agreement=item.agreement,
        reference=reference,
    )


def interval_entries(
    *, third_party, readable: list[Readable], reading_type: str, reference: str, version: str = "L"
) -> list[dict]:
    """energyData entries: version L the latest value of each interval (an entry per day and
    series), version A every revision kept (an entry per day, series and revision time)."""
    wanted = {smt_intervals.SERIES_CODES[series] for series in SERIES_OF[reading_type]}
    reads_of = selectors.interval_revisions if version == "A" else selectors.interval_rows
    entries = []
    for item in readable:
        rows = reads_of(premise_id=item.premise.pk, windows=[item.window])
        days = smt_intervals.energy_data(
            rows, esiid=item.premise.esiid, time_zone=item.premise.time_zone, by_revision=version == "A"
        )
        days = [day for day in days if day["RT"] in wanted]
        # Rows are the values answered: every non-empty slot is `kWh-flag`.
        log_read(third_party, item, DataKind.INTERVAL, sum(day["RD"].count("-") for day in days), reference)
        entries += days
    if not entries:
        raise no_data()
    return entries


def _text(value) -> str:
    return "" if value is None else str(value)


def _moment(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime(SMT_MOMENT)


def _daily_entry(read, esiid: str, zone: ZoneInfo) -> dict:
    return {
        "esiid": esiid,
        "readDate": read.read_date.strftime(SMT_DAY),
        "revisionDate": _moment(read.revised_at, zone),
        "startReading": _text(read.start_reading),
        "endReading": _text(read.end_reading),
        "energyDataKwh": _text(read.kwh),
    }


def _monthly_entry(read, esiid: str, zone: ZoneInfo) -> dict:
    return {
        "esiid": esiid,
        "startDate": read.start_date.strftime(SMT_DAY),
        "endDate": read.end_date.strftime(SMT_DAY),
        "revisionDate": _moment(read.revised_at, zone),
        "actualkWh": _text(read.actual_kwh),
        "meteredKW": _text(read.metered_kw),
        "billedKW": _text(read.billed_kw),
        "meteredKVA": _text(read.metered_kva),
        "billedKVA": _text(read.billed_kva),
    }


REGISTERS = {
    DataKind.DAILY: (selectors.daily_reads, _daily_entry),
    DataKind.MONTHLY: (selectors.monthly_reads, _monthly_entry),
}


def register_entries(*, third_party, readable: list[Readable], kind: str, reference: str) -> list[dict]:
    """Daily reads (by read date) or billing cycles (by start date) in the readable local days."""
    reads_of, shape = REGISTERS[kind]
    entries = []
    for item in readable:
        zone = ZoneInfo(item.premise.time_zone)
        found = [
            shape(read, item.premise.esiid, zone)
            for first, last in local_days([item.window], zone)
            for read in reads_of(premise_id=item.premise.pk, first_day=first, last_day=last)
        ]
        log_read(third_party, item, kind, len(found), reference)
        entries += found
    if not entries:
        raise no_data()
    return entries


def request_report(*, third_party, kind: str, esiids: list[str], first_day: date, last_day: date, report_format: str):
    """FTP and EML delivery: a report request (files to the third party's delivery destination);
    its number is the correlationId."""
    return create_report_request(
        by=None,
        third_party=third_party,
        kind=kind,
        start_date=first_day,
        end_date=last_day,
        format=FILE_FORMATS[report_format],
        esiids=esiids,
    )


def report_request(*, third_party, correlation_id: str) -> ReportRequest:
    found = ReportRequest.objects.filter(third_party=third_party, number=correlation_id).first()
    if found is None:
        raise SmtError("404", f"No report request {correlation_id} of yours.", status_code=404)
    return found


ODR_PREFIX = "ODR-"


def start_on_demand_read(*, third_party, esiid: str, now=None) -> OnDemandRead:
    """An on-demand read for the third party: the access gate and the premise's 2 an hour
    (usage.services.ondemand), plus at most SMT_V2_ODR_DAILY_CAP a day for the third party."""
    now = now or timezone.now()
    premise = Premise.objects.filter(esiid=esiid).first()
    if premise is None:
        raise SmtError("no_agreement", f"ESIID {esiid}: you have no agreement covering it.", status_code=403)
    with transaction.atomic():
        # The company's row is locked while counting, so concurrent calls cannot pass the cap together.
        ThirdParty.objects.select_for_update().filter(pk=third_party.pk).first()
        today = OnDemandRead.objects.filter(third_party=third_party, requested_at__gt=now - timedelta(days=1)).count()
        if today >= odr_daily_cap():
            raise SmtError(
                "rate_limited", f"At most {odr_daily_cap()} on-demand reads a day for your company.", status_code=429
            )
        return ondemand.request_read(by=None, premise=premise, third_party=third_party, now=now)


def correlation_id(read: OnDemandRead) -> str:
    return f"{ODR_PREFIX}{read.pk:06d}"


def on_demand_read(*, third_party, correlation: str) -> OnDemandRead:
    number = correlation.removeprefix(ODR_PREFIX)
    read = None
    if number.isdigit():
        read = OnDemandRead.objects.select_related("premise", "meter").filter(pk=int(number)).first()
    if read is None or read.third_party_id != third_party.pk:
        raise SmtError("404", f"No on-demand read {correlation} of yours.", status_code=404)
    return read


ODR_STATUSES = {
    OnDemandRead.Status.PENDING: "PENDING",
    OnDemandRead.Status.COMPLETED: "COMPLETED",
    OnDemandRead.Status.FAILED: "FAILED",
    OnDemandRead.Status.TIMED_OUT: "FAILED",
}


def odr_entry(read: OnDemandRead) -> dict:
    zone = ZoneInfo(read.premise.time_zone)
    meter: Meter | None = read.meter
    return {
        "ESIID": read.premise.esiid,
        "meterNumber": meter.meter_number if meter else "",
        "odrStatus": ODR_STATUSES[read.status],
        "registeredRead": None if read.register_kwh is None else str(read.register_kwh),
        "readDate": None if read.read_at is None else _moment(read.read_at, zone),
        "responseMessage": read.detail,
    }
