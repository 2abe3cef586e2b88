"""Portal pages of the usage app, under /usage/ (namespace `usage`)."""

from django.urls import path

from . import contract_views, greenbutton_views, views

app_name = "usage"

urlpatterns = [
    path("contract/", contract_views.contract_overview, name="contract"),
    path("contract/<str:esiid>/new/", contract_views.contract_create, name="contract-create"),
    path("contract/tariff/<int:pk>/edit/", contract_views.contract_edit, name="contract-edit"),
    path("contract/tariff/<int:pk>/end/", contract_views.contract_end, name="contract-end"),
    path("<str:esiid>/green-button/", greenbutton_views.green_button_download, name="green-button"),
    # The usage pages last: "<esiid>/" must not shadow "contract/".
    path("", views.usage_home, name="home"),
    path("<str:esiid>/", views.usage_premise, name="premise"),
    path("<str:esiid>/read-now/", views.read_meter_now, name="read-now"),
]
