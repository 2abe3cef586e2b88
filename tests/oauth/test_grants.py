"""Grants: the Grants API (list, filters, read, close, narrow, widen), Grant Admin tokens, one
consent everywhere (a grant is an agreement the customer sees and can end, which stops its
tokens at once), receipts and the default redirect page."""

import json

import pytest
from django.test import Client
from django.utils import timezone

from agreements.models import Agreement, OAuthGrant
from agreements.services import expire_due, terminate_agreement
from portal.cds import scopes

from .helpers import basic, consent, exchange, logged_in, use_redirect

pytestmark = pytest.mark.django_db


@pytest.fixture
def granted(client_set, test_customer):
    """A consent approved and its code exchanged: (grant, tokens)."""
    use_redirect(client_set.consent)
    result = consent(logged_in(test_customer), client_set.consent, scope="cds_usage cds_meters")
    tokens = exchange(client_set, result.query["code"], result.verifier)
    assert tokens["status"] == 200
    return OAuthGrant.objects.get(), tokens


def _read(token: str):
    return Client().get("/api/v1/cds/authorized-service-points/", HTTP_AUTHORIZATION=f"Bearer {token}")


def _refresh(client_set, refresh_token: str):
    return Client().post(
        "/oauth/token/",
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
        HTTP_AUTHORIZATION=basic(client_set.consent.client_id, client_set.secret(client_set.consent)),
    )


# --- The Grants API --------------------------------------------------------------------------------


def test_a_grant_object_has_every_field_of_the_spec(client_set, granted):
    grant, _ = granted

    body = Client().get(f"/api/v1/cds/grants/{grant.agreement.number}", **client_set.admin_headers()).json()

    assert set(body) >= {
        "grant_id",
        "uri",
        "replacing",
        "replaced_by",
        "parent",
        "children",
        "created",
        "modified",
        "not_before",
        "not_after",
        "eta",
        "expires",
        "status",
        "client_id",
        "scope",
        "authorization_details",
        "receipt_confirmations",
        "enabled_scope",
        "enabled_authorization_details",
    }
    assert body["status"] == "active"
    assert body["scope"] == body["enabled_scope"] == "cds_usage cds_meters"
    assert body["receipt_confirmations"] == [grant.receipt_confirmation]
    assert body["client_id"] == client_set.consent.client_id


def test_grants_filter_by_status_scope_client_and_confirmation(client_set, granted):
    grant, _ = granted
    headers = client_set.admin_headers()

    def ids(**params):
        return [item["grant_id"] for item in Client().get("/api/v1/cds/grants/", params, **headers).json()["grants"]]

    number = grant.agreement.number
    assert ids(statuses="active") == [number]
    assert ids(statuses="revoked closed") == []
    assert ids(scopes="cds_meters") == [number]
    assert ids(scopes="cds_accounts") == []
    assert ids(client_ids=client_set.consent.client_id) == [number]
    assert ids(receipt_confirmations=grant.receipt_confirmation) == [number]
    assert ids(grant_ids="AGR-999999") == []
    assert ids(parents=number) == []


def test_closing_a_grant_ends_the_agreement_and_its_tokens_at_once(client_set, granted):
    grant, tokens = granted
    assert _read(tokens["access_token"]).status_code == 200

    response = Client().patch(
        f"/api/v1/cds/grants/{grant.agreement.number}",
        json.dumps({"status": "closed"}),
        content_type="application/json",
        **client_set.admin_headers(),
    )

    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert response.json()["enabled_scope"] == ""
    grant.agreement.refresh_from_db()
    assert grant.agreement.status == Agreement.Status.TERMINATED
    assert grant.agreement.ended_by_role == Agreement.EndedBy.THIRD_PARTY
    assert _read(tokens["access_token"]).status_code == 401
    assert _refresh(client_set, tokens["refresh_token"]).status_code == 400


def test_patch_accepts_only_closed_as_a_status(client_set, granted):
    grant, _ = granted

    response = Client().patch(
        f"/api/v1/cds/grants/{grant.agreement.number}",
        json.dumps({"status": "revoked"}),
        content_type="application/json",
        **client_set.admin_headers(),
    )

    assert response.status_code == 400


def test_narrowing_the_scope_needs_no_consent_and_widening_waits_for_it(client_set, granted):
    grant, _ = granted
    path = f"/api/v1/cds/grants/{grant.agreement.number}"
    headers = client_set.admin_headers()

    narrowed = (
        Client().patch(path, json.dumps({"scope": "cds_usage"}), content_type="application/json", **headers).json()
    )
    widened = (
        Client()
        .patch(path, json.dumps({"scope": "cds_usage cds_meters"}), content_type="application/json", **headers)
        .json()
    )

    assert narrowed["status"] == "active" and narrowed["enabled_scope"] == "cds_usage"
    assert widened["status"] == "needs_authorization"
    assert widened["enabled_scope"] == "cds_usage"


