"""Webhook API endpoints, under /api/v1/webhooks/."""

from django.urls import path

from . import api

urlpatterns = [
    path("webhooks/events/", api.EventListView.as_view(), name="webhook-event-list"),
    path("webhooks/endpoints/", api.EndpointListView.as_view(), name="webhook-endpoint-list"),
    path("webhooks/endpoints/<int:pk>", api.EndpointDetailView.as_view(), name="webhook-endpoint"),
    path("webhooks/endpoints/<int:pk>/rotate-secret", api.RotateSecretView.as_view(), name="webhook-endpoint-rotate"),
    path("webhooks/endpoints/<int:pk>/test", api.TestEventView.as_view(), name="webhook-endpoint-test"),
    path("webhooks/endpoints/<int:pk>/deliveries/", api.DeliveryListView.as_view(), name="webhook-delivery-list"),
    path(
        "webhooks/endpoints/<int:pk>/deliveries/<uuid:delivery_id>",
        api.DeliveryDetailView.as_view(),
        name="webhook-delivery",
    ),
]
