"""The Smart Meter Texas customer API: the endpoints of smartmetertexas.com that home tools (the
`smart-meter-texas` client, Home Assistant's integration) call, answered by MeterGate, so a
customer points their tool here and it works unchanged. See README "Integrations".

    POST /commonapi/user/authenticate  {"username", "password"}  -> {"token"}
    POST /api/meter                    {"esiid": "*"}            -> {"data": [meter, ...]}
    POST /api/ondemandread             {"ESIID", "MeterNumber"}  -> starts an on-demand read
    POST /api/usage/latestodrread      {"ESIID"}                 -> {"data": {"odrstatus", ...}}
    POST /api/adhoc/intervalsynch      {"startDate", "endDate", "ESIID": [...]} -> 15-minute reads

JSON only, no CSRF (no cookies: a bearer token from `authenticate`), no trailing slash, as SMT.
A token opens only the customer's current premises, lapses after 15 minutes idle (401
{"message": "Invalid Token"}, which the client answers by logging in again) and is revoked when
the customer signs their home tools out. Wrong e-mail or password: 400, the same for both;
repeated failures: 403 (`portal.login_lock`). Other errors keep MeterGate's error shape.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from agreements import access
from meters import selectors as meter_selectors
from meters.models import Meter, Premise
from portal import smt_tokens
from portal.serializers import ErrorSerializer

from . import selectors, smt_intervals
from .models import OnDemandRead
from .services import UsageError, ondemand
from .smt_serializers import (
    SmtAuthenticateInputSerializer,
    SmtAuthenticateOutputSerializer,
    SmtIntervalInputSerializer,
    SmtIntervalOutputSerializer,
    SmtLatestReadInputSerializer,
    SmtLatestReadOutputSerializer,
    SmtMeterInputSerializer,
    SmtMeterListOutputSerializer,
    SmtOnDemandReadInputSerializer,
    SmtOnDemandReadOutputSerializer,
)

TAG = "smart-meter-texas"
INVALID_TOKEN = {"message": "Invalid Token"}  # the body the client recognises as "log in again"
ODR_DATE_FORMAT = "%m/%d/%Y %H:%M:%S"
SECOND = timedelta(seconds=1)
ODR_STATUSES = {
    OnDemandRead.Status.PENDING: "PENDING",
    OnDemandRead.Status.COMPLETED: "COMPLETED",
    OnDemandRead.Status.FAILED: "FAILED",
    OnDemandRead.Status.TIMED_OUT: "FAILED",
}
ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer}


class SmtTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>` with a token from `authenticate` (portal.smt_tokens)."""

    def authenticate(self, request):
        scheme, _, raw = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            return None
        user = smt_tokens.user_for_token(raw.strip())
        if user is None:
            raise exceptions.AuthenticationFailed()
        return user, None

    def authenticate_header(self, request):
        return "Bearer"


class SmtTokenScheme(OpenApiAuthenticationExtension):
    target_class = SmtTokenAuthentication
    name = "smtBearer"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="AUTHORIZATION", token_prefix="Bearer")  # noqa: S106


class SmtView(APIView):
    authentication_classes = [SmtTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            return Response(INVALID_TOKEN, status=401, headers={"WWW-Authenticate": "Bearer"})
        response = super().handle_exception(exc)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    def own_premise(self, esiid: str) -> Premise:
        """A premise the customer lives at now; any other ESIID, known or not, gets one answer."""
        premise = meter_selectors.premises_for_customer(self.request.user).filter(esiid=esiid).first()
        if premise is None:
            raise UsageError("not_your_premise", f"ESIID {esiid} is not a premise you live at now.", status_code=403)
        return premise


class AuthenticateView(SmtView):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        tags=[TAG],
        summary="Log in with the portal's e-mail and password (Smart Meter Texas client)",
        request=SmtAuthenticateInputSerializer,
        responses={200: SmtAuthenticateOutputSerializer, **ERRORS},
    )
    def post(self, request):
        data = SmtAuthenticateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = smt_tokens.log_in(
            request, email=data.validated_data["username"], password=data.validated_data["password"]
        )
        return Response(SmtAuthenticateOutputSerializer({"token": token}).data)


def _current_meter(premise: Premise) -> Meter | None:
    meters = [meter for meter in premise.meters.all() if meter.commodity == Meter.Commodity.ELECTRIC]
    current = [meter for meter in meters if meter.removed_on is None]
    return (current or [None])[0]


