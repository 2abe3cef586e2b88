"""Usage API: interval, daily and monthly reads of a premise (scope `usage`), in JSON or streamed
CSV, through the access gate; `ReadsAPIView` is what every read view shares (on-demand reads:
`ondemand_api`; files the utility delivers: `ingest_api`)."""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from oauth2_provider.contrib.rest_framework import IsAuthenticatedOrTokenHasScope, OAuth2Authentication
from rest_framework.authentication import SessionAuthentication
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.views import APIView

from agreements import access
from agreements.models import DataKind
from meters.models import Premise
from portal.api_support import third_party_of
from portal.models import User
from portal.serializers import ErrorSerializer
from reports.models import DataAccessLog
from reports.services.access_log import log_access

from . import selectors
from .models import IntervalRead, Tariff
from .renderers import IntervalBody, RecordBody, decimal_text, moment_text
from .serializers import (
    DailyReadsOutputSerializer,
    IntervalReadsOutputSerializer,
    MonthlyReadsOutputSerializer,
    PeriodInputSerializer,
)
from .services import UsageError, costs

Window = tuple[datetime, datetime]


class CsvRenderer(BaseRenderer):
    """Lets `?format=csv` and `Accept: text/csv` choose CSV; the views stream the body themselves."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else str(data).encode()


DEFAULT_DAYS = {DataKind.INTERVAL: 7, DataKind.DAILY: 31, DataKind.MONTHLY: 335, DataKind.ON_DEMAND: 31}
READ_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="A bad `start` or `end` (code `invalid` or `invalid_period`)."),
    401: OpenApiResponse(ErrorSerializer, description="Not signed in, no valid token."),
    403: OpenApiResponse(
        ErrorSerializer,
        description=(
            "No `usage` scope, or the access gate refused: `no_agreement`, `other_premise`, `agreement_ended`, "
            "`wrong_kind`, `too_far_back`, `before_range`, `after_range` (third parties), `not_occupant` "
            "(customers), `not_allowed`."
        ),
    ),
    404: OpenApiResponse(ErrorSerializer, description="No such ESIID."),
}
PERIOD_PARAMETERS = [
    OpenApiParameter("start", str, description="ISO date (local day) or date-time with UTC offset."),
    OpenApiParameter("end", str, description="ISO date (local day, inclusive) or date-time with offset (exclusive)."),
    OpenApiParameter("format", str, enum=["json", "csv"], description="`csv` for CSV (or send Accept: text/csv)."),
]
ACCESS_NOTE = (
    " A third party reads only premises, periods (at most 12 months back) and kinds an active agreement covers, "
    "and each read is written to the customer's data-access log; a customer reads their own premises for the "
    "time they lived there. The body is streamed."
)


class ReadsAPIView(APIView):
    """Who reads: a third party (its client's token, or a signed-in member) at the access gate, or
    a customer (session, or a token of a client that is not a third party's) for their own homes."""

    authentication_classes = [OAuth2Authentication, SessionAuthentication]
    permission_classes = [IsAuthenticatedOrTokenHasScope]
    required_scopes = ["usage"]
    renderer_classes = [JSONRenderer, CsvRenderer]
    kind: str = ""

    def handle_exception(self, exc):
        # Errors are JSON even when CSV was asked for.
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        response = super().handle_exception(exc)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response["Retry-After"] = str(retry_after)
        return response

    def reader(self):
        """(third party, None) or (None, customer)."""
        third_party = third_party_of(self.request)
        if third_party is not None:
            return third_party, None
        user = self.signed_in_user()
        if user is not None and user.role == User.Role.CUSTOMER:
            return None, user
        raise UsageError("not_allowed", "Only customers and third parties read usage data.", status_code=403)

    def signed_in_user(self) -> User | None:
        """The user of the session or token; None for a client-credentials token (no user)."""
        user = self.request.user
        return user if user is not None and user.is_authenticated else None

    def premise(self, esiid: str) -> Premise:
        premise = Premise.objects.filter(esiid=esiid).first()
        if premise is None:
            raise UsageError("not_found", "No such ESIID.", status_code=404)
        return premise

    def period(self, premise: Premise) -> Window:
        data = PeriodInputSerializer(data=self.request.query_params)
        data.is_valid(raise_exception=True)
        zone = ZoneInfo(premise.time_zone)
        today = timezone.localtime(timezone.now(), zone).date()
        start = _bound(data.validated_data.get("start"), zone, "start")
        end = _bound(data.validated_data.get("end"), zone, "end")
        end = end or _midnight(today + timedelta(days=1), zone)
        start = start or _midnight(end.astimezone(zone).date() - timedelta(days=DEFAULT_DAYS[self.kind]), zone)
        if start >= end:
            message = "The period's start must be before its end."
            raise UsageError("invalid_period", message, fields={"end": [message]})
        return start, end

    def windows(self, premise: Premise, start, end) -> tuple[list[Window], object]:
        """The readable parts of [start, end) and the agreement that allows them (None: customer)."""
        third_party, customer = self.reader()
        if third_party is not None:
            decision = access.may_read(third_party=third_party, premise=premise, kind=self.kind, start=start, end=end)
            if not decision:
                raise UsageError(decision.code, decision.message, status_code=403)
            return [decision.window], decision.agreement
        windows = access.customer_windows(customer=customer, premises=[premise], start=start, end=end)
        if premise.pk not in windows:
            raise UsageError("not_occupant", "You did not live at this premise in that period.", status_code=403)
        return windows[premise.pk], None

    def head(self, premise: Premise, windows: list[Window]) -> dict:
        zone = ZoneInfo(premise.time_zone)
        return {
            "esiid": premise.esiid,
            "kind": str(self.kind),
            "time_zone": premise.time_zone,
            "unit": "kWh",
            "windows": [{"start": moment_text(start, zone), "end": moment_text(end, zone)} for start, end in windows],
        }

    def respond(self, premise: Premise, windows, agreement, body, chunks: Iterator[bytes]) -> StreamingHttpResponse:
        csv = self.request.accepted_renderer.format == "csv"
        third_party, _ = self.reader()
        if third_party is not None:
            chunks = _logged(chunks, body, third_party, premise, self.kind, windows, agreement, self.request.path)
        response = StreamingHttpResponse(chunks, content_type="text/csv" if csv else "application/json")
        if csv:
            first, last = windows[0][0], windows[-1][1] - timedelta(microseconds=1)
            zone = ZoneInfo(premise.time_zone)
            name = f"{premise.esiid}_{self.kind}_{first.astimezone(zone):%Y%m%d}-{last.astimezone(zone):%Y%m%d}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def read(self, esiid: str):
        premise = self.premise(esiid)
        start, end = self.period(premise)
        windows, agreement = self.windows(premise, start, end)
        return premise, windows, agreement


def _bound(text: str | None, zone: ZoneInfo, name: str) -> datetime | None:
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return _midnight(day + timedelta(days=1) if name == "end" else day, zone)
        moment = datetime.fromisoformat(text)
    except ValueError:
        message = f"{name}: not an ISO date or date-time."
        raise UsageError("invalid", message, fields={name: ["Not an ISO date."]}) from None
    if timezone.is_naive(moment):
        raise UsageError("invalid", f"{name}: a date-time needs its UTC offset.", fields={name: ["No UTC offset."]})
    return moment


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def _logged(chunks, body, third_party, premise, kind, windows, agreement, path):
    """Stream `chunks`, then record the third party's read in the customer's data-access log
    (also when the client stopped reading halfway: what was sent was read)."""
    try:
        yield from chunks
    finally:
        log_access(
            third_party=third_party,
            premise=premise,
            kind=str(kind),
            start=windows[0][0],
            end=windows[-1][1],
            rows=body.rows,
            via=DataAccessLog.Via.API,
            agreement=agreement,
            reference=path,
        )


def _cost_of(premise: Premise, windows: list[Window]):
    """(per-interval cost, cost totals) when a tariff of the premise or its label partner exists."""
    holders = (
        Q(premise=premise) | Q(label_partner_id=premise.label_partner_id)
        if premise.label_partner_id
        else Q(premise=premise)
    )
    if not Tariff.objects.filter(holders).exists():
        return None, None
    timeline = costs.tariff_timeline(premise=premise, start=windows[0][0], end=windows[-1][1])

    def totals() -> dict:
        rows = selectors.interval_rows(premise_id=premise.pk, windows=windows)
        summary = costs.estimate_cost(premise=premise, rows=rows)
        return {key: _plain(value) for key, value in summary.as_dict().items()}

    return timeline.cost, totals


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


@extend_schema(
    tags=["usage"],
    summary="15-minute interval reads of a premise",
    description=(
        "Consumption and generation per 15 minutes: kWh as exact decimals, each start in local time with its "
        "UTC offset (a spring-forward day has 92 intervals per series, a fall-back day 100), the estimated "
        "flag and the revision time; with a tariff, an estimated cost per interval and in the totals (not a bill)."
        + ACCESS_NOTE
    ),
    parameters=PERIOD_PARAMETERS,
    responses={(200, "application/json"): IntervalReadsOutputSerializer, (200, "text/csv"): str, **READ_ERRORS},
)
class IntervalReadsView(ReadsAPIView):
    kind = DataKind.INTERVAL

    def get(self, request, esiid):
        premise, windows, agreement = self.read(esiid)
        cost, cost_totals = _cost_of(premise, windows)
        head = {**self.head(premise, windows), "interval_minutes": IntervalRead.LENGTH_MINUTES}
        csv = request.accepted_renderer.format == "csv"
        body = IntervalBody(head=head, zone_name=premise.time_zone, csv=csv, cost=cost, cost_totals=cost_totals)
        # Nothing else queries while the rows stream, unless costs are looked up on the way.
        rows = selectors.interval_rows(premise_id=premise.pk, windows=windows, sole_reader=cost is None)
        return self.respond(premise, windows, agreement, body, body.stream(rows))


def _local_days(windows: list[Window], zone: ZoneInfo) -> list[tuple[date, date]]:
    """Each window's first and last local day whose midnight lies in it."""
    spans = []
    for start, end in windows:
        first = start.astimezone(zone).date()
        if _midnight(first, zone) < start:
            first += timedelta(days=1)
        last = (end - timedelta(microseconds=1)).astimezone(zone).date()
        if first <= last:
            spans.append((first, last))
    return spans


@extend_schema(
    tags=["usage"],
    summary="Daily register reads of a premise",
    description="One read per local day: start and end register and the day's kWh." + ACCESS_NOTE,
    parameters=PERIOD_PARAMETERS,
    responses={(200, "application/json"): DailyReadsOutputSerializer, (200, "text/csv"): str, **READ_ERRORS},
)
class DailyReadsView(ReadsAPIView):
    kind = DataKind.DAILY
    columns = ["read_date", "start_reading", "end_reading", "kwh", "revised_at"]

    def get(self, request, esiid):
        premise, windows, agreement = self.read(esiid)
        zone = ZoneInfo(premise.time_zone)
        items = (
            {
                "read_date": read.read_date.isoformat(),
                "start_reading": decimal_text(read.start_reading),
                "end_reading": decimal_text(read.end_reading),
                "kwh": decimal_text(read.kwh),
                "revised_at": moment_text(read.revised_at, zone),
            }
            for first, last in _local_days(windows, zone)
            for read in selectors.daily_reads(premise_id=premise.pk, first_day=first, last_day=last)
        )
        return self.records(premise, windows, agreement, items)

    def records(self, premise, windows, agreement, items):
        csv = self.request.accepted_renderer.format == "csv"
        body = RecordBody(head=self.head(premise, windows), items_name="reads", columns=self.columns, csv=csv)
        return self.respond(premise, windows, agreement, body, body.stream(items))


@extend_schema(
    tags=["usage"],
    summary="Monthly (billing-cycle) reads of a premise",
    description="One read per billing cycle starting in the period: kWh and demand figures." + ACCESS_NOTE,
    parameters=PERIOD_PARAMETERS,
    responses={(200, "application/json"): MonthlyReadsOutputSerializer, (200, "text/csv"): str, **READ_ERRORS},
)
class MonthlyReadsView(DailyReadsView):
    kind = DataKind.MONTHLY
    columns = [
        "start_date",
        "end_date",
        "actual_kwh",
        "metered_kw",
        "billed_kw",
        "metered_kva",
        "billed_kva",
        "revised_at",
    ]

    def get(self, request, esiid):
        premise, windows, agreement = self.read(esiid)
        zone = ZoneInfo(premise.time_zone)
        items = (
            {
                "start_date": read.start_date.isoformat(),
                "end_date": read.end_date.isoformat(),
                **{name: decimal_text(getattr(read, name)) for name in self.columns[2:-1]},
                "revised_at": moment_text(read.revised_at, zone),
            }
            for first, last in _local_days(windows, zone)
            for read in selectors.monthly_reads(premise_id=premise.pk, first_day=first, last_day=last)
        )
        return self.records(premise, windows, agreement, items)
