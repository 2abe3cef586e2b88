"""Discovery documents, the OAuth endpoints MeterGate adds, the registration endpoint and page,
the developer pages and a third party's client management pages."""

from django.urls import path

from portal.oauth_views import IntrospectTokenView, PushedAuthorizationRequestView

from . import api, metadata, views

urlpatterns = [
    path(".well-known/cds-server-metadata.json", metadata.cds_server_metadata, name="cds-server-metadata"),
    path(
        ".well-known/oauth-authorization-server",
        metadata.AuthorizationServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
    # The issuer-relative form some clients try; the same document, not django-oauth-toolkit's own.
    path("oauth/.well-known/oauth-authorization-server", metadata.AuthorizationServerMetadataView.as_view()),
    path("oauth/register/", api.RegistrationView.as_view(), name="cds-registration"),
    path("oauth/par/", PushedAuthorizationRequestView.as_view(), name="oauth-par"),
    path("oauth/introspect/", IntrospectTokenView.as_view(), name="oauth-introspect"),
    path("oauth/docs/", metadata.docs, name="oauth-docs"),
    path("oauth/policy/", metadata.policy, name="oauth-policy"),
    path("oauth/terms/", metadata.terms, name="oauth-terms"),
    path("oauth/test-accounts/", metadata.test_accounts, name="oauth-test-accounts"),
    path("oauth/clients/register/", views.register, name="cds-human-registration"),
    path("third-party/clients/", views.client_list, name="cds-client-page-list"),
    path("third-party/clients/<str:client_id>/", views.client_detail, name="cds-client-page"),
    path("third-party/clients/<str:client_id>/secrets/", views.credential_create, name="cds-credential-page-create"),
    path(
        "third-party/clients/<str:client_id>/secrets/<str:credential_id>/expire/",
        views.credential_expire,
        name="cds-credential-page-expire",
    ),
    path(
        "third-party/clients/<str:client_id>/production/", views.production_request, name="cds-production-request-page"
    ),
    path("third-party/messages/", views.message_list, name="cds-message-page-list"),
    path("third-party/messages/<str:message_id>/read/", views.message_mark, name="cds-message-page-mark"),
]