def _meter_entry(premise: Premise) -> dict:
    meter = _current_meter(premise)
    place = ", ".join(part for part in (premise.service_address, premise.city) if part)
    return {
        "esiid": premise.esiid,
        "meterNumber": meter.meter_number if meter else "",
        "address": premise.service_address,
        "city": premise.city,
        "state": premise.state,
        "zip": premise.postal_code,
        "status": premise.get_status_display().upper(),
        "fullAddress": f"{place}, {premise.state} {premise.postal_code}".strip(", "),
    }


class MeterView(SmtView):
    @extend_schema(
        tags=[TAG],
        summary="The premises you live at now, with their meters",
        request=SmtMeterInputSerializer,
        responses={200: SmtMeterListOutputSerializer, **ERRORS},
    )
    def post(self, request):
        data = SmtMeterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        esiid = data.validated_data["esiid"]
        if esiid == "*":
            premises = meter_selectors.premises_for_customer(request.user).prefetch_related("meters")
        else:
            premises = [self.own_premise(esiid)]
        return Response(SmtMeterListOutputSerializer({"data": [_meter_entry(premise) for premise in premises]}).data)


class OnDemandReadView(SmtView):
    @extend_schema(
        tags=[TAG],
        summary="Ask the meter for its register now (at most 2 a premise an hour)",
        request=SmtOnDemandReadInputSerializer,
        responses={200: SmtOnDemandReadOutputSerializer, 429: ErrorSerializer, **ERRORS},
    )
    def post(self, request):
        data = SmtOnDemandReadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        premise = self.own_premise(data.validated_data["ESIID"])
        meter_number = data.validated_data.get("MeterNumber", "").strip()
        if meter_number and not premise.meters.filter(meter_number=meter_number).exists():
            raise UsageError(
                "unknown_meter", "This meter is not at this premise.", fields={"MeterNumber": ["Unknown meter."]}
            )
        ondemand.request_read(by=request.user, premise=premise)
        started = {"statusCode": "0", "statusReason": "Request submitted successfully for further processing"}
        return Response(SmtOnDemandReadOutputSerializer({"data": started}).data)


def _latest_read_entry(read: OnDemandRead | None, premise: Premise) -> dict:
    if read is None:
        return {"odrstatus": "NONE", "odrread": None, "odrusage": None, "odrdate": None, "responseMessage": ""}
    moment = read.read_at or read.requested_at
    return {
        "odrstatus": ODR_STATUSES[read.status],
        "odrread": None if read.register_kwh is None else str(read.register_kwh),
        "odrusage": None if read.usage_kwh is None else str(read.usage_kwh),
        "odrdate": moment.astimezone(ZoneInfo(premise.time_zone)).strftime(ODR_DATE_FORMAT),
        "responseMessage": read.detail,
    }


class LatestReadView(SmtView):
    @extend_schema(
        tags=[TAG],
        summary="The premise's latest on-demand read and its status",
        request=SmtLatestReadInputSerializer,
        responses={200: SmtLatestReadOutputSerializer, **ERRORS},
    )
    def post(self, request):
        data = SmtLatestReadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        premise = self.own_premise(data.validated_data["ESIID"])
        read = ondemand.latest_read(premise=premise)
        # A read from before the customer moved in belongs to the previous tenant.
        if read is not None:
            asked = read.requested_at
            if not access.customer_may_read(customer=request.user, premise=premise, start=asked, end=asked + SECOND):
                read = None
        return Response(SmtLatestReadOutputSerializer({"data": _latest_read_entry(read, premise)}).data)


class IntervalView(SmtView):
    @extend_schema(
        tags=[TAG],
        summary="15-minute reads by local day (100 slots a day), consumption and surplus generation",
        request=SmtIntervalInputSerializer,
        responses={200: SmtIntervalOutputSerializer, **ERRORS},
    )
    def post(self, request):
        data = SmtIntervalInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        first_day, last_day = data.validated_data["startDate"], data.validated_data["endDate"]
        premises = [self.own_premise(esiid) for esiid in dict.fromkeys(data.validated_data["ESIID"])]
        entries = []
        for premise in premises:
            zone = ZoneInfo(premise.time_zone)
            start = datetime.combine(first_day, time(), tzinfo=zone)
            end = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=zone)
            windows = access.customer_windows(customer=request.user, premises=[premise], start=start, end=end)
            rows = selectors.interval_rows(premise_id=premise.pk, windows=windows.get(premise.pk, []))
            entries += smt_intervals.energy_data(rows, esiid=premise.esiid, time_zone=premise.time_zone)
        return Response(SmtIntervalOutputSerializer({"data": {"energyData": entries}}).data)
