"""Reports API for third parties' systems (OAuth2 client credentials, scope `reports`): report
requests (typed ESIIDs or an uploaded file), their progress and per-ESIID outcome, schedules.
Each third party sees only its own; another's is a 404."""

import io

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from oauth2_provider.contrib.rest_framework import OAuth2Authentication, TokenHasScope
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from agreements import selectors as agreement_selectors
from portal.api_support import IsThirdPartyMember, third_party_of
from portal.serializers import ErrorSerializer

from . import selectors, services
from .models import ReportRequest, ReportSchedule
from .serializers import (
    ReportCreateInputSerializer,
    ReportDetailOutputSerializer,
    ReportOutputSerializer,
    ReportUploadInputSerializer,
    ScheduleCreateInputSerializer,
    ScheduleOutputSerializer,
)

TAG = "reports"
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input, or a rule refused it (see `code`)."),
    401: OpenApiResponse(ErrorSerializer, description="No or an expired access token."),
    403: OpenApiResponse(ErrorSerializer, description="Not a third party's token with the `reports` scope."),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such record of yours.")}
CONFLICT = {409: OpenApiResponse(ErrorSerializer, description="Not possible in the current state (see `code`).")}
CREATED_NOTE = (
    "Every ESIID is checked at the access gate: refused ones come back as items with status `rejected` and the "
    "reason; the others get one file each in the third party's FTPS folder. When none may be read the request "
    "is refused (`nothing_readable`, reasons in `fields.esiids`). Poll the request for its progress."
)


class ReportsAPIView(APIView):
    authentication_classes = [OAuth2Authentication]
    permission_classes = [TokenHasScope, IsThirdPartyMember]
    required_scopes = ["reports"]

    @property
    def third_party(self):
        return third_party_of(self.request)

    def reports(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request to ask
            return ReportRequest.objects.none()
        return selectors.requests_for_third_party(self.third_party)

    def schedules(self):
        if getattr(self, "swagger_fake_view", False):
            return ReportSchedule.objects.none()
        return selectors.schedules_for_third_party(self.third_party)


@extend_schema_view(
    get=extend_schema(tags=[TAG], summary="List report requests", responses={200: ReportOutputSerializer, **ERRORS}),
    post=extend_schema(
        tags=[TAG],
        summary="Request a report (one file per ESIID)",
        description=CREATED_NOTE,
        request=ReportCreateInputSerializer,
        responses={201: ReportDetailOutputSerializer, **ERRORS},
    ),
)
class ReportListView(ReportsAPIView, generics.ListAPIView):
    serializer_class = ReportOutputSerializer

    def get_queryset(self):
        return self.reports()

    def post(self, request):
        data = ReportCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.create_report_request(by=None, third_party=self.third_party, **data.validated_data)
        return Response(ReportDetailOutputSerializer(report).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=[TAG],
    summary="Request a report for a file of ESIIDs",
    description=CREATED_NOTE + " Lines that are not ESIIDs are rejected items with their line number.",
    request={"multipart/form-data": ReportUploadInputSerializer},
    responses={201: ReportDetailOutputSerializer, **ERRORS},
)
class ReportUploadView(ReportsAPIView):
    parser_classes = [MultiPartParser]

    def post(self, request):
        data = ReportUploadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        upload = fields.pop("file")
        lines = io.TextIOWrapper(upload.file, encoding="utf-8-sig", errors="replace")
        report = services.create_report_request(by=None, third_party=self.third_party, esiid_file=lines, **fields)
        return Response(ReportDetailOutputSerializer(report).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=[TAG],
    summary="Read a report request: status, progress, each ESIID's outcome",
    responses={200: ReportDetailOutputSerializer, **ERRORS, **NOT_FOUND},
)
class ReportDetailView(ReportsAPIView):
    def get(self, request, number):
        report = get_object_or_404(self.reports().prefetch_related("items"), number=number)
        return Response(ReportDetailOutputSerializer(report).data)


@extend_schema_view(
    get=extend_schema(tags=[TAG], summary="List report schedules", responses={200: ScheduleOutputSerializer, **ERRORS}),
    post=extend_schema(
        tags=[TAG],
        summary="Schedule a recurring export",
        description=(
            "Daily 15-minute usage (`interval`) or daily meter reads (`daily`): one file per ESIID each day, the "
            "next morning; monthly usage (`monthly`) after each month. For a continuous Energy Data agreement of 1 "
            "to 12 months; never past its end, and it stops when the agreement ends."
        ),
        request=ScheduleCreateInputSerializer,
        responses={201: ScheduleOutputSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
    ),
)
class ScheduleListView(ReportsAPIView, generics.ListAPIView):
    serializer_class = ScheduleOutputSerializer

    def get_queryset(self):
        return self.schedules()

    def post(self, request):
        data = ScheduleCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        agreement = get_object_or_404(
            agreement_selectors.agreements_for_third_party(self.third_party), number=fields.pop("agreement")
        )
        schedule = services.create_schedule(by=None, third_party=self.third_party, agreement=agreement, **fields)
        return Response(ScheduleOutputSerializer(schedule).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        tags=[TAG], summary="Read a report schedule", responses={200: ScheduleOutputSerializer, **ERRORS, **NOT_FOUND}
    ),
    delete=extend_schema(
        tags=[TAG],
        summary="Cancel a report schedule",
        responses={200: ScheduleOutputSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
    ),
)
class ScheduleDetailView(ReportsAPIView):
    def get(self, request, pk):
        return Response(ScheduleOutputSerializer(get_object_or_404(self.schedules(), pk=pk)).data)

    def delete(self, request, pk):
        schedule = get_object_or_404(self.schedules(), pk=pk)
        schedule = services.cancel_schedule(by=None, third_party=self.third_party, schedule=schedule)
        return Response(ScheduleOutputSerializer(schedule).data)
