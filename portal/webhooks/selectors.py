"""Webhook queries, always for the third party asking."""

from django.db.models import QuerySet

from .models import WebhookDelivery, WebhookEndpoint


def endpoints_for(third_party) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(third_party=third_party).order_by("created_at", "pk")


def delivery_log(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return endpoint.deliveries.order_by("-created_at", "-pk")
