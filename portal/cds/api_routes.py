"""The client admin APIs under /api/v1/cds/ (the Grants API is agreements.grants_routes)."""

from django.urls import path

from . import admin_api

urlpatterns = [
    path("cds/clients/", admin_api.ClientListView.as_view(), name="cds-client-list"),
    path("cds/clients/<str:client_id>", admin_api.ClientView.as_view(), name="cds-client"),
    path("cds/credentials/", admin_api.CredentialListView.as_view(), name="cds-credential-list"),
    path("cds/credentials/<str:credential_id>", admin_api.CredentialView.as_view(), name="cds-credential"),
    path("cds/messages/", admin_api.MessageListView.as_view(), name="cds-message-list"),
    path("cds/messages/<str:message_id>", admin_api.MessageView.as_view(), name="cds-message"),
]
