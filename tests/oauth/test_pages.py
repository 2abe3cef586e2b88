"""A third party's pages for its applications: clients (settings, secrets shown once, rotate,
expire, production request), messages and grants; owners may act, agents may look, outsiders
see nothing."""

import pytest
from django.test import Client

from portal.cds.models import ClientMessage, Credential
from tests.factories import third_party_user

from .helpers import basic, consent, logged_in, use_redirect

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client_set):
    return third_party_user(third_party=client_set.admin.third_party)


def _as(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_the_client_list_shows_the_registrations_clients(client_set, owner):
    page = _as(owner).get("/third-party/clients/")

    assert page.status_code == 200
    for client in client_set.registered.clients:
        assert client.client_id in page.content.decode()


def test_another_companys_client_page_is_not_found(client_set):
    outsider = third_party_user()

    page = _as(outsider).get(f"/third-party/clients/{client_set.consent.client_id}/")

    assert page.status_code == 404
    assert client_set.consent.client_id not in _as(outsider).get("/third-party/clients/").content.decode()


def test_customers_may_not_see_the_pages(client_set, test_customer):
    assert _as(test_customer).get("/third-party/clients/").status_code == 403


def test_a_new_secret_is_shown_once_and_works(client_set, owner):
    page = _as(owner).post(f"/third-party/clients/{client_set.admin.client_id}/secrets/")

    secret = page.context["secret"]
    assert page.status_code == 200 and secret in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0")
    token = Client().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": "cds_client_admin"},
        HTTP_AUTHORIZATION=basic(client_set.admin.client_id, secret),
    )
    assert token.status_code == 200
    detail = _as(owner).get(f"/third-party/clients/{client_set.admin.client_id}/")
    assert secret not in detail.content.decode()


def test_expiring_a_secret_on_the_page_stops_it(client_set, owner):
    credential = client_set.admin.credentials.get()

    response = _as(owner).post(
        f"/third-party/clients/{client_set.admin.client_id}/secrets/{credential.credential_id}/expire/",
        {"confirm": "on"},
    )

    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.revoked_at is not None
    assert client_set.token(client_set.admin, "cds_client_admin")["status"] == 401


def test_an_agent_may_look_but_not_change(client_set):
    agent = third_party_user(third_party=client_set.admin.third_party, role="agent")
    browser = _as(agent)

    assert browser.get(f"/third-party/clients/{client_set.consent.client_id}/").status_code == 200
    assert browser.post(f"/third-party/clients/{client_set.consent.client_id}/secrets/").status_code == 403
    assert Credential.objects.filter(client=client_set.consent).count() == 1


def test_settings_change_redirect_uris_and_status(client_set, owner):
    path = f"/third-party/clients/{client_set.consent.client_id}/"

    response = _as(owner).post(
        path,
        {
            "client_name": "Renamed",
            "redirect_uris": "https://app.example.test/cb\nhttps://app.example.test/other",
            "client_uri": "https://app.example.test",
            "status": "disabled",
        },
    )

    assert response.status_code == 302
    client_set.consent.refresh_from_db()
    assert client_set.consent.name == "Renamed"
    assert client_set.consent.redirect_uris.split() == ["https://app.example.test/cb", "https://app.example.test/other"]
    assert client_set.consent.cds_status == "disabled"


def test_a_bad_redirect_uri_is_refused_on_the_page(client_set, owner):
    response = _as(owner).post(
        f"/third-party/clients/{client_set.consent.client_id}/",
        {"client_name": "X", "redirect_uris": "javascript:alert(1)", "status": "sandbox"},
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    client_set.consent.refresh_from_db()
    assert "javascript" not in client_set.consent.redirect_uris


def test_production_is_requested_from_the_client_page(client_set, owner):
    _as(owner).post(f"/third-party/clients/{client_set.consent.client_id}/production/")

    message = ClientMessage.objects.get(type="production_request")
    assert message.status == "pending"
    assert message.related_client == client_set.consent
    assert message.creator == client_set.admin.client_id


def test_messages_are_read_and_sent_on_the_messages_page(client_set, owner):
    browser = _as(owner)

    sent = browser.post("/third-party/messages/", {"type": "support_request", "name": "Help", "description": "Please"})
    page = browser.get("/third-party/messages/")

    assert sent.status_code == 302
    assert "Help" in page.content.decode()
    assert "Welcome to MeterGate" in page.content.decode()
    welcome = ClientMessage.objects.get(name="Welcome to MeterGate")
    browser.post(f"/third-party/messages/{welcome.message_id}/read/", {"read": "1"})
    welcome.refresh_from_db()
    assert welcome.read is True


def test_the_grants_page_lists_the_companys_grants_only(client_set, owner, test_customer):
    use_redirect(client_set.consent)
    consent(logged_in(test_customer), client_set.consent)

    mine = _as(owner).get("/third-party/grants/")
    theirs = _as(third_party_user()).get("/third-party/grants/")

    assert mine.status_code == 200 and len(mine.context["rows"]) == 1
    assert theirs.status_code == 200 and theirs.context["rows"] == []


def test_the_introspection_endpoint_answers_a_client_about_its_own_tokens_only(client_set):
    token = client_set.token(client_set.admin, "cds_client_admin")["access_token"]

    own = (
        Client()
        .post(
            "/oauth/introspect/",
            {"token": token},
            HTTP_AUTHORIZATION=basic(client_set.admin.client_id, client_set.secret(client_set.admin)),
        )
        .json()
    )
    other = (
        Client()
        .post(
            "/oauth/introspect/",
            {"token": token},
            HTTP_AUTHORIZATION=basic(client_set.grant_admin.client_id, client_set.secret(client_set.grant_admin)),
        )
        .json()
    )

    assert own["active"] is True and own["scope"] == "cds_client_admin"
    assert other == {"active": False}


def test_the_test_accounts_page_lists_the_test_accounts(test_customer):
    page = Client().get("/oauth/test-accounts/")

    assert test_customer.email in page.content.decode()
