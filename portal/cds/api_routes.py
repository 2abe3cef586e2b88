"""The client admin APIs under /api/v1/cds/ (the Grants API is agreements.grants_routes)."""

from django.urls import path

from . import api

urlpatterns = [
    path("cds/clients/", api.ClientListView.as_view(), name="cds-client-list"),
    path("cds/clients/<str:client_id>", api.ClientView.as_view(), name="cds-client"),
    path("cds/credentials/", api.CredentialListView.as_view(), name="cds-credential-list"),
    path("cds/credentials/<str:credential_id>", api.CredentialView.as_view(), name="cds-credential"),
    path("cds/messages/", api.MessageListView.as_view(), name="cds-message-list"),
    path("cds/messages/<str:message_id>", api.MessageView.as_view(), name="cds-message"),
]
