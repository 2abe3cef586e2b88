"""API endpoints of tariffs and TOU maps (included from portal.api_urls)."""

from django.urls import path

from . import tariff_api

urlpatterns = [
    path("tariffs/", tariff_api.TariffListView.as_view(), name="tariff-list"),
    path("tariffs/delta/", tariff_api.TariffDeltaView.as_view(), name="tariff-delta"),
    path("tariffs/<int:pk>/", tariff_api.TariffDetailView.as_view(), name="tariff-detail"),
    path("tariffs/<int:pk>/end/", tariff_api.TariffEndView.as_view(), name="tariff-end"),
    path("tou-maps/", tariff_api.TouMapListView.as_view(), name="tou-map-list"),
    path("tou-maps/<slug:code>/", tariff_api.TouMapDetailView.as_view(), name="tou-map-detail"),
    path("usage/<str:esiid>/tariffs/", tariff_api.CustomerPremiseTariffsView.as_view(), name="usage-tariffs"),
]
