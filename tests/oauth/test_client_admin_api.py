"""The Clients and Credentials APIs (WG1-02 §5, §7): a registration's admin token sees and changes
its own clients and secrets only."""

import json
import time

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken

from portal.cds.models import ClientMessage
from tests.factories import cds_client_set

from .helpers import ClientSet, basic

pytestmark = pytest.mark.django_db


def _get(path, headers):
    return Client().get(path, **headers)


def _send(method, path, body, headers):
    return getattr(Client(), method)(path, json.dumps(body), content_type="application/json", **headers)


# --- Who may call ------------------------------------------------------------------------------------


def test_the_admin_apis_want_a_bearer_token(client_set):
    for path in ("/api/v1/cds/clients/", "/api/v1/cds/credentials/", "/api/v1/cds/messages/", "/api/v1/cds/grants/"):
        response = Client().get(path)
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "not_authenticated"


def test_a_token_of_another_client_of_the_set_is_refused(client_set):
    token = client_set.token(client_set.grant_admin, "cds_grant_admin_1")
    # A grant admin token without authorization_details is refused outright; a token of the
    # consent client cannot be had by client credentials at all.
    assert token["status"] == 400
    consent_token = client_set.token(client_set.consent, "cds_usage")
    assert consent_token["status"] == 400
    assert consent_token["error"] == "unauthorized_client"


def test_a_token_of_a_non_cds_client_is_refused(client_set, utility_token):
    response = Client().get("/api/v1/cds/clients/", HTTP_AUTHORIZATION=f"Bearer {utility_token}")

    assert response.status_code == 403


# --- Clients ----------------------------------------------------------------------------------------------


def test_the_client_list_holds_the_registrations_clients_newest_first(client_set):
    response = _get("/api/v1/cds/clients/", client_set.admin_headers())

    body = response.json()
    assert response.status_code == 200
    assert {client["client_id"] for client in body["clients"]} == {
        client.client_id for client in client_set.registered.clients
    }
    modified = [client["cds_modified"] for client in body["clients"]]
    assert modified == sorted(modified, reverse=True)
    assert body["next"] is None and body["previous"] is None


def test_the_client_list_filters_by_client_ids(client_set):
    wanted = f"{client_set.consent.client_id} {client_set.admin.client_id}"

    body = Client().get("/api/v1/cds/clients/", {"client_ids": wanted}, **client_set.admin_headers()).json()

    assert sorted(client["client_id"] for client in body["clients"]) == sorted(wanted.split())


def test_a_client_object_has_the_spec_fields_and_no_secret(client_set):
    body = _get(f"/api/v1/cds/clients/{client_set.consent.client_id}", client_set.admin_headers()).json()

    assert body["response_types"] == ["code"]
    assert body["grant_types"] == ["authorization_code", "refresh_token"]
    assert body["cds_status_options"] == ["sandbox", "disabled"]
    assert body["cds_default_redirect_uri"] == "http://testserver/oauth/default-redirect/"
    assert body["cds_default_authorization_details"] == []
    assert body["authorization_details_types"] == ["cds_meters", "cds_usage"]
    assert "client_secret" not in body and "client_secret_expires_at" not in body


def test_another_registrations_client_is_not_found(client_set):
    other = ClientSet(cds_client_set(cds_company_name="Other Co"))

    response = _get(f"/api/v1/cds/clients/{other.consent.client_id}", client_set.admin_headers())

    assert response.status_code == 404


def test_put_replaces_the_client_and_resets_what_is_left_out(client_set):
    path = f"/api/v1/cds/clients/{client_set.consent.client_id}"
    headers = client_set.admin_headers()
    current = _get(path, headers).json()
    body = {
        **current,
        "client_name": "Solar Insights Pro",
        "redirect_uris": ["https://app.example.test/cb", current["cds_default_redirect_uri"]],
        "cds_default_redirect_uri": "https://app.example.test/cb",
        "scope": "cds_usage",
        "cds_default_scope": "cds_usage",
    }
    body.pop("contacts")

    response = _send("put", path, body, headers)

    assert response.status_code == 200
    updated = response.json()
    assert updated["client_name"] == "Solar Insights Pro"
    assert updated["scope"] == "cds_usage"
    assert updated["cds_default_redirect_uri"] == "https://app.example.test/cb"
    assert updated["contacts"] == []
    assert ClientMessage.objects.filter(name="Client updated", related_id=client_set.consent.client_id).exists()


def test_put_may_not_change_what_the_server_sets(client_set):
    path = f"/api/v1/cds/clients/{client_set.consent.client_id}"
    headers = client_set.admin_headers()
    current = _get(path, headers).json()

    response = _send("put", path, {**current, "grant_types": ["client_credentials"]}, headers)

    assert response.status_code == 400
    assert "grant_types" in response.json()["error"]["fields"]


def test_put_refuses_a_redirect_uri_on_a_client_without_response_types(client_set):
    path = f"/api/v1/cds/clients/{client_set.admin.client_id}"

    response = _send("put", path, {"redirect_uris": ["https://x.example.test/"]}, client_set.admin_headers())

    assert response.status_code == 400


def test_a_wider_scope_waits_for_staff_review(client_set):
    path = f"/api/v1/cds/clients/{client_set.consent.client_id}"
    headers = client_set.admin_headers()
    current = _get(path, headers).json()

    response = _send("put", path, {**current, "scope": "cds_usage cds_meters cds_accounts"}, headers)

    assert response.status_code == 202
    assert response.json()["scope"] == "cds_usage cds_meters"
    message = ClientMessage.objects.get(type="field_changes")
    assert message.status == "pending"
    assert message.updates_requested[0]["new_value"] == "cds_usage cds_meters cds_accounts"


