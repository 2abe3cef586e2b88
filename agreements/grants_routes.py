"""The Grants API and the consent token's read, under /api/v1/cds/."""

from django.urls import path

from . import grants_api

urlpatterns = [
    path("cds/grants/", grants_api.GrantListView.as_view(), name="cds-grant-list"),
    path("cds/grants/<str:grant_id>", grants_api.GrantView.as_view(), name="cds-grant"),
    path(
        "cds/authorized-service-points/",
        grants_api.AuthorizedServicePointsView.as_view(),
        name="cds-authorized-service-points",
    ),
    path(
        "cds/authorized-service-points/<str:esiid>",
        grants_api.AuthorizedServicePointView.as_view(),
        name="cds-authorized-service-point",
    ),
]
