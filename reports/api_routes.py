"""API endpoints of the reports app, under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("reports/", api.ReportListView.as_view(), name="api-report-list"),
    path("reports/upload/", api.ReportUploadView.as_view(), name="api-report-upload"),
    path("reports/<str:number>/", api.ReportDetailView.as_view(), name="api-report"),
    path("report-schedules/", api.ScheduleListView.as_view(), name="api-report-schedule-list"),
    path("report-schedules/<int:pk>/", api.ScheduleDetailView.as_view(), name="api-report-schedule"),
]
