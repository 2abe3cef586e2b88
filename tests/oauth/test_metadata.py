"""Discovery: the CDS server metadata (WG1-01) and the authorization-server metadata (RFC 8414 +
WG1-02 §3.2) carry every field the CDS digest marks required, and the scope descriptions are
complete (WG1-02 §3.4)."""

import pytest
from django.test import Client

from portal.cds import scopes

pytestmark = pytest.mark.django_db

CDS_SERVER_REQUIRED = [
    "cds_metadata_version",
    "cds_metadata_url",
    "created",
    "updated",
    "name",
    "description",
    "website",
    "documentation",
    "support",
    "capabilities",
    "oauth_metadata",
]
AUTHORIZATION_SERVER_REQUIRED = [
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "registration_endpoint",
    "scopes_supported",
    "service_documentation",
    "op_policy_uri",
    "op_tos_uri",
    "revocation_endpoint",
    "introspection_endpoint",
    "code_challenge_methods_supported",
    "authorization_details_types_supported",
    "response_types_supported",
    "grant_types_supported",
    "token_endpoint_auth_methods_supported",
    # Required because a response type is offered.
    "pushed_authorization_request_endpoint",
    "cds_test_accounts",
    "cds_oauth_version",
    "cds_human_registration",
    "cds_timezone",
    "cds_clients_api",
    "cds_messages_api",
    "cds_credentials_api",
    "cds_grants_api",
    "cds_scope_descriptions",
    "cds_registration_fields",
]
SCOPE_DESCRIPTION_REQUIRED = [
    "id",
    "type",
    "name",
    "description",
    "documentation",
    "registration_requirements",
    "registration_optional",
    "response_types_supported",
    "grant_types_supported",
    "token_endpoint_auth_methods_supported",
    "code_challenge_methods_supported",
    "coverages_supported",
    "grant_admin_scope",
    "authorization_details_types_supported",
    "authorization_details_fields_supported",
]
DETAILS_FIELD_REQUIRED = ["id", "name", "description", "documentation", "for_types", "format", "is_required"]
REGISTRATION_FIELD_REQUIRED = ["id", "type", "description", "documentation"]
SCOPES_WE_OFFER = [
    "cds_client_admin",
    "cds_grant_admin_1",
    "cds_accounts",
    "cds_service_contracts",
    "cds_meters",
    "cds_bill_statements",
    "cds_service_bills",
    "cds_usage",
    "cds_rate_plan",
    "cds_account_programs",
    "cds_service_programs",
    "cds_aggregation_consent",
    "cds_query_accounts",
    "cds_query_service_contracts",
    "cds_query_service_points",
    "cds_query_meter_devices",
    "cds_query_bill_statements",
    "cds_query_bill_sections",
    "cds_query_aggregations",
    "cds_query_usage",
    "agreements",
    "usage",
    "reports",
    "han",
    "webhooks",
    "provisioning",
    "ingest",
    "tariffs",
]


def _server():
    response = Client().get("/.well-known/cds-server-metadata.json")
    assert response.status_code == 200
    return response.json()


def _authorization_server():
    oauth_metadata = _server()["oauth_metadata"]
    response = Client().get(oauth_metadata.removeprefix("http://testserver"))
    assert response.status_code == 200
    return response.json()


def test_cds_server_metadata_is_public_and_complete():
    metadata = _server()

    missing = [key for key in CDS_SERVER_REQUIRED if key not in metadata]
    assert missing == []
    assert metadata["cds_metadata_version"] == "v1"
    assert "oauth" in metadata["capabilities"]
    assert metadata["cds_metadata_url"] == "http://testserver/.well-known/cds-server-metadata.json"


def test_oauth_metadata_resolves_and_carries_every_required_field():
    metadata = _authorization_server()

    missing = [key for key in AUTHORIZATION_SERVER_REQUIRED if key not in metadata]
    assert missing == []
    assert metadata["cds_oauth_version"] == "v1"
    assert metadata["cds_timezone"] == "America/Chicago"


def test_every_linked_page_and_endpoint_exists():
    metadata = _authorization_server()
    client = Client()
    for key in ("service_documentation", "op_policy_uri", "op_tos_uri", "cds_human_registration", "cds_test_accounts"):
        assert client.get(metadata[key].removeprefix("http://testserver")).status_code == 200, key
    for key in ("cds_clients_api", "cds_messages_api", "cds_credentials_api", "cds_grants_api"):
        # The admin APIs exist and want a bearer token.
        assert client.get(metadata[key].removeprefix("http://testserver")).status_code == 401, key


