"""Green Button Connect My Data: the ESPI REST resources (reference/green-button.md §2) under
`/espi/1_1/resource/`, read with a token from the OAuth consent flow (authorization code + PKCE).

A Subscription is a grant: its id is the agreement's number (the token response's
`cds_grant_ids`). Every read goes through the access gate: only the grant's premises, its kinds
(15-minute data for IntervalBlocks, monthly data for UsageSummaries) and the part of its period the
gate allows this grant (`agreements.access.readable_windows` for its agreement). A token whose
grants all ended is refused by the OAuth layer (401 invalid_token). Each usage point's data sent is
recorded in the data-access log once its part of the response has been written.

`published-min` / `published-max` (YYYY-MM-DDTHH:MM:SSZ, FB_37) select interval readings whose
start lies in [min, max); a block's Atom `published` is the start of its first reading.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from oauth2_provider.contrib.rest_framework import OAuth2Authentication, TokenHasScope
from rest_framework.permissions import BasePermission
from rest_framework.views import APIView

from agreements import access
from agreements.models import Agreement, DataKind
from agreements.services import add_months, grants
from meters.models import Premise
from portal.cds.metadata import ESPI_CONSENT_SCOPE
from portal.errors import DomainError
from reports.models import DataAccessLog
from reports.services.access_log import log_access

from . import greenbutton
from .models import IntervalRead, Series

ATOM_TYPE = "application/atom+xml"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class EspiError(DomainError):
    pass


def _not_found(what: str) -> EspiError:
    # The same answer for "does not exist" and "is not yours": nothing leaks.
    return EspiError("not_found", f"No such {what}.", status_code=404)


class HasToken(BasePermission):
    message = "A valid access token is required."

    def has_permission(self, request, view):
        return request.auth is not None


@extend_schema(exclude=True)  # Atom XML, documented in the README and reference/green-button.md
class EspiView(APIView):
    authentication_classes = [OAuth2Authentication]
    permission_classes = [TokenHasScope]
    required_scopes = [ESPI_CONSENT_SCOPE]

    def base(self) -> str:
        return self.request.build_absolute_uri("/espi/1_1/resource")

    def hrefs(self, agreement: Agreement) -> greenbutton.Hrefs:
        return greenbutton.Hrefs(self.base(), f"Subscription/{agreement.number}")

    # --- what the token may read -------------------------------------------------------------

    def agreement(self, subscription_id: str) -> Agreement:
        for grant in grants.token_grants(self.request.auth):
            if grant.agreement.number == subscription_id:
                if not grants.is_live(grant):
                    raise EspiError("agreement_ended", "This grant has ended or was revoked.", status_code=403)
                return grant.agreement
        raise _not_found("subscription")

    def premise(self, agreement: Agreement, esiid: str) -> Premise:
        premise = agreement.premises.filter(esiid=esiid).first()
        if premise is None:
            raise _not_found("usage point")
        return premise

    def points(self, agreement: Agreement, premises, *, bounds=None) -> list[greenbutton.Point]:
        """The usage points with the windows this grant may read now, cut to `bounds`."""
        premises = list(premises)
        interval = _grant_windows(agreement, premises, DataKind.INTERVAL, bounds)
        monthly = _grant_windows(agreement, premises, DataKind.MONTHLY, None)
        if bounds is not None and not any(interval.values()):
            raise _outside(agreement, premises)
        return [
            greenbutton.Point(
                premise.pk,
                premise.esiid,
                premise.time_zone,
                premise.service_address,
                interval.get(premise.pk, []),
                monthly.get(premise.pk, []),
            )
            for premise in premises
        ]

    def bounds(self) -> tuple[datetime, datetime] | None:
        low, high = (_parse_time(self.request.query_params, name) for name in ("published-min", "published-max"))
        if low is None and high is None:
            return None
        low, high = low or datetime(1970, 1, 1, tzinfo=UTC), high or timezone.now()
        if low >= high:
            raise EspiError("invalid_period", "published-min must be before published-max.")
        return low, high

    # --- answers -----------------------------------------------------------------------------

    def member(self, entry_text: str) -> HttpResponse:
        return _member(entry_text)

    def collection(self, self_href: str, title: str, entries) -> StreamingHttpResponse:
        updated = timezone.now()
        chunks = _chained(greenbutton.feed_head(self_href=self_href, title=title, updated=updated), entries)
        return StreamingHttpResponse(_chained(chunks, [greenbutton.FEED_TAIL]), content_type=ATOM_TYPE)

    def logged(self, agreement: Agreement, point: greenbutton.Point, entries: Iterator[str]) -> Iterator[str]:
        """`entries` passed through; once all are sent, the readings and billing cycles are logged."""
        readings = summaries = 0
        for text in entries:
            readings += text.count("<IntervalReading>")
            summaries += text.count("<UsageSummary ")
            yield text
        for kind, rows, windows in (
            (DataKind.INTERVAL, readings, point.windows),
            (DataKind.MONTHLY, summaries, point.summary_windows),
        ):
            if rows and windows:
                log_access(
                    third_party=agreement.third_party_id,
                    premise=point.premise_id,
                    kind=kind,
                    start=min(window[0] for window in windows),
                    end=max(window[1] for window in windows),
                    rows=rows,
                    via=DataAccessLog.Via.API,
                    agreement=agreement,
                    reference=f"Green Button {self.request.path}",
                )


def _member(entry_text: str) -> HttpResponse:
    return HttpResponse(greenbutton.standalone(entry_text), content_type=ATOM_TYPE)


def _chained(first, rest) -> Iterator[str]:
    yield from [first] if isinstance(first, str) else first
    yield from rest


def _parse_time(query, name: str) -> datetime | None:
    value = query.get(name)
    if value is None:
        return None
    try:
        return datetime.strptime(value, TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        message = f"{name} must be a UTC time written YYYY-MM-DDTHH:MM:SSZ."
        raise EspiError("invalid_time", message, fields={name: [message]}) from None


def _grant_windows(agreement: Agreement, premises, kind: str, bounds) -> dict[int, list[access.Window]]:
    """Premise id -> what the gate lets this grant's third party read, within this grant's range."""
    if kind not in (agreement.data_kinds or []):
        return {}
    now = timezone.now()
    allowed = access.readable_windows(
        third_party=agreement.third_party_id,
        premises=premises,
        kind=kind,
        start=add_months(now, -12),
        end=now,
        agreement=agreement,
    )
    lower = [moment for moment in (agreement.data_from, bounds and bounds[0]) if moment is not None]
    upper = [moment for moment in (agreement.ends_at, bounds and bounds[1]) if moment is not None]
    windows = {}
    for premise_id, (start, end) in allowed.items():
        start, end = max([start, *lower]), min([end, *upper])
        if start < end:
            windows[premise_id] = [(start, end)]
    return windows


def _outside(agreement: Agreement, premises) -> EspiError:
    reach = _grant_windows(agreement, premises, DataKind.INTERVAL, None)
    if not reach:
        return EspiError("outside_period", "This grant gives no 15-minute data to read now.", status_code=403)
    start = min(windows[0][0] for windows in reach.values())
    end = max(windows[0][1] for windows in reach.values())
    return EspiError(
        "outside_period", f"This grant covers data from {start:{TIME_FORMAT}} to {end:{TIME_FORMAT}}.", status_code=403
    )


# --- Resources --------------------------------------------------------------------------------


class BatchSubscriptionView(EspiView):
    """GET Batch/Subscription/{id}[/UsagePoint/{esiid}]: everything the grant covers, as one feed."""

    def get(self, request, subscription_id: str, esiid: str | None = None):
        agreement = self.agreement(subscription_id)
        premises = [self.premise(agreement, esiid)] if esiid else agreement.premises.order_by("esiid")
        points = self.points(agreement, premises, bounds=self.bounds())
        hrefs, updated = self.hrefs(agreement), timezone.now()
        entries = (
            text
            for point in points
            for text in self.logged(agreement, point, greenbutton.point_entries(hrefs, point, updated=updated))
        )
        return self.collection(request.build_absolute_uri(request.path), "Green Button subscription", entries)


class UsagePointView(EspiView):
    """GET Subscription/{id}/UsagePoint[/{esiid}]."""

    def get(self, request, subscription_id: str, esiid: str | None = None):
        agreement = self.agreement(subscription_id)
        hrefs, updated = self.hrefs(agreement), timezone.now()
        premises = [self.premise(agreement, esiid)] if esiid else agreement.premises.order_by("esiid")
        points = self.points(agreement, premises)
        entries = [
            greenbutton.usage_point_entry(hrefs, point, with_summaries=bool(point.summary_windows), updated=updated)
            for point in points
        ]
        if esiid:
            return self.member(entries[0])
        return self.collection(hrefs.usage_points, "Usage points", entries)


class MeterReadingView(EspiView):
    """GET Subscription/{id}/UsagePoint/{esiid}/MeterReading[/{series}]: 1 consumption (forward
    flow), 2 generation (reverse flow, listed when the grant's period holds any)."""

    def get(self, request, subscription_id: str, esiid: str, series: int | None = None):
        agreement = self.agreement(subscription_id)
        premise = self.premise(agreement, esiid)
        hrefs, updated = self.hrefs(agreement), timezone.now()
        (point,) = self.points(agreement, [premise])
        if series is not None:
            if series not in Series.values:
                raise _not_found("meter reading")
            entry = greenbutton.meter_reading_entry(hrefs, esiid, series, updated=updated)
            return self.member(entry)
        present = [Series.CONSUMPTION]
        if any(
            IntervalRead.objects.filter(
                premise_id=premise.pk, series=Series.GENERATION, interval_start__gte=start, interval_start__lt=end
            ).exists()
            for start, end in point.windows
        ):
            present.append(Series.GENERATION)
        entries = [greenbutton.meter_reading_entry(hrefs, esiid, value, updated=updated) for value in present]
        return self.collection(hrefs.meter_readings(esiid), "Meter readings", entries)


class IntervalBlockView(EspiView):
    """GET …/MeterReading/{series}/IntervalBlock[/{YYYY-MM-DD}]: a local day of readings per block."""

    def get(self, request, subscription_id: str, esiid: str, series: int, day: str | None = None):
        agreement = self.agreement(subscription_id)
        premise = self.premise(agreement, esiid)
        if series not in Series.values:
            raise _not_found("meter reading")
        if DataKind.INTERVAL not in (agreement.data_kinds or []):
            raise EspiError("wrong_kind", "This grant does not cover 15-minute data.", status_code=403)
        hrefs = self.hrefs(agreement)
        bounds = self.bounds() if day is None else _day_bounds(day, premise.time_zone)
        (point,) = self.points(agreement, [premise], bounds=bounds)
        blocks = (block for block in greenbutton.blocks(point) if block.series == series)
        entries = self.logged(
            agreement, point, (greenbutton.interval_block_entry(hrefs, esiid, block) for block in blocks)
        )
        if day is None:
            return self.collection(hrefs.interval_blocks(esiid, series), "Interval blocks", entries)
        found = list(entries)
        if not found:
            raise _not_found("interval block")
        return self.member(found[0])


class UsageSummaryView(EspiView):
    """GET Subscription/{id}/UsagePoint/{esiid}/UsageSummary[/{YYYY-MM-DD}]: billing cycles (by the
    day they start) that begin within what the grant covers of monthly data."""

    def get(self, request, subscription_id: str, esiid: str, start: str | None = None):
        agreement = self.agreement(subscription_id)
        premise = self.premise(agreement, esiid)
        if DataKind.MONTHLY not in (agreement.data_kinds or []):
            raise EspiError("wrong_kind", "This grant does not cover monthly data.", status_code=403)
        hrefs = self.hrefs(agreement)
        (point,) = self.points(agreement, [premise])
        zone = ZoneInfo(premise.time_zone)
        reads = greenbutton.summaries(point)
        if start is not None:
            reads = [read for read in reads if read.start_date.isoformat() == start]
        entries = self.logged(
            agreement, point, (greenbutton.usage_summary_entry(hrefs, esiid, read, zone) for read in reads)
        )
        if start is None:
            return self.collection(hrefs.usage_summaries(esiid), "Usage summaries", entries)
        found = list(entries)
        if not found:
            raise _not_found("usage summary")
        return self.member(found[0])


def _day_bounds(text: str, zone_name: str) -> tuple[datetime, datetime]:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise _not_found("interval block") from None
    zone = ZoneInfo(zone_name)
    return (
        datetime.combine(day, datetime.min.time(), tzinfo=zone),
        datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone),
    )


