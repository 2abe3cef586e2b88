"""API endpoints of the usage app."""

from django.urls import path

from . import api, bills_api

urlpatterns = [
    path("ingest/", api.IngestView.as_view(), name="usage-ingest"),
    path("usage/<str:esiid>/intervals/", api.IntervalReadsView.as_view(), name="usage-intervals"),
    path("usage/<str:esiid>/daily/", api.DailyReadsView.as_view(), name="usage-daily"),
    path("usage/<str:esiid>/monthly/", api.MonthlyReadsView.as_view(), name="usage-monthly"),
    path("usage/<str:esiid>/on-demand-reads/", api.OnDemandReadsView.as_view(), name="usage-on-demand-reads"),
    path(
        "provisioning/bill-statements/",
        bills_api.BillStatementListView.as_view(),
        name="provisioning-bill-statement-list",
    ),
    path(
        "provisioning/bill-statements/<str:statement_number>",
        bills_api.BillStatementView.as_view(),
        name="provisioning-bill-statement",
    ),
    path("provisioning/bill-sections/", bills_api.BillSectionListView.as_view(), name="provisioning-bill-section-list"),
    path(
        "provisioning/bill-sections/<str:section_number>",
        bills_api.BillSectionView.as_view(),
        name="provisioning-bill-section",
    ),
]
