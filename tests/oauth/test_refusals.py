"""Every refusal the issue lists, each proven on its own."""

import json
import time

from django.test import Client

from agreements.models import Agreement
from tests.factories import SandboxAccountFactory, cds_client_set, customer_at

from .helpers import (
    REDIRECT,
    ClientSet,
    authorization_parameters,
    basic,
    consent,
    exchange,
    logged_in,
    pkce_pair,
    query_of,
    use_redirect,
)


def _page(browser, client, **overrides):
    return browser.get("/oauth/authorize/", authorization_parameters(client, pkce_pair()[1], **overrides))


# --- PKCE ----------------------------------------------------------------------------------------


def test_a_request_without_pkce_is_refused(client_set, test_customer):
    use_redirect(client_set.consent)

    response = _page(logged_in(test_customer), client_set.consent, code_challenge=None, code_challenge_method=None)

    assert response.status_code == 302
    assert query_of(response["Location"])["error"] == "invalid_request"
    assert not Agreement.objects.exists()


def test_a_plain_pkce_challenge_is_refused(client_set, test_customer):
    use_redirect(client_set.consent)

    response = _page(logged_in(test_customer), client_set.consent, code_challenge_method="plain")

    assert response.status_code == 302
    assert query_of(response["Location"])["error"] == "invalid_request"
    assert "S256" in query_of(response["Location"])["error_description"]


def test_a_code_exchanged_without_the_verifier_is_refused(client_set, test_customer):
    use_redirect(client_set.consent)
    result = consent(logged_in(test_customer), client_set.consent)

    tokens = exchange(client_set, result.query["code"], "a-different-verifier-of-enough-length-1234567890")

    assert tokens["status"] == 400
    assert tokens["error"] == "invalid_grant"


# --- Redirect URIs, clients, response types: an error page, never a redirect ---------------------


def test_an_unregistered_redirect_uri_shows_an_error_page_and_never_redirects(client_set, test_customer):
    use_redirect(client_set.consent)

    response = _page(logged_in(test_customer), client_set.consent, redirect_uri="https://evil.example.test/steal")

    assert response.status_code == 400
    assert "evil.example.test" not in response.get("Location", "")
    assert b"This request cannot go on" in response.content


def test_an_unknown_client_shows_an_error_page(client_set):
    response = Client().get("/oauth/authorize/", {"client_id": "nobody", "redirect_uri": REDIRECT})

    assert response.status_code == 400
    assert "Location" not in response


def test_a_wrong_response_type_shows_an_error_page(client_set, test_customer):
    use_redirect(client_set.consent)

    response = _page(logged_in(test_customer), client_set.consent, response_type="token")

    assert response.status_code == 400
    assert "Location" not in response


def test_a_disabled_client_shows_an_error_page(client_set, test_customer):
    use_redirect(client_set.consent)
    client_set.consent.cds_status = "disabled"
    client_set.consent.save()

    response = _page(logged_in(test_customer), client_set.consent)

    assert response.status_code == 400
    assert "Location" not in response


# --- Codes and tokens ----------------------------------------------------------------------------


def test_a_reused_code_is_refused_and_revokes_the_tokens_it_issued(client_set, test_customer):
    use_redirect(client_set.consent)
    result = consent(logged_in(test_customer), client_set.consent)
    first = exchange(client_set, result.query["code"], result.verifier)
    assert first["status"] == 200

    second = exchange(client_set, result.query["code"], result.verifier)

    assert second["status"] == 400
    assert second["error"] == "invalid_grant"
    read = Client().get("/api/v1/cds/authorized-service-points/", HTTP_AUTHORIZATION=f"Bearer {first['access_token']}")
    assert read.status_code == 401
    refresh = Client().post(
        "/oauth/token/",
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        HTTP_AUTHORIZATION=basic(client_set.consent.client_id, client_set.secret(client_set.consent)),
    )
    assert refresh.status_code == 400


