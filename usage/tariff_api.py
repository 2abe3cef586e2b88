"""Tariffs API: tariffs and TOU maps supplied by the utility's (or supplier's) systems, scope
`tariffs`; and the tariffs of a customer's own home, for the customer."""

import io

import django_filters
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from oauth2_provider.contrib.rest_framework import (
    IsAuthenticatedOrTokenHasScope,
    OAuth2Authentication,
    TokenHasScope,
)
from rest_framework import generics
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from meters.selectors import premises_for_customer
from portal import api as portal_api
from portal.models import User
from portal.serializers import ErrorSerializer

from .models import Tariff, TouMap
from .services import UsageError
from .services import tariffs as tariff_services
from .tariff_files import HEADER, import_tariff_stream
from .tariff_serializers import (
    CustomerTariffOutputSerializer,
    TariffCreateInputSerializer,
    TariffDeltaInputSerializer,
    TariffDeltaOutputSerializer,
    TariffEndInputSerializer,
    TariffOutputSerializer,
    TariffUpdateInputSerializer,
    TouMapCreateInputSerializer,
    TouMapOutputSerializer,
    TouMapUpdateInputSerializer,
)

TAG = "tariffs"
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; `fields` holds the messages per field."),
    401: OpenApiResponse(ErrorSerializer, description="No or an expired access token."),
    403: OpenApiResponse(ErrorSerializer, description="No `tariffs` scope, or not the utility's own client."),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such record.")}
CONFLICT = {409: OpenApiResponse(ErrorSerializer, description="Overlaps another tariff, or the id is taken.")}


class IsUtilitySystem(portal_api.IsUtilitySystem):
    message = "Only the utility's own systems may supply tariffs."


class TariffsMixin:
    # Machine to machine: a browser session never carries the tariffs scope.
    authentication_classes = [OAuth2Authentication]
    permission_classes = [TokenHasScope, IsUtilitySystem]
    required_scopes = ["tariffs"]


def _tariffs():
    return Tariff.objects.select_related("premise", "label_partner", "tou_map")


class TariffFilter(django_filters.FilterSet):
    esiid = django_filters.CharFilter(field_name="premise__esiid")
    label_partner = django_filters.CharFilter(field_name="label_partner__code", help_text="Label partner code.")
    external_id = django_filters.CharFilter()
    source = django_filters.ChoiceFilter(choices=Tariff.Source.choices)
    valid_on = django_filters.DateFilter(method="filter_valid_on", help_text="Tariffs in force on this local day.")

    class Meta:
        model = Tariff
        fields = ["esiid", "label_partner", "external_id", "source", "valid_on"]

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=value), valid_from__lte=value)


@extend_schema_view(
    get=extend_schema(tags=[TAG], summary="List tariffs", responses={200: TariffOutputSerializer, **ERRORS}),
    post=extend_schema(
        tags=[TAG],
        summary="Create a tariff",
        description=(
            "A tariff of one premise (`esiid`) or one label partner. The tariff of that holder in force on "
            "`valid_from` ends the day before; a tariff reaching over one that starts later is refused (409)."
        ),
        request=TariffCreateInputSerializer,
        responses={201: TariffOutputSerializer, **ERRORS, **CONFLICT},
    ),
)
class TariffListView(TariffsMixin, generics.ListAPIView):
    queryset = _tariffs()
    serializer_class = TariffOutputSerializer
    filterset_class = TariffFilter
    pagination_class = portal_api.ProvisioningPagination

    def post(self, request):
        data = TariffCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tariff = tariff_services.create_tariff(source=Tariff.Source.API, **data.validated_data)
        return Response(TariffOutputSerializer(tariff).data, status=201)