def test_the_admin_client_cannot_be_disabled_but_others_can(client_set):
    headers = client_set.admin_headers()
    admin_path = f"/api/v1/cds/clients/{client_set.admin.client_id}"
    consent_path = f"/api/v1/cds/clients/{client_set.consent.client_id}"

    refused = _send("put", admin_path, {**_get(admin_path, headers).json(), "cds_status": "disabled"}, headers)
    disabled = _send("put", consent_path, {**_get(consent_path, headers).json(), "cds_status": "disabled"}, headers)

    assert refused.status_code == 400
    assert disabled.status_code == 200 and disabled.json()["cds_status"] == "disabled"


# --- Credentials ---------------------------------------------------------------------------------------


def test_server_made_secrets_are_listed_once_then_never_again(client_set):
    fresh = ClientSet(cds_client_set(cds_company_name="Fresh Co"))
    # cds_client_set shows every secret; make one wait the way dynamic registration leaves them.
    from portal.cds import credentials as credential_service

    credential_service.create_credential(client=fresh.consent, reveal_now=False)
    headers = fresh.admin_headers()

    first = _get("/api/v1/cds/credentials/", headers).json()["credentials"]
    second = _get("/api/v1/cds/credentials/", headers).json()["credentials"]

    assert sum("client_secret" in item for item in first) == 1
    assert all("client_secret" not in item for item in second)


def test_post_makes_a_credential_whose_secret_works(client_set):
    response = _send(
        "post", "/api/v1/cds/credentials/", {"client_id": client_set.consent.client_id}, client_set.admin_headers()
    )

    assert response.status_code == 201
    body = response.json()
    assert body["client_secret_expires_at"] == 0
    assert response["Cache-Control"] == "no-store"
    refused = Client().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": "cds_usage"},
        HTTP_AUTHORIZATION=basic(client_set.consent.client_id, body["client_secret"]),
    )
    # The secret authenticates (the consent client simply has no client_credentials grant).
    assert refused.json()["error"] == "unauthorized_client"


def test_post_for_a_client_of_another_registration_is_refused(client_set):
    other = ClientSet(cds_client_set(cds_company_name="Other Co"))

    response = _send(
        "post", "/api/v1/cds/credentials/", {"client_id": other.admin.client_id}, client_set.admin_headers()
    )

    assert response.status_code == 400


def test_expiring_a_credential_now_revokes_its_tokens(client_set):
    other_credential = client_set.admin.credentials.get()
    new = _send(
        "post", "/api/v1/cds/credentials/", {"client_id": client_set.admin.client_id}, client_set.admin_headers()
    ).json()
    with_new = (
        Client()
        .post(
            "/oauth/token/",
            {"grant_type": "client_credentials", "scope": "cds_client_admin"},
            HTTP_AUTHORIZATION=basic(client_set.admin.client_id, new["client_secret"]),
        )
        .json()["access_token"]
    )
    headers = client_set.admin_headers()  # obtained with the original credential

    response = _send(
        "patch",
        new["uri"].removeprefix("http://testserver"),
        {"client_secret_expires_at": int(time.time()) - 5},
        headers,
    )

    assert response.status_code == 200
    assert Client().get("/api/v1/cds/clients/", HTTP_AUTHORIZATION=f"Bearer {with_new}").status_code == 401
    assert Client().get("/api/v1/cds/clients/", **headers).status_code == 200
    assert other_credential.is_active()


def test_an_expiry_may_move_earlier_but_never_later(client_set):
    headers = client_set.admin_headers()
    credential = client_set.consent.credentials.get()
    path = f"/api/v1/cds/credentials/{credential.credential_id}"
    soon, later = int(time.time()) + 3600, int(time.time()) + 7200

    earlier = _send("patch", path, {"client_secret_expires_at": soon}, headers)
    refused = _send("patch", path, {"client_secret_expires_at": later}, headers)
    never = _send("patch", path, {"client_secret_expires_at": 0}, headers)

    assert earlier.status_code == 200 and earlier.json()["client_secret_expires_at"] == soon
    assert refused.status_code == 400
    assert never.status_code == 400


def test_credentials_filter_by_client_and_date(client_set):
    headers = client_set.admin_headers()

    by_client = Client().get("/api/v1/cds/credentials/", {"client_ids": client_set.consent.client_id}, **headers).json()
    future = Client().get("/api/v1/cds/credentials/", {"after": "2999-01-01T00:00:00Z"}, **headers).json()
    bad = Client().get("/api/v1/cds/credentials/", {"after": "yesterday"}, **headers)

    assert [item["client_id"] for item in by_client["credentials"]] == [client_set.consent.client_id]
    assert future["credentials"] == []
    assert bad.status_code == 400


def test_disabling_a_client_revokes_its_tokens(client_set):
    token = client_set.token(client_set.admin, "cds_client_admin")["access_token"]
    from portal.cds import clients as client_service

    client_service.set_status(client=client_set.grant_admin, status="disabled")

    assert AccessToken.objects.filter(application=client_set.grant_admin).count() == 0
    # The admin client is untouched.
    assert Client().get("/api/v1/cds/clients/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