# --- One consent, everywhere --------------------------------------------------------------------------


def test_the_grant_is_in_the_customers_agreement_list(granted, test_customer):
    grant, _ = granted

    page = logged_in(test_customer).get("/agreements/")

    assert grant.agreement.number in page.content.decode()


def test_the_customer_terminating_the_agreement_stops_the_tokens(client_set, granted, test_customer):
    grant, tokens = granted

    terminate_agreement(by=test_customer, agreement=grant.agreement)

    assert _read(tokens["access_token"]).status_code == 401
    assert _refresh(client_set, tokens["refresh_token"]).status_code == 400
    body = Client().get(f"/api/v1/cds/grants/{grant.agreement.number}", **client_set.admin_headers()).json()
    assert body["status"] == "revoked"


def test_an_expired_grants_refresh_token_no_longer_works(client_set, granted):
    grant, tokens = granted
    Agreement.objects.filter(pk=grant.pk).update(ends_at=timezone.now())
    expire_due()

    assert _refresh(client_set, tokens["refresh_token"]).status_code == 400
    assert _read(tokens["access_token"]).status_code == 401


def test_refresh_keeps_the_grant_and_rotates(client_set, granted):
    grant, tokens = granted

    refreshed = _refresh(client_set, tokens["refresh_token"]).json()

    assert refreshed["cds_grant_ids"] == [grant.agreement.number]
    assert refreshed["refresh_token"] != tokens["refresh_token"]
    assert _read(refreshed["access_token"]).status_code == 200


# --- Grant Admin ---------------------------------------------------------------------------------------


def _grant_admin_token(client_set, grant, **entry):
    details = [
        {"type": scopes.GRANT_ADMIN, "client_id": grant.client.client_id, "grant_id": grant.agreement.number, **entry}
    ]
    return client_set.token(client_set.grant_admin, scopes.GRANT_ADMIN, authorization_details=json.dumps(details))


def test_grant_admin_gets_a_token_for_the_grants_enabled_scope(client_set, granted):
    grant, _ = granted

    token = _grant_admin_token(client_set, grant)

    assert token["status"] == 200
    assert token["scope"] == "cds_usage cds_meters"
    assert token["cds_grant_ids"] == [grant.agreement.number]
    assert _read(token["access_token"]).status_code == 200


def test_grant_admin_is_refused_for_another_clients_grant_or_an_ended_one(client_set, granted, test_customer):
    grant, _ = granted

    wrong_client = _grant_admin_token(client_set, grant, client_id=client_set.admin.client_id)
    terminate_agreement(by=test_customer, agreement=grant.agreement)
    ended = _grant_admin_token(client_set, grant)

    assert wrong_client["status"] == 400 and wrong_client["error"] == "invalid_authorization_details"
    assert ended["status"] == 400


# --- Receipts and the default redirect page --------------------------------------------------------------


def test_the_receipt_page_needs_no_login_and_is_never_indexed(granted):
    grant, _ = granted

    page = Client().get(f"/oauth/receipts/{grant.receipt_token}/")

    assert page.status_code == 200
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert b'name="robots" content="noindex, nofollow"' in page.content
    assert grant.receipt_confirmation.encode() in page.content


def test_the_receipts_revoke_link_works_without_login(client_set, granted):
    grant, tokens = granted
    anonymous = Client()

    confirm = anonymous.get(f"/oauth/receipts/{grant.receipt_token}/revoke/")
    revoked = anonymous.post(f"/oauth/receipts/{grant.receipt_token}/revoke/")

    assert confirm.status_code == 200
    grant.agreement.refresh_from_db()
    assert revoked.status_code == 302
    assert grant.agreement.status == Agreement.Status.TERMINATED
    assert grant.agreement.ended_by_role == Agreement.EndedBy.CUSTOMER
    assert _read(tokens["access_token"]).status_code == 401


def test_an_unknown_receipt_is_not_found():
    assert Client().get("/oauth/receipts/not-a-token/").status_code == 404


def test_the_default_redirect_page_shows_the_receipt_after_an_approval(client_set, test_customer):
    result = consent(logged_in(test_customer), client_set.consent, redirect_uri=None)
    location = result.response["Location"]

    landing = Client().get(location.removeprefix("http://testserver"))

    grant = OAuthGrant.objects.get()
    assert landing.status_code == 302
    assert landing["Location"] == f"/oauth/receipts/{grant.receipt_token}/"


def test_the_default_redirect_page_explains_a_decline(client_set, test_customer):
    result = consent(logged_in(test_customer), client_set.consent, redirect_uri=None, approve=False)

    landing = Client().get(result.response["Location"].removeprefix("http://testserver"))

    assert landing.status_code == 400
    assert b"You declined" in landing.content
