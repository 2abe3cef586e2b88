"""Registration: dynamic (RFC 7591 the CDS way, no captcha) and by hand on the registration page
(with the captcha), and the client set both make."""

import json
import re

import pytest
from django.test import Client

from portal.cds import scopes
from portal.models import OAuthClient, ThirdParty
from tests.factories import third_party_user

from .helpers import basic

pytestmark = pytest.mark.django_db

REQUEST = {
    "scope": "cds_client_admin cds_usage cds_meters cds_query_usage usage",
    "client_name": "Solar Insights",
    "redirect_uris": ["https://ignored.example.test/cb"],
    "contacts": ["dev@solar.example.test"],
    "cds_company_name": "Solar Insights LLC",
    "cds_contact_email": "dev@solar.example.test",
    "cds_privacy_policy_url": "https://solar.example.test/privacy",
}


def _register(body: dict):
    return Client().post("/oauth/register/", json.dumps(body), content_type="application/json")


def test_dynamic_registration_answers_the_admin_client_with_its_secret():
    response = _register(REQUEST)

    assert response.status_code == 201
    body = response.json()
    assert body["scope"] == "cds_client_admin"
    assert body["redirect_uris"] == []
    assert body["response_types"] == []
    assert body["grant_types"] == ["client_credentials"]
    assert body["token_endpoint_auth_method"] == "client_secret_basic"
    assert body["client_secret"]
    assert body["cds_status"] == "production" and body["cds_status_options"] == ["production"]
    assert response["Cache-Control"] == "no-store"


def test_the_admin_secret_works_at_the_token_endpoint():
    body = _register(REQUEST).json()

    response = Client().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": "cds_client_admin"},
        HTTP_AUTHORIZATION=basic(body["client_id"], body["client_secret"]),
    )

    assert response.status_code == 200


def test_the_client_set_has_a_client_per_scope_group_and_a_grant_admin_client():
    body = _register(REQUEST).json()
    admin = OAuthClient.objects.get(client_id=body["client_id"])

    made = {client.allowed_scopes: client for client in admin.registration.clients.all()}

    assert set(made) == {"cds_client_admin", "cds_usage cds_meters", "cds_query_usage", "usage", scopes.GRANT_ADMIN}
    consent_client = made["cds_usage cds_meters"]
    assert consent_client.authorization_grant_type == OAuthClient.GRANT_AUTHORIZATION_CODE
    assert consent_client.redirect_uris == "http://testserver/oauth/default-redirect/"
    assert consent_client.default_redirect_uri == consent_client.redirect_uris
    for client in made.values():
        assert client.credentials.count() == 1
        if client != admin:
            assert client.cds_status == "sandbox"


def test_submitted_redirect_uris_are_ignored():
    body = _register(REQUEST).json()
    registration = OAuthClient.objects.get(client_id=body["client_id"]).registration

    assert not registration.clients.filter(redirect_uris__contains="ignored.example.test").exists()


def test_the_registration_makes_a_third_party_that_is_never_the_utility():
    body = _register(REQUEST).json()

    third_party = ThirdParty.objects.get(name="Solar Insights LLC")
    assert OAuthClient.objects.get(client_id=body["client_id"]).third_party == third_party
    assert third_party.contact_email == "dev@solar.example.test"


def test_scopes_reserved_for_the_utility_are_refused():
    response = _register({**REQUEST, "scope": "cds_client_admin provisioning"})

    assert response.status_code == 400
    assert "provisioning" in response.json()["error_description"]
    assert not OAuthClient.objects.filter(allowed_scopes__contains="provisioning").exists()


def test_a_required_registration_field_left_out_is_refused():
    body = {key: value for key, value in REQUEST.items() if key != "cds_privacy_policy_url"}

    response = _register(body)

    assert response.status_code == 400
    assert "cds_privacy_policy_url" in response.json()["error_description"]


def test_an_admin_only_registration_needs_no_company_fields():
    response = _register({"scope": "cds_client_admin", "client_name": "Just looking"})

    assert response.status_code == 201


def test_a_body_that_is_not_an_object_is_refused():
    response = Client().post("/oauth/register/", "[1, 2]", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"


def test_a_company_registration_number_already_registered_is_refused():
    _register({**REQUEST, "cds_company_registration_number": "PUCT-1"})

    response = _register({**REQUEST, "cds_company_registration_number": "puct-1"})

    assert response.status_code == 400


def test_registration_is_rate_limited(settings):
    settings.CDS_REGISTRATION_RATE = "2/hour"

    statuses = [_register({"scope": "cds_client_admin", "client_name": f"App {n}"}).status_code for n in range(3)]

    assert statuses == [201, 201, 429]


# --- The registration page -------------------------------------------------------------------------


def _captcha(page) -> tuple[str, str]:
    html = page.content.decode()
    first, second = re.search(r"What is (\w+) plus (\w+)\?", html).groups()
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    token = re.search(r'name="captcha_token" value="([^"]+)"', html).group(1)
    return str(words.index(first) + words.index(second)), token


PAGE_FORM = {
    "client_name": "Meter Buddy",
    "scopes": ["cds_usage"],
    "contact_email": "ops@buddy.example.test",
    "company_name": "Buddy Energy",
    "privacy_policy_url": "https://buddy.example.test/privacy",
}


def test_the_page_registers_a_client_set_after_the_captcha_and_shows_every_secret_once():
    browser = Client()
    answer, token = _captcha(browser.get("/oauth/clients/register/"))

    response = browser.post("/oauth/clients/register/", {**PAGE_FORM, "captcha_answer": answer, "captcha_token": token})

    assert response.status_code == 200
    rows = response.context["client_rows"]
    assert len(rows) == 3  # admin, consent, grant admin
    assert all(row["secret"] for row in rows)
    assert all(not credential.pending_secret for row in rows for credential in row["client"].credentials.all())


def test_a_wrong_captcha_answer_registers_nothing():
    browser = Client()
    answer, token = _captcha(browser.get("/oauth/clients/register/"))

    response = browser.post(
        "/oauth/clients/register/", {**PAGE_FORM, "captcha_answer": str(int(answer) + 1), "captcha_token": token}
    )

    assert response.status_code == 200
    assert "captcha_answer" in response.context["form"].errors
    assert not ThirdParty.objects.filter(name="Buddy Energy").exists()


def test_a_solved_captcha_works_only_once():
    browser = Client()
    answer, token = _captcha(browser.get("/oauth/clients/register/"))
    browser.post("/oauth/clients/register/", {**PAGE_FORM, "captcha_answer": answer, "captcha_token": token})

    again = browser.post(
        "/oauth/clients/register/",
        {**PAGE_FORM, "company_name": "Buddy Two", "captcha_answer": answer, "captcha_token": token},
    )

    assert "captcha_answer" in again.context["form"].errors
    assert not ThirdParty.objects.filter(name="Buddy Two").exists()


def test_a_third_party_admin_registers_for_their_company_without_a_captcha():
    admin = third_party_user()
    browser = Client()
    browser.force_login(admin)

    page = browser.get("/oauth/clients/register/")
    response = browser.post(
        "/oauth/clients/register/",
        {"client_name": "Our app", "scopes": ["cds_usage"], "contact_email": "me@company.example.test"},
    )

    assert b"captcha" not in page.content.lower()
    assert response.status_code == 200
    assert OAuthClient.objects.filter(third_party=admin.third_party, allowed_scopes="cds_usage").exists()


def test_a_third_party_agent_may_not_register():
    agent = third_party_user(role="agent")
    browser = Client()
    browser.force_login(agent)

    assert browser.get("/oauth/clients/register/").status_code == 403
