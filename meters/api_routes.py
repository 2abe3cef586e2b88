"""API endpoints of the meters app."""

from django.urls import path

from . import api

urlpatterns = [
    path("provisioning/premises/", api.PremiseListView.as_view(), name="provisioning-premise-list"),
    path("provisioning/premises/<str:external_id>", api.PremiseView.as_view(), name="provisioning-premise"),
    path("provisioning/meters/", api.MeterListView.as_view(), name="provisioning-meter-list"),
    path("provisioning/meters/<str:meter_number>", api.MeterView.as_view(), name="provisioning-meter"),
    path("provisioning/move-ins", api.MoveInView.as_view(), name="provisioning-move-in"),
    path("provisioning/move-outs", api.MoveOutView.as_view(), name="provisioning-move-out"),
]
