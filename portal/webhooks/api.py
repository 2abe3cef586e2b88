"""Webhook API (scope `webhooks`): a third party's system registers endpoints, rotates secrets,
sends test events and reads the delivery log. A client-credentials token acts for its third
party; a token of a user acts as that user (an agent may read, not change). Another company's
endpoint is a 404."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from oauth2_provider.contrib.rest_framework import OAuth2Authentication, TokenHasScope
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from ..api_support import IsThirdPartyMember, third_party_of
from ..serializers import ErrorSerializer
from . import selectors, services
from .events import SUBSCRIBABLE
from .models import WebhookDelivery, WebhookEndpoint
from .serializers import (
    WebhookDeliveryDetailOutputSerializer,
    WebhookDeliveryOutputSerializer,
    WebhookEndpointCreateInputSerializer,
    WebhookEndpointOutputSerializer,
    WebhookEndpointSecretOutputSerializer,
    WebhookEndpointUpdateInputSerializer,
    WebhookEventOutputSerializer,
)

TAG = "webhooks"
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input (see `fields`)."),
    401: OpenApiResponse(ErrorSerializer, description="No or an expired access token."),
    403: OpenApiResponse(
        ErrorSerializer, description="Not a third party's token with the `webhooks` scope, or an agent."
    ),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such endpoint of yours.")}
CONFLICT = {409: OpenApiResponse(ErrorSerializer, description="Not possible now (see `code`).")}
SIGNING_NOTE = (
    "Each request is a JSON POST with `MeterGate-Event-Id`, `MeterGate-Event`, `MeterGate-Timestamp` (Unix "
    "seconds) and `MeterGate-Signature: v1=<hex>` = HMAC-SHA256(secret, timestamp + '.' + body); after a "
    "rotation a second `v1=` signed with the old secret follows for 24 hours. Refuse timestamps older than 300 s. "
    "Answer 2xx; anything else is retried with exponential backoff for 72 hours."
)


class WebhookAPIView(APIView):
    authentication_classes = [OAuth2Authentication]
    permission_classes = [TokenHasScope, IsThirdPartyMember]
    required_scopes = ["webhooks"]

    @property
    def third_party(self):
        return third_party_of(self.request)

    @property
    def acting_user(self):
        """The token's user, or None for the third party's own client (client credentials)."""
        user = self.request.user
        return user if getattr(user, "is_authenticated", False) else None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        user = self.acting_user
        if user is not None and not user.is_staff and user.third_party != self.third_party:
            raise PermissionDenied("This token's user does not work for the client's company.")

    def endpoints(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request to ask
            return WebhookEndpoint.objects.none()
        return selectors.endpoints_for(self.third_party)

    def endpoint(self, pk) -> WebhookEndpoint:
        return get_object_or_404(self.endpoints(), pk=pk)


@extend_schema(
    tags=[TAG],
    summary="List the events an endpoint may subscribe to",
    responses={200: WebhookEventOutputSerializer(many=True), **ERRORS},
)
class EventListView(WebhookAPIView):
    def get(self, request):
        events = [{"event": event.value, "description": event.label} for event in SUBSCRIBABLE]
        return Response(WebhookEventOutputSerializer(events, many=True).data)


@extend_schema_view(
    get=extend_schema(
        tags=[TAG], summary="List webhook endpoints", responses={200: WebhookEndpointOutputSerializer, **ERRORS}
    ),
    post=extend_schema(
        tags=[TAG],
        summary="Register a webhook endpoint",
        description="The answer holds the signing `secret`, shown only this once. " + SIGNING_NOTE,
        request=WebhookEndpointCreateInputSerializer,
        responses={201: WebhookEndpointSecretOutputSerializer, **ERRORS, **CONFLICT},
    ),
)
class EndpointListView(WebhookAPIView, generics.ListAPIView):
    serializer_class = WebhookEndpointOutputSerializer

    def get_queryset(self):
        return self.endpoints()

    def post(self, request):
        data = WebhookEndpointCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint, secret = services.register_endpoint(
            by=self.acting_user, third_party=self.third_party, **data.validated_data
        )
        answer = WebhookEndpointSecretOutputSerializer(endpoint, context={"secret": secret})
        return Response(answer.data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        tags=[TAG],
        summary="Read a webhook endpoint",
        responses={200: WebhookEndpointOutputSerializer, **ERRORS, **NOT_FOUND},
    ),
    patch=extend_schema(
        tags=[TAG],
        summary="Change a webhook endpoint (URL, events, description; is_active to disable or enable it)",
        request=WebhookEndpointUpdateInputSerializer,
        responses={200: WebhookEndpointOutputSerializer, **ERRORS, **NOT_FOUND},
    ),
    delete=extend_schema(tags=[TAG], summary="Delete a webhook endpoint", responses={204: None, **ERRORS, **NOT_FOUND}),
)
class EndpointDetailView(WebhookAPIView):
    def get(self, request, pk):
        return Response(WebhookEndpointOutputSerializer(self.endpoint(pk)).data)

    def patch(self, request, pk):
        endpoint = self.endpoint(pk)
        data = WebhookEndpointUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        is_active = fields.pop("is_active", None)
        by = self.acting_user
        endpoint = services.update_endpoint(by=by, endpoint=endpoint, **fields)
        if is_active is False and endpoint.is_active:
            endpoint = services.disable_endpoint(by=by, endpoint=endpoint)
        elif is_active is True and not endpoint.is_active:
            endpoint = services.enable_endpoint(by=by, endpoint=endpoint)
        return Response(WebhookEndpointOutputSerializer(endpoint).data)

    def delete(self, request, pk):
        services.delete_endpoint(by=self.acting_user, endpoint=self.endpoint(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    tags=[TAG],
    summary="Rotate the signing secret",
    description="The answer holds the new `secret`, shown only this once; the old one keeps signing for 24 hours.",
    request=None,
    responses={200: WebhookEndpointSecretOutputSerializer, **ERRORS, **NOT_FOUND},
)
class RotateSecretView(WebhookAPIView):
    def post(self, request, pk):
        endpoint, secret = services.rotate_secret(by=self.acting_user, endpoint=self.endpoint(pk))
        return Response(WebhookEndpointSecretOutputSerializer(endpoint, context={"secret": secret}).data)


@extend_schema(
    tags=[TAG],
    summary="Send a test event (`webhook.test`) to this endpoint",
    request=None,
    responses={202: WebhookDeliveryOutputSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
)
class TestEventView(WebhookAPIView):
    def post(self, request, pk):
        sent = services.send_test_event(by=self.acting_user, endpoint=self.endpoint(pk))
        return Response(WebhookDeliveryOutputSerializer(sent).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    tags=[TAG],
    summary="The delivery log of an endpoint, newest first",
    responses={200: WebhookDeliveryOutputSerializer, **ERRORS, **NOT_FOUND},
)
class DeliveryListView(WebhookAPIView, generics.ListAPIView):
    serializer_class = WebhookDeliveryOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        return selectors.delivery_log(self.endpoint(self.kwargs["pk"]))


@extend_schema(
    tags=[TAG],
    summary="A delivery with its payload and every attempt's answer",
    responses={200: WebhookDeliveryDetailOutputSerializer, **ERRORS, **NOT_FOUND},
)
class DeliveryDetailView(WebhookAPIView):
    def get(self, request, pk, delivery_id):
        endpoint = self.endpoint(pk)
        sent = get_object_or_404(endpoint.deliveries.prefetch_related("attempt_log"), pk=delivery_id)
        return Response(WebhookDeliveryDetailOutputSerializer(sent).data)