@extend_schema_view(
    get=extend_schema(
        tags=[TAG], summary="Read a tariff", responses={200: TariffOutputSerializer, **ERRORS, **NOT_FOUND}
    ),
    patch=extend_schema(
        tags=[TAG],
        summary="Change a tariff",
        description="Prices, currency, TOU map, name or dates; the holder never changes. Overlaps are refused (409).",
        request=TariffUpdateInputSerializer,
        responses={200: TariffOutputSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
    ),
)
class TariffDetailView(TariffsMixin, APIView):
    def get(self, request, pk):
        return Response(TariffOutputSerializer(get_object_or_404(_tariffs(), pk=pk)).data)

    def patch(self, request, pk):
        tariff = get_object_or_404(Tariff, pk=pk)
        data = TariffUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tariff = tariff_services.update_tariff(tariff=tariff, **data.validated_data)
        return Response(TariffOutputSerializer(tariff).data)


@extend_schema(
    tags=[TAG],
    summary="End a tariff",
    description="Its last local day becomes `valid_to`. Ending it again on the same day changes nothing.",
    request=TariffEndInputSerializer,
    responses={200: TariffOutputSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
)
class TariffEndView(TariffsMixin, APIView):
    def post(self, request, pk):
        tariff = get_object_or_404(Tariff, pk=pk)
        data = TariffEndInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tariff = tariff_services.end_tariff(tariff=tariff, valid_to=data.validated_data["valid_to"])
        return Response(TariffOutputSerializer(tariff).data)


@extend_schema(
    tags=[TAG],
    summary="Apply a tariff delta file",
    description=(
        f"A CSV file of tariff changes, header `{HEADER}`; `action` is insert, update or end, keyed by "
        "`external_id`. Every line is validated; rejected lines come back with their number and reason and never "
        "stop the good ones. Sending the same file again changes nothing."
    ),
    request={"multipart/form-data": TariffDeltaInputSerializer},
    responses={200: TariffDeltaOutputSerializer, **ERRORS},
)
class TariffDeltaView(TariffsMixin, APIView):
    parser_classes = [MultiPartParser]

    def post(self, request):
        data = TariffDeltaInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        stream = io.TextIOWrapper(upload.file, encoding="utf-8-sig", errors="replace", newline="")
        result = import_tariff_stream(stream=stream, name=upload.name)
        return Response(TariffDeltaOutputSerializer(result.as_dict()).data)


def _tou_maps():
    return TouMap.objects.prefetch_related("rules")


@extend_schema_view(
    get=extend_schema(tags=[TAG], summary="List TOU maps", responses={200: TouMapOutputSerializer, **ERRORS}),
    post=extend_schema(
        tags=[TAG],
        summary="Create a TOU map",
        description="Rules are tried in the order given; an instant no rule matches is in `default_period`.",
        request=TouMapCreateInputSerializer,
        responses={201: TouMapOutputSerializer, **ERRORS, **CONFLICT},
    ),
)
class TouMapListView(TariffsMixin, generics.ListAPIView):
    queryset = _tou_maps()
    serializer_class = TouMapOutputSerializer
    pagination_class = portal_api.ProvisioningPagination

    def post(self, request):
        data = TouMapCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tou_map = tariff_services.create_tou_map(**data.validated_data)
        return Response(TouMapOutputSerializer(_tou_maps().get(pk=tou_map.pk)).data, status=201)


@extend_schema_view(
    get=extend_schema(
        tags=[TAG], summary="Read a TOU map", responses={200: TouMapOutputSerializer, **ERRORS, **NOT_FOUND}
    ),
    patch=extend_schema(
        tags=[TAG],
        summary="Change a TOU map",
        description="`rules`, when given, replace every rule. Tariffs using the map follow it at once.",
        request=TouMapUpdateInputSerializer,
        responses={200: TouMapOutputSerializer, **ERRORS, **NOT_FOUND},
    ),
)
class TouMapDetailView(TariffsMixin, APIView):
    def get(self, request, code):
        return Response(TouMapOutputSerializer(get_object_or_404(_tou_maps(), code=code)).data)

    def patch(self, request, code):
        tou_map = get_object_or_404(TouMap, code=code)
        data = TouMapUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tariff_services.update_tou_map(tou_map=tou_map, **data.validated_data)
        return Response(TouMapOutputSerializer(_tou_maps().get(pk=tou_map.pk)).data)


@extend_schema(
    tags=[TAG],
    summary="Tariffs of my home",
    description=(
        "For a customer (session, or a token of a client that is not a third party's, scope `usage`): the tariffs "
        "of a premise they live at now, its own and its label partner's, newest first. Costs are estimates."
    ),
    responses={200: CustomerTariffOutputSerializer(many=True), **ERRORS, **NOT_FOUND},
)
class CustomerPremiseTariffsView(APIView):
    authentication_classes = [OAuth2Authentication, SessionAuthentication]
    permission_classes = [IsAuthenticatedOrTokenHasScope]
    required_scopes = ["usage"]

    def get(self, request, esiid):
        user = request.user
        application = getattr(request.auth, "application", None)
        if user.role != User.Role.CUSTOMER or getattr(application, "third_party_id", None):
            raise UsageError("not_allowed", "Only the customer living at a premise reads its tariffs.", status_code=403)
        premise = premises_for_customer(user).filter(esiid=esiid).first()
        if premise is None:
            raise UsageError("not_found", "No premise of yours has this ESIID.", status_code=404)
        holders = Q(premise=premise)
        if premise.label_partner_id:
            holders |= Q(label_partner_id=premise.label_partner_id)
        tariffs = Tariff.objects.filter(holders).select_related("tou_map").order_by("-valid_from", "pk")
        return Response(CustomerTariffOutputSerializer(tariffs, many=True).data)
