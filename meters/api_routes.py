"""API endpoints of the meters app."""

from django.urls import path

from . import api, billing_api, cds_api, han_api

urlpatterns = [
    path("provisioning/premises/", api.PremiseListView.as_view(), name="provisioning-premise-list"),
    path("provisioning/premises/<str:external_id>", api.PremiseView.as_view(), name="provisioning-premise"),
    path("provisioning/meters/", api.MeterListView.as_view(), name="provisioning-meter-list"),
    path("provisioning/meters/<str:meter_number>", api.MeterView.as_view(), name="provisioning-meter"),
    path("provisioning/move-ins", api.MoveInView.as_view(), name="provisioning-move-in"),
    path("provisioning/move-outs", api.MoveOutView.as_view(), name="provisioning-move-out"),
    path("provisioning/rate-plans/", billing_api.RatePlanListView.as_view(), name="provisioning-rate-plan-list"),
    path("provisioning/rate-plans/<str:code>", billing_api.RatePlanView.as_view(), name="provisioning-rate-plan"),
    path("provisioning/programs/", billing_api.ProgramListView.as_view(), name="provisioning-program-list"),
    path("provisioning/programs/<str:code>", billing_api.ProgramView.as_view(), name="provisioning-program"),
    path(
        "provisioning/billing-accounts/",
        billing_api.BillingAccountListView.as_view(),
        name="provisioning-billing-account-list",
    ),
    path(
        "provisioning/billing-accounts/<str:account_number>",
        billing_api.BillingAccountView.as_view(),
        name="provisioning-billing-account",
    ),
    path(
        "provisioning/service-contracts/",
        billing_api.ServiceContractListView.as_view(),
        name="provisioning-service-contract-list",
    ),
    path(
        "provisioning/service-contracts/<str:contract_number>",
        billing_api.ServiceContractView.as_view(),
        name="provisioning-service-contract",
    ),
    # CDS customer-data lists (WG3-01) of meters' data, for consent and direct-access tokens.
    path("cds/accounts/", cds_api.AccountListView.as_view(), name="cds-accounts"),
    path("cds/service-contracts/", cds_api.ServiceContractListView.as_view(), name="cds-service-contracts"),
    path("cds/service-points/", cds_api.ServicePointListView.as_view(), name="cds-service-points"),
    path("cds/meter-devices/", cds_api.MeterDeviceListView.as_view(), name="cds-meter-devices"),
    # In-home (HAN) devices for third parties (scope han).
    path("han/devices/", han_api.DeviceListView.as_view(), name="api-han-device-list"),
    path("han/devices/<int:pk>/", han_api.DeviceDetailView.as_view(), name="api-han-device"),
    path("han/devices/<int:pk>/resend/", han_api.DeviceResendView.as_view(), name="api-han-device-resend"),
    path("han/devices/<int:pk>/remove/", han_api.DeviceRemoveView.as_view(), name="api-han-device-remove"),
    path("han/devices/<int:pk>/messages/", han_api.DeviceMessageView.as_view(), name="api-han-device-message"),
    path("han/history/", han_api.HistoryListView.as_view(), name="api-han-history"),
    path("han/messages/", han_api.MessageListView.as_view(), name="api-han-messages"),
]
