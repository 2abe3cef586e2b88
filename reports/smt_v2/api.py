"""The Smart Meter Texas v2 third-party API under /v2/, so a retail provider's SMT client moves
over by changing the host name (README "Moving from Smart Meter Texas"; reference: SMT's
Data Access Interface Guide v2, digested in shared/reference/smt.md §4).

    POST /v2/token/                       {username, password} -> {accessToken, expiresAt, ...}
    POST /v2/15minintervalreads/          energyData[].{DT, RevTS, RT, RD}
    POST /v2/dailyreads/                  registeredReads[]
    POST /v2/monthlybillingInformation/   billingData[]
    POST /v2/greenbutton/                 the 15-minute reads as a Green Button (ESPI) XML feed
    POST /v2/reportrequeststatus/         a FTP/EML request's status by correlationId
    POST /v2/odr/, /v2/odrstatus/         on-demand reads

JSON, a Bearer token from /v2/token/ (an hour), no CSRF. Every body names the caller's Service ID
(`requestorID`) and DUNS (`requesterAuthenticationID`). Errors are SMT's
`{"errorCode", "errorMessage"}`: 400 bad input, 401 bad or expired token, 403 refused (another
company's IDs, an ESIID without agreement, a period past the agreement: errorCode is the access
gate's code), 404 nothing found ("1": "No data received from the respective TDSP"), 429 too many
on-demand reads (with Retry-After). deliveryMode API answers JSON, or the report files' CSV or
Green Button XML (`files`). `version` A on 15-minute reads answers every revision kept (JSON); daily
and billing reads keep only their latest revision, so A answers as L there.
"""

from zoneinfo import ZoneInfo

from django.http import HttpResponse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from agreements.models import DataKind
from portal import login_lock
from portal.errors import DomainError
from usage.smt_serializers import MAX_INTERVAL_DAYS

from ..models_smt import SmtApiSettings
from . import files, services, tokens
from . import serializers as s

TAG = "smt-v2"
CENTRAL = ZoneInfo("America/Chicago")
ERRORS = {400: s.SmtV2ErrorOutputSerializer, 401: s.SmtV2ErrorOutputSerializer, 403: s.SmtV2ErrorOutputSerializer}
QUEUED_NOTE = (
    "deliveryMode API with reportFormat CSV answers the Texas CSV layout of report files (text/csv: one "
    "header, then each ESIID's rows; 15-minute rows follow readingType), with XML a Green Button (ESPI) "
    "Atom feed (application/atom+xml, a usage point per ESIID, each series its own MeterReading: "
    "readingType does not filter it; 15-minute or billing data, not daily). "
    "version A (15-minute reads, JSON only): every revision kept, one energyData entry per day, series "
    "and revision time (RevTS) holding the values that revision set, oldest first; a value a later "
    "revision left unchanged stays in its first revision's entry. Daily and billing reads keep only "
    "the latest revision: A answers as L. "
    "deliveryMode FTP or EML: a report request is made instead and the answer is "
    "{trans_id, correlationId, statusCode, statusReason}; poll /v2/reportrequeststatus/ with the correlationId."
)
FILE_ANSWERS = {(200, "text/csv"): OpenApiTypes.STR, (200, "application/atom+xml"): OpenApiTypes.STR}
GREEN_BUTTON_NOTE = (
    "SMT lists /v2/greenbutton/ among its paths but its body is not published; MeterGate reads it as "
    "the 15-minute reads body (reportFormat XML, the default and the only one accepted) answered as "
    "a Green Button (ESPI) Atom feed of IntervalBlocks, a usage point per ESIID. deliveryMode FTP or "
    "EML makes a Green Button report request, polled by correlationId."
)
SUBMITTED = "Request submitted successfully for further processing"


class SmtV2TokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        scheme, _, raw = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            return None
        user = tokens.user_for_token(raw.strip())
        if user is None:
            raise exceptions.AuthenticationFailed("The token is not valid or has expired.")
        return user, None

    def authenticate_header(self, request):
        return "Bearer"


class SmtV2TokenScheme(OpenApiAuthenticationExtension):
    target_class = SmtV2TokenAuthentication
    name = "smtV2Bearer"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="AUTHORIZATION", token_prefix="Bearer")  # noqa: S106


def _error(code: str, message: str, status: int, headers=None) -> Response:
    return Response({"errorCode": code, "errorMessage": message}, status=status, headers=headers)


def _flatten(detail, prefix="") -> list[str]:
    if isinstance(detail, dict):
        return [text for key, value in detail.items() for text in _flatten(value, f"{key}: ")]
    if isinstance(detail, list):
        return [text for value in detail for text in _flatten(value, prefix)]
    return [f"{prefix}{detail}"]


