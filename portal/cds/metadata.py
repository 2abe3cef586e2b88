"""Discovery: the CDS server metadata (WG1-01) and the RFC 8414 authorization-server metadata with
the CDS fields (WG1-02 §3.2), plus the public pages they link to. Every URL comes from a URL name,
so this module needs no import of a higher app."""

import json

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import OAuthServerMetadataView

from . import scopes
from .models import TestAccount

# Green Button Connect My Data (reference/green-button.md §2): the function blocks MeterGate serves
# (common, core CMD, 15-minute interval electricity, forward and reverse flow, TLS, OAuth, usage
# summaries, several usage points, REST resources, query parameters), daily blocks and a year of
# history in seconds. A third party asks the customer for it with the `cds_usage` consent scope.
ESPI_SCOPE = "FB=1_3_4_5_8_13_14_15_18_32_37;IntervalDuration=900;BlockDuration=daily;HistoryLength=31536000"
ESPI_CONSENT_SCOPE = "cds_usage"


def _absolute(request, name: str, fragment: str = "") -> str:
    return request.build_absolute_uri(reverse(name)) + fragment


def union(key: str) -> list[str]:
    """The union of one list over every scope description, in first-seen order."""
    values = {}
    for scope in scopes.CATALOGUE:
        for value in getattr(scope, key):
            values[value] = True
    return list(values)


def scope_descriptions(request) -> dict:
    documentation = _absolute(request, "oauth-docs")
    return {scope.id: scope.describe(documentation) for scope in scopes.CATALOGUE}


def registration_fields(request) -> dict:
    documentation = _absolute(request, "oauth-docs")
    referenced = {
        key for scope in scopes.CATALOGUE for key in (*scope.registration_requirements, *scope.registration_optional)
    }
    return {key: item.describe(documentation) for key, item in scopes.REGISTRATION_FIELDS.items() if key in referenced}


def authorization_server_metadata(request, base: dict) -> dict:
    data = dict(base)
    data.update(
        {
            "issuer": oauth2_settings.oauth2_metadata_issuer(request),
            "authorization_endpoint": _absolute(request, "oauth-authorize"),
            "token_endpoint": _absolute(request, "oauth2_provider:token"),
            "revocation_endpoint": _absolute(request, "oauth2_provider:revoke-token"),
            "introspection_endpoint": _absolute(request, "oauth-introspect"),
            "pushed_authorization_request_endpoint": _absolute(request, "oauth-par"),
            "require_pushed_authorization_requests": False,
            "registration_endpoint": _absolute(request, "cds-registration"),
            "scopes_supported": [scope.id for scope in scopes.CATALOGUE],
            "response_types_supported": union("response_types"),
            "response_modes_supported": ["query"],
            "grant_types_supported": union("grant_types"),
            "token_endpoint_auth_methods_supported": union("auth_methods"),
            "revocation_endpoint_auth_methods_supported": union("auth_methods"),
            "introspection_endpoint_auth_methods_supported": union("auth_methods"),
            "code_challenge_methods_supported": union("code_challenge_methods"),
            "authorization_details_types_supported": union("authorization_details_types"),
            "authorization_response_iss_parameter_supported": True,
            "service_documentation": _absolute(request, "oauth-docs"),
            "op_policy_uri": _absolute(request, "oauth-policy"),
            "op_tos_uri": _absolute(request, "oauth-terms"),
            "cds_oauth_version": "v1",
            "cds_human_registration": _absolute(request, "cds-human-registration"),
            "cds_timezone": settings.TIME_ZONE,
            "cds_clients_api": _absolute(request, "cds-client-list"),
            "cds_messages_api": _absolute(request, "cds-message-list"),
            "cds_credentials_api": _absolute(request, "cds-credential-list"),
            "cds_grants_api": _absolute(request, "cds-grant-list"),
            "cds_test_accounts": _absolute(request, "oauth-test-accounts"),
            "cds_scope_descriptions": scope_descriptions(request),
            "cds_registration_fields": registration_fields(request),
            "espi_scope": ESPI_SCOPE,
            "espi_consent_scope": ESPI_CONSENT_SCOPE,
            "espi_resource_endpoint": _absolute(request, "espi-read-service-status").removesuffix("/ReadServiceStatus"),
        }
    )
    return data


@method_decorator(cache_control(public=True, max_age=300), name="dispatch")
class AuthorizationServerMetadataView(OAuthServerMetadataView):
    """django-oauth-toolkit's RFC 8414 document, completed with the CDS fields."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        base = json.loads(response.content)
        response.content = json.dumps(authorization_server_metadata(request, base)).encode()
        return response


# WG3-01 §3.1: the customer-data APIs by their metadata key, each from its URL name.
CUSTOMER_DATA_APIS = {
    "cds_accounts_api": "cds-accounts",
    "cds_servicecontracts_api": "cds-service-contracts",
    "cds_servicepoints_api": "cds-service-points",
    "cds_meterdevices_api": "cds-meter-devices",
    "cds_billstatement_api": "cds-bill-statements",
    "cds_billsection_api": "cds-bill-sections",
    "cds_aggregations_api": "cds-aggregations",
    "cds_usagesegments_api": "cds-usage-segments",
    "cds_eacs_api": "cds-eacs",
}


def customer_data_metadata(request) -> dict:
    data = {"cds_customerdata_version": "v1"}
    data.update({key: _absolute(request, name) for key, name in CUSTOMER_DATA_APIS.items()})
    data["cds_usagesegments_additional_value_types"] = {}
    data["cds_eac_formats"] = {
        "metergate_json_v1": {
            "id": "metergate_json_v1",
            "name": "MeterGate certificate (JSON)",
            "description": "The surplus generation of a service point over a period, in kWh, as JSON.",
            "documentation": _absolute(request, "oauth-docs", "#eacs"),
        }
    }
    return data


@require_GET
@cache_control(public=True, max_age=300)
def cds_server_metadata(request):
    data = {
        "cds_metadata_version": "v1",
        "cds_metadata_url": _absolute(request, "cds-server-metadata"),
        "created": settings.CDS_METADATA_CREATED,
        "updated": settings.CDS_METADATA_UPDATED,
        "name": settings.CDS_SERVER_NAME,
        "description": settings.CDS_SERVER_DESCRIPTION,
        "website": request.build_absolute_uri("/"),
        "documentation": _absolute(request, "oauth-docs"),
        "support": settings.CDS_SUPPORT_URL or _absolute(request, "oauth-docs", "#support"),
        "capabilities": ["oauth"],
        "oauth_metadata": _absolute(request, "oauth-server-metadata"),
        **customer_data_metadata(request),
    }
    response = JsonResponse(data)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def docs(request):
    context = {
        "scopes": scopes.CATALOGUE,
        "registration_fields": scopes.REGISTRATION_FIELDS.values(),
        "documentation": _absolute(request, "oauth-docs"),
    }
    return render(request, "oauth/docs.html", context)


@require_GET
def policy(request):
    return render(request, "oauth/policy.html")


@require_GET
def terms(request):
    return render(request, "oauth/terms.html")


@require_GET
def test_accounts(request):
    accounts = TestAccount.objects.select_related("customer").order_by("customer__email")
    return render(request, "oauth/test_accounts.html", {"accounts": accounts})
