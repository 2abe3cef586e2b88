"""Top-level URLs: the portal pages of every app, the API under /api/v1/, OAuth2, the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    # CDS discovery, registration and client pages, the consent endpoint and receipts; before
    # django-oauth-toolkit's URLs, whose authorize view ours replaces.
    path("", include("portal.cds.urls")),
    path("", include("agreements.oauth_urls")),
    path("oauth/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("portal.api_urls")),
    # The Smart Meter Texas v2 third-party API, at SMT's own paths (/v2/token/, /v2/dailyreads/, ...).
    path("v2/", include("reports.smt_v2.urls")),
    # The Smart Meter Texas customer API, at smartmetertexas.com's own paths (/commonapi/..., /api/...).
    path("", include("usage.smt_urls")),
    # Green Button Connect My Data (ESPI REST resources, Atom XML).
    path("espi/1_1/resource/", include("usage.espi_urls")),
    path("agreements/", include("agreements.urls")),
    path("devices/", include("meters.urls")),
    path("reports/smt-api/", include("reports.smt_v2.page_urls")),
    path("reports/", include("reports.urls")),
    path("webhooks/", include("portal.webhooks.urls")),
    path("usage/", include("usage.urls")),
    path("", include("portal.account_urls")),
]