class SmtV2View(APIView):
    authentication_classes = [SmtV2TokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    input_serializer = s.SmtV2RequestorSerializer

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            return _error("401", "The token is not valid or has expired.", 401, {"WWW-Authenticate": "Bearer"})
        if isinstance(exc, exceptions.ValidationError):
            return _error("400", " ".join(_flatten(exc.detail)), 400)
        if isinstance(exc, exceptions.ParseError):
            return _error("400", str(exc.detail), 400)
        if isinstance(exc, DomainError):
            retry_after = getattr(exc, "retry_after", None)
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
            return _error(exc.code, exc.message, exc.status_code, headers)
        return super().handle_exception(exc)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.data = data.validated_data
        self.third_party = services.requestor(
            user=request.user,
            requestor_id=self.data["requestorID"],
            authentication_id=self.data["requesterAuthenticationID"],
        )
        own = SmtApiSettings.objects.get(third_party=self.third_party)
        if not own.allows(login_lock.client_address(request)):
            raise services.SmtError("403", "Calls from this address are not allowed for your company.", status_code=403)


class TokenView(SmtV2View):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    def initial(self, request, *args, **kwargs):
        APIView.initial(self, request, *args, **kwargs)

    @extend_schema(
        tags=[TAG],
        summary="A bearer token for an API user (an hour)",
        request=s.SmtV2TokenInputSerializer,
        responses={200: s.SmtV2TokenOutputSerializer, **ERRORS},
    )
    def post(self, request):
        data = s.SmtV2TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            raw, token = tokens.log_in(
                request, username=data.validated_data["username"], password=data.validated_data["password"]
            )
        except login_lock.InvalidCredentials:
            return _error("401", "Incorrect username or password.", 401)
        own = SmtApiSettings.objects.filter(third_party=token.user.third_party).first()
        if own is None or not own.allows(login_lock.client_address(request)):
            token.delete()
            return _error("403", "Calls from this address are not allowed for your company.", 403)
        issued = token.created.astimezone(CENTRAL)
        body = {
            "statusCode": "200",
            "accessToken": raw,
            "tokenType": "Bearer",
            "expiresIn": str(int(tokens.lifetime().total_seconds())),
            "issuedAt": issued.strftime(services.SMT_MOMENT),
            "expiresAt": token.expires.astimezone(CENTRAL).strftime(services.SMT_MOMENT),
        }
        return Response(s.SmtV2TokenOutputSerializer(body).data)


class ReadsView(SmtV2View):
    """The three reads: answered at once (deliveryMode API, JSON) or as a report request."""

    input_serializer = s.SmtV2ReadsInputSerializer
    kind = DataKind.INTERVAL
    max_api_days = 366  # the answer is built whole; longer periods go by FTP or EML

    def post(self, request):
        data = self.data
        esiids = list(dict.fromkeys(data["esiid"]))
        days = (data["endDate"] - data["startDate"]).days + 1
        if data["deliveryMode"] == "API" and days > self.max_api_days:
            message = f"deliveryMode API answers at most {self.max_api_days} days here; use FTP or EML for more."
            raise services.SmtError("400", message)
        if data["deliveryMode"] == "API" and data["reportFormat"] != "JSON":
            files.check_file_request(kind=self.kind, report_format=data["reportFormat"], version=data["version"])
        readable = services.gate(
            third_party=self.third_party,
            esiids=esiids,
            kind=self.kind,
            first_day=data["startDate"],
            last_day=data["endDate"],
        )
        if data["deliveryMode"] != "API":
            report = services.request_report(
                third_party=self.third_party,
                kind=self.kind,
                esiids=esiids,
                first_day=data["startDate"],
                last_day=data["endDate"],
                report_format=data["reportFormat"],
            )
            body = {"trans_id": data["trans_id"], "correlationId": report.number, "statusCode": "0"}
            return Response(s.SmtV2SubmittedOutputSerializer({**body, "statusReason": SUBMITTED}).data)
        if data["reportFormat"] != "JSON":
            body, content_type = files.file_answer(
                third_party=self.third_party,
                readable=readable,
                kind=self.kind,
                report_format=data["reportFormat"],
                reading_type=data["readingType"],
                reference=self.request.path,
            )
            return HttpResponse(body, content_type=content_type)
        return Response(self.answer(readable, data))


class IntervalReadsView(ReadsView):
    max_api_days = MAX_INTERVAL_DAYS

    @extend_schema(
        tags=[TAG],
        summary="15-minute reads: one entry per ESIID, local day and series, 100 slots",
        request=s.SmtV2ReadsInputSerializer,
        responses={(200, "application/json"): s.SmtV2IntervalOutputSerializer, **FILE_ANSWERS, **ERRORS},
        description=QUEUED_NOTE,
    )
    def post(self, request):
        return super().post(request)

    def answer(self, readable, data):
        entries = services.interval_entries(
            third_party=self.third_party,
            readable=readable,
            reading_type=data["readingType"],
            reference=self.request.path,
            version=data["version"],
        )
        return s.SmtV2IntervalOutputSerializer({"trans_id": data["trans_id"], "energyData": entries}).data


class GreenButtonView(ReadsView):
    input_serializer = s.SmtV2GreenButtonInputSerializer
    max_api_days = MAX_INTERVAL_DAYS

    @extend_schema(
        tags=[TAG],
        summary="15-minute reads as a Green Button (ESPI) XML feed",
        request=s.SmtV2GreenButtonInputSerializer,
        responses={(200, "application/atom+xml"): OpenApiTypes.STR, **ERRORS},
        description=GREEN_BUTTON_NOTE,
    )
    def post(self, request):
        return super().post(request)


class RegisterReadsView(ReadsView):
    """Daily and billing-cycle reads: the same answer under each one's own key."""

    output_serializer = None
    entries_key = ""

    def answer(self, readable, data):
        entries = services.register_entries(
            third_party=self.third_party, readable=readable, kind=self.kind, reference=self.request.path
        )
        esiid = ",".join(item.premise.esiid for item in readable)
        return self.output_serializer({"trans_id": data["trans_id"], "esiid": esiid, self.entries_key: entries}).data


class DailyReadsView(RegisterReadsView):
    kind = DataKind.DAILY
    output_serializer = s.SmtV2DailyOutputSerializer
    entries_key = "registeredReads"

    @extend_schema(
        tags=[TAG],
        summary="Daily register reads",
        request=s.SmtV2ReadsInputSerializer,
        responses={(200, "application/json"): s.SmtV2DailyOutputSerializer, **FILE_ANSWERS, **ERRORS},
        description=QUEUED_NOTE,
    )
    def post(self, request):
        return super().post(request)


class MonthlyBillingView(RegisterReadsView):
    kind = DataKind.MONTHLY
    output_serializer = s.SmtV2MonthlyOutputSerializer
    entries_key = "billingData"

    @extend_schema(
        tags=[TAG],
        summary="Billing-cycle reads (cycles starting in the period)",
        request=s.SmtV2ReadsInputSerializer,
        responses={(200, "application/json"): s.SmtV2MonthlyOutputSerializer, **FILE_ANSWERS, **ERRORS},
        description=QUEUED_NOTE,
    )
    def post(self, request):
        return super().post(request)


class ReportRequestStatusView(SmtV2View):
    input_serializer = s.SmtV2ReportStatusInputSerializer

    @extend_schema(
        tags=[TAG],
        summary="The status of a FTP/EML read request",
        request=s.SmtV2ReportStatusInputSerializer,
        responses={200: s.SmtV2ReportStatusOutputSerializer, 404: s.SmtV2ErrorOutputSerializer, **ERRORS},
    )
    def post(self, request):
        report = services.report_request(third_party=self.third_party, correlation_id=self.data["correlationId"])
        body = {
            "trans_id": self.data["trans_id"],
            "correlationId": report.number,
            "statusCode": "0",
            "statusReason": report.failure_reason or report.get_status_display(),
            "status": report.status.upper(),
            "deliveredTo": report.delivered_to,
        }
        return Response(s.SmtV2ReportStatusOutputSerializer(body).data)


class OdrView(SmtV2View):
    input_serializer = s.SmtV2OdrInputSerializer

    @extend_schema(
        tags=[TAG],
        summary="Ask a meter for its register now (2 a premise an hour, a daily cap per company)",
        request=s.SmtV2OdrInputSerializer,
        responses={200: s.SmtV2SubmittedOutputSerializer, 429: s.SmtV2ErrorOutputSerializer, **ERRORS},
    )
    def post(self, request):
        read = services.start_on_demand_read(third_party=self.third_party, esiid=self.data["ESIID"])
        body = {"trans_id": self.data["trans_id"], "correlationId": services.correlation_id(read), "statusCode": "0"}
        return Response(s.SmtV2SubmittedOutputSerializer({**body, "statusReason": SUBMITTED}).data)


class OdrStatusView(SmtV2View):
    input_serializer = s.SmtV2OdrStatusInputSerializer

    @extend_schema(
        tags=[TAG],
        summary="An on-demand read's status and register",
        request=s.SmtV2OdrStatusInputSerializer,
        responses={200: s.SmtV2OdrStatusOutputSerializer, 404: s.SmtV2ErrorOutputSerializer, **ERRORS},
    )
    def post(self, request):
        read = services.on_demand_read(third_party=self.third_party, correlation=self.data["correlationId"])
        body = {
            "trans_id": self.data["trans_id"],
            "correlationId": services.correlation_id(read),
            "statusCode": "0",
            "statusReason": "Completed" if read.register_kwh is not None else "In progress",
            "odrRead": services.odr_entry(read),
        }
        return Response(s.SmtV2OdrStatusOutputSerializer(body).data)
