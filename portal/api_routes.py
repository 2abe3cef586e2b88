"""API endpoints of the accounts package."""

from django.urls import path

from . import api

urlpatterns = [
    path("provisioning/label-partners/", api.LabelPartnerListView.as_view(), name="provisioning-label-partner-list"),
    path("provisioning/label-partners/<str:code>", api.LabelPartnerView.as_view(), name="provisioning-label-partner"),
    path("provisioning/customers/", api.CustomerListView.as_view(), name="provisioning-customer-list"),
    path("provisioning/customers/<str:external_account_id>", api.CustomerView.as_view(), name="provisioning-customer"),
]
