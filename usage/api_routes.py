"""API endpoints of the usage app."""

from django.urls import path

from . import api

urlpatterns = [
    path("ingest/", api.IngestView.as_view(), name="usage-ingest"),
]
