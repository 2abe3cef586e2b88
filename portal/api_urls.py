"""The REST API under /api/v1/: each app's endpoints."""

from django.urls import include, path

urlpatterns = [
    path("", include("portal.api_routes")),
    path("", include("portal.webhooks.api_routes")),
    path("", include("meters.api_routes")),
    path("", include("agreements.api_routes")),
    path("", include("portal.cds.api_routes")),
    path("", include("agreements.grants_routes")),
    path("", include("usage.api_routes")),
    path("", include("usage.tariff_api_routes")),
    path("", include("reports.api_routes")),
]
