"""Usage API: on-demand reads of a premise (scope `usage`): ask the meter for its register now,
and read back the requests and their answers."""

from zoneinfo import ZoneInfo

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from agreements.models import DataKind
from portal.serializers import ErrorSerializer

from . import selectors
from .api import ACCESS_NOTE, PERIOD_PARAMETERS, READ_ERRORS, DailyReadsView
from .models import OnDemandRead
from .renderers import decimal_text, moment_text
from .serializers import OnDemandReadOutputSerializer, OnDemandReadsOutputSerializer
from .services import ondemand


def on_demand_item(read: OnDemandRead, zone: ZoneInfo) -> dict:
    return {
        "id": read.pk,
        "status": read.status,
        "requested_at": moment_text(read.requested_at, zone),
        "answered_at": moment_text(read.answered_at, zone),
        "read_at": moment_text(read.read_at, zone),
        "register_kwh": decimal_text(read.register_kwh),
        "usage_kwh": decimal_text(read.usage_kwh),
        "detail": read.detail,
    }


@extend_schema_view(
    get=extend_schema(
        tags=["usage"],
        summary="On-demand reads of a premise",
        description="The on-demand reads requested in the period (by anyone), with their status and result."
        + ACCESS_NOTE,
        parameters=PERIOD_PARAMETERS,
        responses={(200, "application/json"): OnDemandReadsOutputSerializer, (200, "text/csv"): str, **READ_ERRORS},
    ),
    post=extend_schema(
        tags=["usage"],
        summary="Ask the meter for its register now",
        description=(
            "Starts an on-demand read (answered asynchronously: read it back with GET). The customer living at "
            "the premise, or a third party whose active Energy Data agreement covers on-demand reads, may ask; "
            "at most 2 requests per premise in any hour, after which the answer is 429 with `Retry-After`."
        ),
        request=None,
        responses={
            202: OnDemandReadOutputSerializer,
            **READ_ERRORS,
            429: OpenApiResponse(ErrorSerializer, description="Rate limited (`rate_limited`); see Retry-After."),
        },
    ),
)
class OnDemandReadsView(DailyReadsView):
    kind = DataKind.ON_DEMAND
    columns = ["id", "status", "requested_at", "answered_at", "read_at", "register_kwh", "usage_kwh", "detail"]

    def get(self, request, esiid):
        premise, windows, agreement = self.read(esiid)
        zone = ZoneInfo(premise.time_zone)
        reads = selectors.on_demand_reads(premise_id=premise.pk, windows=windows)
        return self.records(premise, windows, agreement, (on_demand_item(read, zone) for read in reads))

    def post(self, request, esiid):
        premise = self.premise(esiid)
        third_party, _ = self.reader()
        read = ondemand.request_read(by=self.signed_in_user(), premise=premise, third_party=third_party)
        item = on_demand_item(read, ZoneInfo(premise.time_zone))
        return Response(OnDemandReadOutputSerializer(item).data, status=status.HTTP_202_ACCEPTED)
