"""Provisioning API for label partners and customers; who may use it; the schema and docs page."""

import pytest
from django.test import Client

from portal.models import LabelPartner, User
from tests.conftest import issue_token
from tests.factories import CustomerFactory, LabelPartnerFactory, OAuthClientFactory, ThirdPartyFactory, UserFactory

pytestmark = pytest.mark.django_db

LABEL_PARTNER_URL = "/api/v1/provisioning/label-partners/{}"
CUSTOMER_URL = "/api/v1/provisioning/customers/{}"
CUSTOMERS_URL = "/api/v1/provisioning/customers/"


def auth(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# --- Who may call it ---------------------------------------------------------------------------


def test_a_request_without_a_token_is_refused_with_401(api_client):
    response = api_client.put(LABEL_PARTNER_URL.format("brand"), {"name": "Brand"}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert not LabelPartner.objects.exists()


def test_an_invalid_token_is_refused_with_401(api_client):
    response = api_client.get(CUSTOMERS_URL, **auth("not-a-token"))

    assert response.status_code == 401


def test_a_client_not_allowed_the_provisioning_scope_cannot_get_a_token_for_it(db):
    client = OAuthClientFactory(allowed_scopes="usage")

    response = Client().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": "provisioning"},
        HTTP_AUTHORIZATION=_basic(client.client_id, client.raw_secret),
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_a_token_with_another_scope_is_refused_with_403(api_client):
    token = issue_token(OAuthClientFactory(allowed_scopes="usage provisioning"), "usage")

    response = api_client.put(LABEL_PARTNER_URL.format("brand"), {"name": "Brand"}, format="json", **auth(token))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not LabelPartner.objects.exists()


def test_a_third_partys_client_is_refused_even_with_the_provisioning_scope(api_client):
    client = OAuthClientFactory(third_party=ThirdPartyFactory(), allowed_scopes="provisioning")
    token = issue_token(client, "provisioning")

    response = api_client.get(CUSTOMERS_URL, **auth(token))

    assert response.status_code == 403
    assert "utility" in response.json()["error"]["message"]


def test_a_logged_in_staff_user_without_a_token_is_refused(api_client):
    api_client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = api_client.get(CUSTOMERS_URL)

    assert response.status_code == 401


# --- Label partners ----------------------------------------------------------------------------


def test_a_label_partner_is_created_then_updated_by_code(api_client, utility_token):
    created = api_client.put(
        LABEL_PARTNER_URL.format("texpower"),
        {"name": "TexPower", "country": "us"},
        format="json",
        **auth(utility_token),
    )
    updated = api_client.put(
        LABEL_PARTNER_URL.format("texpower"), {"name": "TexPower Energy"}, format="json", **auth(utility_token)
    )

    assert created.status_code == 201
    assert created.json()["country"] == "US"
    assert updated.status_code == 200
    label_partner = LabelPartner.objects.get(code="texpower")
    assert (label_partner.name, label_partner.country) == ("TexPower Energy", "")


def test_a_label_partner_reads_back_as_provisioned(api_client, utility_token):
    LabelPartnerFactory(code="lonestar", name="Lone Star", country="US")

    response = api_client.get(LABEL_PARTNER_URL.format("lonestar"), **auth(utility_token))

    assert response.status_code == 200
    assert response.json()["name"] == "Lone Star"


def test_an_unknown_label_partner_is_404_in_the_error_shape(api_client, utility_token):
    response = api_client.get(LABEL_PARTNER_URL.format("nobody"), **auth(utility_token))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_label_partner_with_a_bad_code_and_country_is_refused_per_field(api_client, utility_token):
    response = api_client.put(
        LABEL_PARTNER_URL.format("not a slug!"), {"name": "", "country": "USA"}, format="json", **auth(utility_token)
    )

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"code", "name", "country"}
    assert not LabelPartner.objects.exists()


# --- Customers ---------------------------------------------------------------------------------


def customer_body(**overrides) -> dict:
    return {"email": "ana.garcia@example.test", "full_name": "Ana Garcia", "label_partner": "texpower", **overrides}


def test_the_same_customer_put_twice_gives_the_same_state_and_200(api_client, utility_token):
    LabelPartnerFactory(code="texpower")
    url = CUSTOMER_URL.format("ACC-1001")

    first = api_client.put(url, customer_body(email="Ana.Garcia@Example.test"), format="json", **auth(utility_token))
    state_after_first = User.objects.values().get(external_account_id="ACC-1001")
    second = api_client.put(url, customer_body(email="Ana.Garcia@Example.test"), format="json", **auth(utility_token))

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert User.objects.values().get(external_account_id="ACC-1001") == state_after_first
    assert first.json()["email"] == "ana.garcia@example.test"
    assert first.json()["label_partner"] == "texpower"


def test_a_customer_put_changes_what_it_says_and_clears_what_it_leaves_out(api_client, utility_token):
    CustomerFactory(external_account_id="ACC-1002", email="old@example.test", full_name="Old Name")

    response = api_client.put(
        CUSTOMER_URL.format("ACC-1002"), {"email": "new@example.test"}, format="json", **auth(utility_token)
    )

    assert response.status_code == 200
    customer = User.objects.get(external_account_id="ACC-1002")
    assert (customer.email, customer.full_name, customer.label_partner) == ("new@example.test", "", None)


def test_a_customer_with_bad_input_gets_every_field_error(api_client, utility_token):
    response = api_client.put(
        CUSTOMER_URL.format("ACC-1003"),
        {"email": "not-an-email", "label_partner": "no-such-brand"},
        format="json",
        **auth(utility_token),
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"email", "label_partner"}
    assert "no-such-brand" in error["fields"]["label_partner"][0]
    assert not User.objects.filter(external_account_id="ACC-1003").exists()


def test_a_customer_cannot_take_an_email_another_account_uses(api_client, utility_token):
    UserFactory(email="taken@example.test")

    response = api_client.put(
        CUSTOMER_URL.format("ACC-1004"), {"email": "TAKEN@example.test"}, format="json", **auth(utility_token)
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "email_taken"
    assert response.json()["error"]["fields"] == {"email": ["Already in use."]}


def test_a_customer_reads_back_by_external_account_id(api_client, utility_token):
    CustomerFactory(external_account_id="ACC-1005", email="reader@example.test")

    response = api_client.get(CUSTOMER_URL.format("ACC-1005"), **auth(utility_token))

    assert response.status_code == 200
    assert response.json()["email"] == "reader@example.test"


def test_a_user_without_an_external_account_id_is_not_a_provisioned_customer(api_client, utility_token):
    UserFactory(email="self-registered@example.test")

    response = api_client.get(CUSTOMERS_URL, **auth(utility_token))

    assert response.json()["results"] == []


def test_customers_are_listed_page_by_page_and_filtered_by_label_partner(
    api_client, utility_token, django_assert_max_num_queries
):
    texpower = LabelPartnerFactory(code="texpower")
    CustomerFactory.create_batch(3, label_partner=texpower)
    CustomerFactory(label_partner=LabelPartnerFactory(code="other"))

    with django_assert_max_num_queries(6):
        first_page = api_client.get(
            CUSTOMERS_URL, {"label_partner": "texpower", "page_size": 2}, **auth(utility_token)
        ).json()
    second_page = api_client.get(first_page["next"], **auth(utility_token)).json()

    listed = first_page["results"] + second_page["results"]
    assert len(first_page["results"]) == 2
    assert {customer["label_partner"] for customer in listed} == {"texpower"}
    assert len({customer["external_account_id"] for customer in listed}) == 3
    assert second_page["next"] is None


# --- Schema and documentation ------------------------------------------------------------------


def test_the_openapi_schema_lists_the_provisioning_paths(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    for path in [
        "/api/v1/provisioning/label-partners/{code}",
        "/api/v1/provisioning/customers/",
        "/api/v1/provisioning/customers/{external_account_id}",
        "/api/v1/provisioning/premises/",
        "/api/v1/provisioning/premises/{external_id}",
        "/api/v1/provisioning/meters/",
        "/api/v1/provisioning/meters/{meter_number}",
        "/api/v1/provisioning/move-ins",
        "/api/v1/provisioning/move-outs",
    ]:
        assert path in schema["paths"], path
    put = schema["paths"]["/api/v1/provisioning/premises/{external_id}"]["put"]
    assert put["tags"] == ["provisioning"]
    assert put["security"] == [{"oauth2": ["provisioning"]}]
    assert {"200", "201", "400", "401", "403"} <= set(put["responses"])


def test_the_api_docs_page_loads(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def _basic(user: str, password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
