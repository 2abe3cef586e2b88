"""API endpoints of the usage app."""

from django.urls import path

from . import api, bills_api, cds_api, cds_bills_api, ingest_api, ondemand_api

urlpatterns = [
    path("ingest/", ingest_api.IngestView.as_view(), name="usage-ingest"),
    path("usage/<str:esiid>/intervals/", api.IntervalReadsView.as_view(), name="usage-intervals"),
    path("usage/<str:esiid>/daily/", api.DailyReadsView.as_view(), name="usage-daily"),
    path("usage/<str:esiid>/monthly/", api.MonthlyReadsView.as_view(), name="usage-monthly"),
    path(
        "usage/<str:esiid>/on-demand-reads/",
        ondemand_api.OnDemandReadsView.as_view(),
        name="usage-on-demand-reads",
    ),
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
    # CDS customer-data lists (WG3-01) of usage's data.
    path("cds/bill-statements/", cds_bills_api.BillStatementListView.as_view(), name="cds-bill-statements"),
    path("cds/bill-sections/", cds_bills_api.BillSectionListView.as_view(), name="cds-bill-sections"),
    path("cds/usage-segments/", cds_api.UsageSegmentListView.as_view(), name="cds-usage-segments"),
    path("cds/aggregations/", cds_api.AggregationListView.as_view(), name="cds-aggregations"),
    path("cds/eacs/", cds_api.CertificateListView.as_view(), name="cds-eacs"),
]
