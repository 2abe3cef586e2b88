"""In-home (HAN) devices API for third parties (OAuth2 client credentials, scope `han`): the devices
of their device agreements, resend add, remove with a reason, the request history and HAN
messages. A device no agreement of theirs names is a 404; clients of the utility get 403."""

import django_filters
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from oauth2_provider.contrib.rest_framework import OAuth2Authentication, TokenHasScope
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from agreements import services as agreement_services
from portal.api_support import IsThirdPartyMember, third_party_of
from portal.serializers import ErrorSerializer

from . import selectors, services
from .han_serializers import (
    DeviceOutputSerializer,
    DeviceRemoveInputSerializer,
    DeviceRequestOutputSerializer,
    HistoryQuerySerializer,
    MessageInputSerializer,
    MessageOutputSerializer,
    MessageQuerySerializer,
)
from .models import HanDeviceEvent, HanMessage, InHomeDevice
from .validators import normalize_mac

TAG = "han"
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input, or a rule refused it (see `code`)."),
    401: OpenApiResponse(ErrorSerializer, description="No or an expired access token."),
    403: OpenApiResponse(ErrorSerializer, description="Not a third party's token with the `han` scope."),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No device of your agreements has this id.")}
CONFLICT = {409: OpenApiResponse(ErrorSerializer, description="Not possible in the device's state (see `code`).")}


class HanAPIView(APIView):
    authentication_classes = [OAuth2Authentication]
    permission_classes = [TokenHasScope, IsThirdPartyMember]
    required_scopes = ["han"]

    @property
    def third_party(self):
        return third_party_of(self.request)

    def devices(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request to ask
            return InHomeDevice.objects.none()
        return selectors.devices_for_third_party(self.third_party)

    def device(self, pk: int) -> InHomeDevice:
        return get_object_or_404(self.devices(), pk=pk)

    def get_serializer_context(self):
        return {"request": self.request, "third_party": self.third_party}


class DeviceFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=InHomeDevice.Status.choices)
    esiid = django_filters.CharFilter(field_name="premise__esiid", label="ESIID")
    mac = django_filters.CharFilter(method="by_mac", label="MAC (EUI-64)")

    class Meta:
        model = InHomeDevice
        fields = ["status", "esiid", "mac"]

    def by_mac(self, queryset, name, value):
        try:
            return queryset.filter(mac=normalize_mac(value))
        except ValidationError:  # not a MAC: nothing matches
            return queryset.none()


@extend_schema(tags=[TAG], summary="List devices", responses={200: DeviceOutputSerializer, **ERRORS})
class DeviceListView(HanAPIView, generics.ListAPIView):
    """The devices named by your active In-Home Device and In-Home Device Services agreements."""

    serializer_class = DeviceOutputSerializer
    filterset_class = DeviceFilter

    def get_queryset(self):
        return self.devices()


@extend_schema(tags=[TAG], summary="Read a device", responses={200: DeviceOutputSerializer, **ERRORS, **NOT_FOUND})
class DeviceDetailView(HanAPIView):
    def get(self, request, pk):
        return Response(DeviceOutputSerializer(self.device(pk)).data)


@extend_schema(
    tags=[TAG],
    summary="Resend the request to add a device",
    description="Only for a device whose join failed or is still pending. The head-end answers later: "
    "follow the device's status or the history.",
    request=None,
    responses={202: DeviceRequestOutputSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
)
class DeviceResendView(HanAPIView):
    def post(self, request, pk):
        event = services.resend_device_add(by=None, third_party=self.third_party, device=self.device(pk))
        return Response(
            DeviceRequestOutputSerializer(event, context=self.get_serializer_context()).data,
            status=status.HTTP_202_ACCEPTED,
        )


@extend_schema(
    tags=[TAG],
    summary="Remove a device",
    description="Without the customer's permission, with a reason from the list (`other` needs `reason_text`). "
    "Every In-Home Device Services agreement on the device ends. The head-end answers later.",
    request=DeviceRemoveInputSerializer,
    responses={202: DeviceRequestOutputSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
)
class DeviceRemoveView(HanAPIView):
    def post(self, request, pk):
        device = self.device(pk)
        data = DeviceRemoveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agreement_services.remove_device(by=None, third_party=self.third_party, device=device, **data.validated_data)
        event = HanDeviceEvent.objects.filter(device=device, action=HanDeviceEvent.Action.REMOVE).latest("pk")
        return Response(
            DeviceRequestOutputSerializer(event, context=self.get_serializer_context()).data,
            status=status.HTTP_202_ACCEPTED,
        )


@extend_schema(
    tags=[TAG],
    summary="Send a HAN message to a device",
    description="To a joined device named by your active In-Home Device Services agreement. The delivery "
    "status comes back from the head-end: follow it in the messages list.",
    request=MessageInputSerializer,
    responses={202: MessageOutputSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
)
class DeviceMessageView(HanAPIView):
    def post(self, request, pk):
        device = self.device(pk)
        data = MessageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.send_han_message(
            by=None, third_party=self.third_party, device=device, text=data.validated_data["text"]
        )
        message.refresh_from_db()
        return Response(MessageOutputSerializer(message).data, status=status.HTTP_202_ACCEPTED)


class _FilteredListView(HanAPIView, generics.ListAPIView):
    query_serializer_class = None

    def filters(self) -> dict:
        query = self.query_serializer_class(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return dict(query.validated_data)  # `device` is an id: the selector looks only among the caller's


@extend_schema(
    tags=[TAG],
    summary="List the history of add and remove requests",
    description="Requests on the devices of your device agreements made while the agreement was active, "
    "succeeded, failed, timed out or waiting, for up to 13 months, newest first.",
    parameters=[HistoryQuerySerializer],
    responses={200: DeviceRequestOutputSerializer, **ERRORS},
)
class HistoryListView(_FilteredListView):
    serializer_class = DeviceRequestOutputSerializer
    query_serializer_class = HistoryQuerySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return HanDeviceEvent.objects.none()
        return selectors.history_for_third_party(self.third_party, **self.filters())


@extend_schema(
    tags=[TAG],
    summary="List HAN messages",
    description="The messages you sent, with their delivery status, for up to 13 months, newest first.",
    parameters=[MessageQuerySerializer],
    responses={200: MessageOutputSerializer, **ERRORS},
)
class MessageListView(_FilteredListView):
    serializer_class = MessageOutputSerializer
    query_serializer_class = MessageQuerySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return HanMessage.objects.none()
        return selectors.messages_for_third_party(self.third_party, **self.filters())
