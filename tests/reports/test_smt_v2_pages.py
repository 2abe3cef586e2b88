"""/reports/smt-api/: a third party's admin sets its Service ID, DUNS and allowed addresses and
creates API users whose generated password opens /v2/token/; agents only look; a disabled API
user's tokens stop at once."""

import re

import pytest
from django.contrib.messages import get_messages

from portal.models import ThirdPartyMembership
from reports.models import SmtApiSettings, SmtApiUser
from tests.factories import PASSWORD, ThirdPartyFactory, third_party_user

from .smt_v2_support import company, shared_home

pytestmark = pytest.mark.django_db


def logged_in(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


def test_an_admin_sets_the_companys_smt_identity(client):
    third_party = ThirdPartyFactory()
    logged_in(client, third_party_user(third_party))

    answer = client.post(
        "/reports/smt-api/",
        {"save_settings": "1", "service_id": "SVC42", "duns": "123456789", "allowed_networks": "10.0.0.0/8"},
    )

    assert answer.status_code == 302
    own = SmtApiSettings.objects.get(third_party=third_party)
    assert (own.service_id, own.duns, own.allows("10.1.2.3"), own.allows("192.0.2.1")) == (
        "SVC42",
        "123456789",
        True,
        False,
    )


@pytest.mark.parametrize(
    ("field", "value"), [("duns", "12-34"), ("allowed_networks", "not-an-address"), ("service_id", " ")]
)
def test_bad_settings_are_shown_on_the_form(client, field, value):
    third_party = ThirdPartyFactory()
    logged_in(client, third_party_user(third_party))
    data = {"save_settings": "1", "service_id": "SVC42", "duns": "123456789", "allowed_networks": "", field: value}

    answer = client.post("/reports/smt-api/", data)

    assert answer.status_code == 200
    assert answer.context["settings_form"].errors
    assert not SmtApiSettings.objects.exists()


def test_an_api_user_created_by_the_admin_gets_a_token_with_the_password_shown_once(client, api_client):
    who = company()
    logged_in(client, third_party_user(who.third_party))

    answer = client.post(
        "/reports/smt-api/", {"create_user": "1", "email": "Robot@Example.com", "full_name": "Billing"}
    )

    [message] = [str(message) for message in get_messages(answer.wsgi_request)]
    password = re.search(r"shown only now: (\S+)$", message).group(1)
    api_user = SmtApiUser.objects.get(user__email="robot@example.com")
    assert api_user.user.third_party_membership.role == ThirdPartyMembership.Role.AGENT
    token = api_client.post("/v2/token/", {"username": "robot@example.com", "password": password}, format="json")
    assert token.status_code == 200


def test_an_agent_sees_the_page_but_changes_nothing(client):
    who = company()
    logged_in(client, third_party_user(who.third_party, role=ThirdPartyMembership.Role.AGENT))

    page = client.get("/reports/smt-api/")
    refused = client.post("/reports/smt-api/", {"create_user": "1", "email": "x@example.com"})

    assert page.status_code == 200
    assert who.service_id in page.content.decode()
    assert refused.status_code == 403
    assert not SmtApiUser.objects.filter(user__email="x@example.com").exists()


def test_a_disabled_api_users_token_stops_at_once(client, api_client):
    who = company()
    place = shared_home(who)
    token = api_client.post("/v2/token/", {"username": who.api_user.email, "password": PASSWORD}, format="json")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['accessToken']}")
    logged_in(client, third_party_user(who.third_party))
    api_user = SmtApiUser.objects.get(user=who.api_user)

    client.post(f"/reports/smt-api/users/{api_user.pk}/active/", {"active": "0"})
    answer = api_client.post("/v2/meterInfo/", who.ids(ESIIDMeterList=[{"esiid": place.premise.esiid}]), format="json")

    assert answer.status_code == 401


def test_another_companys_api_user_cannot_be_disabled(client):
    who = company()
    logged_in(client, third_party_user(company(2).third_party))
    api_user = SmtApiUser.objects.get(user=who.api_user)

    answer = client.post(f"/reports/smt-api/users/{api_user.pk}/active/", {"active": "0"})

    assert answer.status_code == 404
    who.api_user.refresh_from_db()
    assert who.api_user.is_active


def test_the_delivery_page_names_files_with_the_duns_of_the_smt_settings(client):
    third_party = ThirdPartyFactory()
    logged_in(client, third_party_user(third_party))
    before = client.get("/reports/delivery/").content.decode()

    client.post("/reports/smt-api/", {"save_settings": "1", "service_id": "SVC42", "duns": "123456789"})
    after = client.get("/reports/delivery/").content.decode()

    assert "carry no DUNS" in before
    assert re.search(r'id="file-duns">Encrypted files are named with your DUNS <span class="mono">123456789<', after)