@extend_schema(exclude=True)
class ReadServiceStatusView(APIView):
    """GET ReadServiceStatus: 1 = the data custodian is up. Any valid token."""

    authentication_classes = [OAuth2Authentication]
    permission_classes = [HasToken]

    def get(self, request):
        return HttpResponse(greenbutton.service_status(), content_type=ATOM_TYPE)


@extend_schema(exclude=True)
class ReadingTypeView(APIView):
    """GET ReadingType/{series}: the two reading types every MeterReading points to."""

    authentication_classes = [OAuth2Authentication]
    permission_classes = [HasToken]

    def get(self, request, series: int):
        if series not in Series.values:
            raise _not_found("reading type")
        hrefs = greenbutton.Hrefs(request.build_absolute_uri("/espi/1_1/resource"), "")
        entry = greenbutton.reading_type_entry(hrefs, series, updated=timezone.now())
        return _member(entry)


@extend_schema(exclude=True)
class LocalTimeParametersView(APIView):
    """GET LocalTimeParameters/{zone}: a time zone's offsets and DST rules (`America.Chicago`)."""

    authentication_classes = [OAuth2Authentication]
    permission_classes = [HasToken]

    def get(self, request, zone: str):
        name = greenbutton.zone_name_of(zone)
        if not Premise.objects.filter(time_zone=name).exists():
            raise _not_found("local time parameters")
        hrefs = greenbutton.Hrefs(request.build_absolute_uri("/espi/1_1/resource"), "")
        entry = greenbutton.local_time_entry(hrefs, name, updated=timezone.now())
        return _member(entry)
