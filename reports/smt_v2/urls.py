"""The Smart Meter Texas v2 third-party API, at SMT's own paths (mounted at /v2/ by portal.urls)."""

from django.urls import path

from . import api

urlpatterns = [
    path("token/", api.TokenView.as_view(), name="smt-v2-token"),
    path("15minintervalreads/", api.IntervalReadsView.as_view(), name="smt-v2-intervals"),
    path("dailyreads/", api.DailyReadsView.as_view(), name="smt-v2-daily"),
    path("monthlybillingInformation/", api.MonthlyBillingView.as_view(), name="smt-v2-monthly"),
    path("reportrequeststatus/", api.ReportRequestStatusView.as_view(), name="smt-v2-report-status"),
    path("odr/", api.OdrView.as_view(), name="smt-v2-odr"),
    path("odrstatus/", api.OdrStatusView.as_view(), name="smt-v2-odr-status"),
]