def test_widening_the_scope_at_refresh_is_refused(client_set, test_customer):
    use_redirect(client_set.consent)
    result = consent(logged_in(test_customer), client_set.consent)
    tokens = exchange(client_set, result.query["code"], result.verifier)

    response = Client().post(
        "/oauth/token/",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "scope": "cds_usage cds_meters"},
        HTTP_AUTHORIZATION=basic(client_set.consent.client_id, client_set.secret(client_set.consent)),
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_a_refresh_token_used_twice_kills_the_whole_family(client_set, test_customer):
    use_redirect(client_set.consent)
    result = consent(logged_in(test_customer), client_set.consent)
    tokens = exchange(client_set, result.query["code"], result.verifier)
    auth = basic(client_set.consent.client_id, client_set.secret(client_set.consent))
    rotated = (
        Client()
        .post(
            "/oauth/token/",
            {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            HTTP_AUTHORIZATION=auth,
        )
        .json()
    )

    replay = Client().post(
        "/oauth/token/",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=auth,
    )

    assert replay.status_code == 400
    read = Client().get(
        "/api/v1/cds/authorized-service-points/", HTTP_AUTHORIZATION=f"Bearer {rotated['access_token']}"
    )
    assert read.status_code == 401


# --- Who may consent and what a token may read ----------------------------------------------------


def test_a_sandbox_client_cannot_reach_a_real_customer(client_set):
    use_redirect(client_set.consent)
    real_customer = customer_at()

    page = _page(logged_in(real_customer), client_set.consent)

    assert page.status_code == 403
    assert b"testing (sandbox)" in page.content
    assert not Agreement.objects.exists()


def test_a_production_client_serves_real_customers(client_set):
    client = client_set.consent
    client.environment = client.cds_status = "production"
    client.save()
    use_redirect(client)

    result = consent(logged_in(customer_at()), client)

    assert result.response.status_code == 302
    assert "code" in result.query


def test_a_token_of_customer_a_cannot_read_customer_b(client_set, test_customer):
    use_redirect(client_set.consent)
    customer_b = customer_at()
    SandboxAccountFactory(customer=customer_b)
    token_a = exchange(client_set, *_code_and_verifier(client_set, test_customer))["access_token"]
    exchange(client_set, *_code_and_verifier(client_set, customer_b))
    esiid_a = test_customer.occupancies.get().premise.esiid
    esiid_b = customer_b.occupancies.get().premise.esiid
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_a}"}

    own = Client().get(f"/api/v1/cds/authorized-service-points/{esiid_a}", **headers)
    other = Client().get(f"/api/v1/cds/authorized-service-points/{esiid_b}", **headers)
    listing = Client().get("/api/v1/cds/authorized-service-points/", **headers)

    assert own.status_code == 200
    assert other.status_code == 404
    assert [row["servicepoint_number"] for row in listing.json()["service_points"]] == [esiid_a]


def _code_and_verifier(client_set, customer):
    result = consent(logged_in(customer), client_set.consent)
    return result.query["code"], result.verifier


def test_a_client_of_third_party_x_cannot_list_the_grants_of_y(client_set, test_customer):
    use_redirect(client_set.consent)
    consent(logged_in(test_customer), client_set.consent)
    other = ClientSet(cds_client_set(cds_company_name="Other Co"))

    mine = Client().get("/api/v1/cds/grants/", **client_set.admin_headers())
    theirs = Client().get("/api/v1/cds/grants/", **other.admin_headers())
    grant_id = mine.json()["grants"][0]["grant_id"]
    direct = Client().get(f"/api/v1/cds/grants/{grant_id}", **other.admin_headers())

    assert len(mine.json()["grants"]) == 1
    assert theirs.json()["grants"] == []
    assert direct.status_code == 404


# --- Registration and credentials -----------------------------------------------------------------


def test_registration_without_cds_client_admin_is_refused(db):
    response = Client().post(
        "/oauth/register/", json.dumps({"scope": "cds_usage", "client_name": "App"}), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"


def test_registration_with_an_unknown_scope_is_refused(db):
    response = Client().post(
        "/oauth/register/",
        json.dumps({"scope": "cds_client_admin not_a_scope", "client_name": "App"}),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "not_a_scope" in response.json()["error_description"]


def test_an_expired_credential_gets_no_token(client_set):
    credential = client_set.admin.credentials.get()
    response = Client().patch(
        f"/api/v1/cds/credentials/{credential.credential_id}",
        json.dumps({"client_secret_expires_at": int(time.time())}),
        content_type="application/json",
        **client_set.admin_headers(),
    )
    assert response.status_code == 200

    token = client_set.token(client_set.admin, "cds_client_admin")

    assert token["status"] == 401
    assert token["error"] == "invalid_client"
