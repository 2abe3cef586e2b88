"""Meters API: provisioning of premises (installations), meters, move-ins and move-outs by the
utility's systems."""

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api import (
    CONFLICT,
    ERRORS,
    TAG,
    ProvisioningListView,
    ProvisioningMixin,
    ProvisioningRecordView,
    record_schema,
)
from portal.serializers import ErrorSerializer

from .models import Meter, Premise
from .provisioning import OPERATIONS
from .serializers import (
    MeterDetailOutputSerializer,
    MeterListOutputSerializer,
    MeterUpsertInputSerializer,
    MeterUpsertOutputSerializer,
    MoveInInputSerializer,
    MoveInOutputSerializer,
    MoveOutInputSerializer,
    MoveOutOutputSerializer,
    PremiseDetailOutputSerializer,
    PremiseListOutputSerializer,
    PremiseUpsertInputSerializer,
    PremiseUpsertOutputSerializer,
)
from .validators import normalize_esiid

# --- Premises ------------------------------------------------------------------------------------


@record_schema(
    key="external_id",
    key_help="The utility's installation id.",
    noun="premise (installation)",
    input_serializer=PremiseUpsertInputSerializer,
    upsert_output=PremiseUpsertOutputSerializer,
    detail_output=PremiseDetailOutputSerializer,
)
class PremiseView(ProvisioningRecordView):
    operation = OPERATIONS["premises"]
    queryset = Premise.objects.select_related("label_partner")
    lookup_field = "external_id"
    detail_output_serializer = PremiseDetailOutputSerializer
    upsert_output_serializer = PremiseUpsertOutputSerializer


class EsiidFilter(django_filters.CharFilter):
    def filter(self, queryset, value):
        return super().filter(queryset, normalize_esiid(value) if value else value)


class PremiseFilter(django_filters.FilterSet):
    esiid = EsiidFilter()
    external_id = django_filters.CharFilter()
    postal_code = django_filters.CharFilter()
    label_partner = django_filters.CharFilter(field_name="label_partner__code", help_text="Label partner code.")
    status = django_filters.ChoiceFilter(choices=Premise.Status.choices)

    class Meta:
        model = Premise
        fields = ["esiid", "external_id", "postal_code", "label_partner", "status"]


@extend_schema(tags=[TAG], summary="List premises", responses={200: PremiseListOutputSerializer, **ERRORS})
class PremiseListView(ProvisioningListView):
    queryset = Premise.objects.select_related("label_partner")
    serializer_class = PremiseListOutputSerializer
    filterset_class = PremiseFilter


# --- Meters --------------------------------------------------------------------------------------


@record_schema(
    key="meter_number",
    key_help="The external meter id.",
    noun="meter",
    input_serializer=MeterUpsertInputSerializer,
    upsert_output=MeterUpsertOutputSerializer,
    detail_output=MeterDetailOutputSerializer,
)
class MeterView(ProvisioningRecordView):
    operation = OPERATIONS["meters"]
    queryset = Meter.objects.select_related("premise")
    lookup_field = "meter_number"
    detail_output_serializer = MeterDetailOutputSerializer
    upsert_output_serializer = MeterUpsertOutputSerializer


class MeterFilter(django_filters.FilterSet):
    esiid = EsiidFilter(field_name="premise__esiid", help_text="The ESIID of the meter's premise.")
    commodity = django_filters.ChoiceFilter(choices=Meter.Commodity.choices)
    installed = django_filters.BooleanFilter(
        field_name="removed_on", lookup_expr="isnull", help_text="true: not removed; false: removed."
    )

    class Meta:
        model = Meter
        fields = ["esiid", "commodity", "installed"]


@extend_schema(tags=[TAG], summary="List meters", responses={200: MeterListOutputSerializer, **ERRORS})
class MeterListView(ProvisioningListView):
    queryset = Meter.objects.select_related("premise")
    serializer_class = MeterListOutputSerializer
    filterset_class = MeterFilter


# --- Move-in and move-out ------------------------------------------------------------------------


class MoveInView(ProvisioningMixin, APIView):
    @extend_schema(
        tags=[TAG],
        summary="Record a move-in",
        description=(
            "Starts the customer's occupancy of the premise: 201 when recorded, 200 when the same move-in "
            "was already recorded. A premise has one occupant at a time (409 `premise_occupied`)."
        ),
        request=MoveInInputSerializer,
        responses={
            200: MoveInOutputSerializer,
            201: MoveInOutputSerializer,
            **ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="`premise_occupied`: record the move-out first."),
        },
    )
    def post(self, request):
        result = OPERATIONS["move_ins"].run(request.data)
        return Response(MoveInOutputSerializer(result.instance).data, status=201 if result.created else 200)


class MoveOutView(ProvisioningMixin, APIView):
    @extend_schema(
        tags=[TAG],
        summary="Record a move-out",
        description=(
            "Ends the premise's current occupancy with the reason given; the customer's agreements on the "
            "premise end and its in-home devices are removed in the same transaction. Repeating a recorded "
            "move-out changes nothing (200). 409 `not_occupied` when nobody lives there."
        ),
        request=MoveOutInputSerializer,
        responses={200: MoveOutOutputSerializer, **ERRORS, **CONFLICT},
    )
    def post(self, request):
        result = OPERATIONS["move_outs"].run(request.data)
        return Response(MoveOutOutputSerializer(result.instance).data)
