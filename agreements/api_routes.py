"""API endpoints of the agreements app, under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("invitations/", api.InvitationListView.as_view(), name="api-invitation-list"),
    path("invitations/export.csv", api.InvitationExportView.as_view(), name="api-invitation-export"),
    path("invitations/<str:number>/", api.InvitationDetailView.as_view(), name="api-invitation"),
    path("invitations/<str:number>/resend/", api.InvitationResendView.as_view(), name="api-invitation-resend"),
    path("invitations/<str:number>/cancel/", api.InvitationCancelView.as_view(), name="api-invitation-cancel"),
    path("agreements/", api.AgreementListView.as_view(), name="api-agreement-list"),
    path("agreements/export.csv", api.AgreementExportView.as_view(), name="api-agreement-export"),
    path("agreements/<str:number>/", api.AgreementDetailView.as_view(), name="api-agreement"),
    path("agreements/<str:number>/terminate/", api.AgreementTerminateView.as_view(), name="api-agreement-terminate"),
    path(
        "agreements/<str:number>/extension-requests/",
        api.ExtensionRequestCreateView.as_view(),
        name="api-extension-request-create",
    ),
    path("extension-requests/<int:pk>/", api.ExtensionRequestDetailView.as_view(), name="api-extension-request"),
    path(
        "extension-requests/<int:pk>/resend/",
        api.ExtensionRequestResendView.as_view(),
        name="api-extension-request-resend",
    ),
]
