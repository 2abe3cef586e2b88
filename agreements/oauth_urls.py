"""The customer's side of OAuth: the authorization (consent) endpoint, receipts, the default
redirect page, and a third party's grants page."""

from django.urls import path

from . import consent_views, grants_pages, receipt_views

urlpatterns = [
    path("oauth/authorize/", consent_views.ConsentView.as_view(), name="oauth-authorize"),
    path("oauth/authorize/switch-customer/", consent_views.switch_customer, name="oauth-switch-customer"),
    path("oauth/default-redirect/", receipt_views.default_redirect, name="oauth-default-redirect"),
    path("oauth/receipts/<str:token>/", receipt_views.receipt, name="oauth-receipt"),
    path("oauth/receipts/<str:token>/revoke/", receipt_views.receipt_revoke, name="oauth-receipt-revoke"),
    path("third-party/grants/", grants_pages.grant_list, name="oauth-grant-page-list"),
]
