"""Green Button Connect My Data resources, mounted at /espi/1_1/resource/ (no trailing slashes,
as ESPI clients write them)."""

from django.urls import path

from . import greenbutton_api as api

SUBSCRIPTION = "Subscription/<str:subscription_id>"
POINT = f"{SUBSCRIPTION}/UsagePoint/<str:esiid>"
READING = f"{POINT}/MeterReading/<int:series>"

urlpatterns = [
    path("ReadServiceStatus", api.ReadServiceStatusView.as_view(), name="espi-read-service-status"),
    path("ReadingType/<int:series>", api.ReadingTypeView.as_view(), name="espi-reading-type"),
    path("LocalTimeParameters/<str:zone>", api.LocalTimeParametersView.as_view(), name="espi-local-time"),
    path(f"Batch/{SUBSCRIPTION}", api.BatchSubscriptionView.as_view(), name="espi-batch-subscription"),
    path(f"Batch/{POINT}", api.BatchSubscriptionView.as_view(), name="espi-batch-usage-point"),
    path(f"{SUBSCRIPTION}/UsagePoint", api.UsagePointView.as_view(), name="espi-usage-points"),
    path(POINT, api.UsagePointView.as_view(), name="espi-usage-point"),
    path(f"{POINT}/UsageSummary", api.UsageSummaryView.as_view(), name="espi-usage-summaries"),
    path(f"{POINT}/UsageSummary/<str:start>", api.UsageSummaryView.as_view(), name="espi-usage-summary"),
    path(f"{POINT}/MeterReading", api.MeterReadingView.as_view(), name="espi-meter-readings"),
    path(READING, api.MeterReadingView.as_view(), name="espi-meter-reading"),
    path(f"{READING}/IntervalBlock", api.IntervalBlockView.as_view(), name="espi-interval-blocks"),
    path(f"{READING}/IntervalBlock/<str:day>", api.IntervalBlockView.as_view(), name="espi-interval-block"),
]