def test_pkce_is_s256_only_and_only_the_offered_flows_are_listed():
    metadata = _authorization_server()

    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["response_types_supported"] == ["code"]
    assert set(metadata["grant_types_supported"]) == {"authorization_code", "refresh_token", "client_credentials"}
    assert metadata["token_endpoint_auth_methods_supported"] == ["client_secret_basic"]


def test_every_scope_we_offer_is_described_with_its_id_as_key():
    metadata = _authorization_server()
    descriptions = metadata["cds_scope_descriptions"]

    assert sorted(descriptions) == sorted(SCOPES_WE_OFFER)
    assert sorted(metadata["scopes_supported"]) == sorted(SCOPES_WE_OFFER)
    for key, description in descriptions.items():
        assert [field for field in SCOPE_DESCRIPTION_REQUIRED if field not in description] == [], key
        assert description["id"] == key
        assert description["grant_types_supported"], key
        for field in description["authorization_details_fields_supported"]:
            assert [item for item in DETAILS_FIELD_REQUIRED if item not in field] == [], (key, field)
            assert set(field["for_types"]) <= set(description["authorization_details_types_supported"])
            if not field["is_required"]:
                assert "default" in field, (key, field["id"])


def test_top_level_lists_cover_the_union_of_the_scope_descriptions():
    metadata = _authorization_server()
    descriptions = metadata["cds_scope_descriptions"].values()
    for key, per_scope in (
        ("response_types_supported", "response_types_supported"),
        ("grant_types_supported", "grant_types_supported"),
        ("token_endpoint_auth_methods_supported", "token_endpoint_auth_methods_supported"),
        ("code_challenge_methods_supported", "code_challenge_methods_supported"),
        ("authorization_details_types_supported", "authorization_details_types_supported"),
    ):
        union = {value for description in descriptions for value in description[per_scope]}
        assert union <= set(metadata[key]), key


def test_client_admin_scope_has_its_fixed_values():
    description = _authorization_server()["cds_scope_descriptions"]["cds_client_admin"]

    assert description["type"] == "cds_client_admin"
    assert description["grant_types_supported"] == ["client_credentials"]
    assert description["token_endpoint_auth_methods_supported"] == ["client_secret_basic"]
    for key in (
        "registration_requirements",
        "registration_optional",
        "response_types_supported",
        "code_challenge_methods_supported",
        "coverages_supported",
        "authorization_details_types_supported",
        "authorization_details_fields_supported",
    ):
        assert description[key] == [], key
    assert description["grant_admin_scope"] is None


def test_grant_admin_scope_follows_the_template_and_consent_scopes_point_to_it():
    descriptions = _authorization_server()["cds_scope_descriptions"]
    grant_admin = descriptions[scopes.GRANT_ADMIN]

    assert grant_admin["type"] == "cds_grant_admin"
    assert grant_admin["authorization_details_types_supported"] == [scopes.GRANT_ADMIN]
    assert [field["id"] for field in grant_admin["authorization_details_fields_supported"]] == ["client_id", "grant_id"]
    assert all(field["is_required"] for field in grant_admin["authorization_details_fields_supported"])
    for scope_id in scopes.CONSENT_SCOPES:
        assert descriptions[scope_id]["grant_admin_scope"] == scopes.GRANT_ADMIN


def test_consent_scopes_use_code_with_pkce_and_never_client_credentials():
    descriptions = _authorization_server()["cds_scope_descriptions"]
    for scope_id in scopes.CONSENT_SCOPES:
        description = descriptions[scope_id]
        assert description["response_types_supported"] == ["code"]
        assert "client_credentials" not in description["grant_types_supported"]
        assert description["code_challenge_methods_supported"] == ["S256"]
        fields = {field["id"] for field in description["authorization_details_fields_supported"]}
        assert {
            "sync_until",
            "authorization_form_selection_type",
            "merge_selection_with",
            "error_if_no_preselections",
            "allow_scope_modifications",
            "jwk",
        } <= fields, scope_id


def test_registration_fields_cover_every_requirement():
    metadata = _authorization_server()
    fields = metadata["cds_registration_fields"]
    referenced = {
        key
        for description in metadata["cds_scope_descriptions"].values()
        for key in description["registration_requirements"] + description["registration_optional"]
    }

    assert referenced <= set(fields)
    for key, field in fields.items():
        assert [item for item in REGISTRATION_FIELD_REQUIRED if item not in field] == [], key
        assert field["id"] == key
        if field["type"] == "registration_field":
            assert field["field_name"].startswith("cds_") and field["format"], key
