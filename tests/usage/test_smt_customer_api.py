"""The Smart Meter Texas customer API: logging in, tokens (idle expiry, revocation, no reach beyond
this API), the brute-force lock, meters, on-demand reads; who may see what. Interval data: see
test_smt_intervals; the real `smart-meter-texas` client: test_smt_client."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken

from portal import smt_tokens
from tests.factories import PASSWORD, CustomerFactory, MeterFactory, StaffFactory, third_party_user
from tests.usage.smt_support import home

pytestmark = pytest.mark.django_db


def post(path: str, body: dict, token: str | None = None, address: str = "203.0.113.7", **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    client = Client(enforce_csrf_checks=True)  # as a home tool: no cookie, no CSRF token
    return client.post(path, body, content_type="application/json", REMOTE_ADDR=address, **headers, **extra)


def log_in(email: str, password: str = PASSWORD, address: str = "203.0.113.7"):
    return post(
        "/commonapi/user/authenticate", {"username": email, "password": password, "rememberMe": "true"}, address=address
    )


def token_of(customer) -> str:
    response = log_in(customer.email)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def later(monkeypatch, start, **delta):
    """Move the token service's clock to `start` + `delta`, as if the home tool had stayed quiet."""
    moment = start + timedelta(**delta)
    monkeypatch.setattr(smt_tokens.timezone, "now", lambda: moment)


# --- Logging in ---------------------------------------------------------------------------------


def test_the_portal_email_and_password_give_a_token_that_opens_the_api():
    place = home()

    response = log_in(place.customer.email.upper())

    assert response.status_code == 200
    meters = post("/api/meter", {"esiid": "*"}, response.json()["token"])
    assert meters.status_code == 200


def test_a_wrong_password_and_an_unknown_email_get_the_same_400():
    customer = CustomerFactory()

    wrong_password = log_in(customer.email, "not-the-password")
    unknown_email = log_in("nobody@example.test")

    assert wrong_password.status_code == unknown_email.status_code == 400
    assert wrong_password.json() == unknown_email.json()
    assert wrong_password.json()["error"]["code"] == "invalid_credentials"


def test_a_missing_password_is_a_400_naming_the_field():
    response = post("/commonapi/user/authenticate", {"username": "someone@example.test"})

    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]


@pytest.mark.parametrize("make_user", [StaffFactory, third_party_user], ids=["staff", "third_party"])
def test_staff_and_third_party_users_get_no_token(make_user):
    response = log_in(make_user().email)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert not AccessToken.objects.exists()


def test_repeated_failures_lock_the_account_even_for_the_right_password(settings):
    settings.LOGIN_LOCK_MAX_FAILURES = 3
    customer = CustomerFactory()
    for attempt in range(3):
        assert log_in(customer.email, f"guess-{attempt}", address=f"198.51.100.{attempt}").status_code == 400

    response = log_in(customer.email)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "locked"
    assert not AccessToken.objects.exists()


def test_repeated_failures_from_one_address_lock_it_for_every_account(settings):
    settings.LOGIN_LOCK_MAX_FAILURES_PER_IP = 3
    customer = CustomerFactory()
    for attempt in range(3):
        log_in(f"stranger{attempt}@example.test", "guess", address="192.0.2.50")

    from_there = log_in(customer.email, address="192.0.2.50")
    from_elsewhere = log_in(customer.email, address="192.0.2.51")

    assert from_there.status_code == 403
    assert from_elsewhere.status_code == 200


def test_a_successful_login_clears_the_accounts_failures(settings):
    settings.LOGIN_LOCK_MAX_FAILURES = 3
    customer = CustomerFactory()
    log_in(customer.email, "guess-1")
    log_in(customer.email, "guess-2")
    assert log_in(customer.email).status_code == 200

    log_in(customer.email, "guess-3")
    log_in(customer.email, "guess-4")

    assert log_in(customer.email).status_code == 200


# --- Tokens ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic dXNlcjpwYXNz"])
def test_a_call_without_a_valid_token_gets_401_invalid_token(authorization):
    extra = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = Client().post("/api/meter", {"esiid": "*"}, content_type="application/json", **extra)

    assert response.status_code == 401
    assert response.json() == {"message": "Invalid Token"}


def test_a_token_lapses_after_15_minutes_without_use(monkeypatch):
    start = timezone.now()
    token = token_of(home().customer)
    later(monkeypatch, start, minutes=15, seconds=1)

    response = post("/api/meter", {"esiid": "*"}, token)

    assert response.status_code == 401
    assert response.json() == {"message": "Invalid Token"}


def test_each_use_moves_the_expiry_on(monkeypatch):
    start = timezone.now()
    token = token_of(home().customer)
    later(monkeypatch, start, minutes=10)
    assert post("/api/meter", {"esiid": "*"}, token).status_code == 200

    later(monkeypatch, start, minutes=24)  # 14 minutes after the last use
    assert post("/api/meter", {"esiid": "*"}, token).status_code == 200

    later(monkeypatch, start, minutes=40)  # 16 minutes after the last use
    assert post("/api/meter", {"esiid": "*"}, token).status_code == 401


def test_tokens_are_stored_hashed():
    token = token_of(home().customer)

    stored = AccessToken.objects.get()
    assert token not in (stored.token, stored.token_checksum)


def test_signing_home_tools_out_on_the_dashboard_revokes_every_token():
    place = home()
    tokens = [token_of(place.customer), token_of(place.customer)]
    other_token = token_of(home().customer)
    browser = Client()
    browser.force_login(place.customer)
    assert "2 home tools signed in now" in browser.get("/dashboard/").content.decode()

    response = browser.post("/dashboard/home-tools/sign-out/", follow=True)

    assert "Signed out 2 home tools." in response.content.decode()
    assert [post("/api/meter", {"esiid": "*"}, token).status_code for token in tokens] == [401, 401]
    assert post("/api/meter", {"esiid": "*"}, other_token).status_code == 200


def test_a_deactivated_account_loses_its_tokens_at_once():
    place = home()
    token = token_of(place.customer)
    place.customer.is_active = False
    place.customer.save()

    assert post("/api/meter", {"esiid": "*"}, token).status_code == 401


def test_the_token_opens_nothing_on_the_v1_api(client):
    token = token_of(home().customer)

    response = client.get("/api/v1/provisioning/premises/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code in (401, 403)


# --- Meters ---------------------------------------------------------------------------------------


def test_meter_lists_every_premise_the_customer_lives_at_now():
    place = home(service_address="12 Elm St", city="Austin", postal_code="78701")
    second = home(customer=place.customer)
    home(customer=place.customer).premise.occupancies.update(move_out="2025-01-31")  # moved out
    home()  # a neighbour

    response = post("/api/meter", {"esiid": "*"}, token_of(place.customer))

    data = response.json()["data"]
    assert sorted(entry["esiid"] for entry in data) == sorted([place.premise.esiid, second.premise.esiid])
    first = next(entry for entry in data if entry["esiid"] == place.premise.esiid)
    assert first["meterNumber"] == place.meter.meter_number
    assert first["address"] == "12 Elm St"
    assert first["zip"] == "78701"


def test_meter_names_a_removed_meter_never():
    place = home()
    place.meter.removed_on = "2025-06-01"
    place.meter.save()
    new_meter = MeterFactory(premise=place.premise, installed_on="2025-06-01")

    response = post("/api/meter", {"esiid": place.premise.esiid}, token_of(place.customer))

    assert [entry["meterNumber"] for entry in response.json()["data"]] == [new_meter.meter_number]


@pytest.mark.parametrize("whose", ["neighbour", "unknown", "moved_out"])
def test_an_esiid_not_lived_at_now_is_refused_with_one_answer(whose):
    place = home()
    esiid = {
        "neighbour": lambda: home().premise.esiid,
        "unknown": lambda: "10443720999999999",
        "moved_out": lambda: _moved_out_esiid(place.customer),
    }[whose]()

    response = post("/api/meter", {"esiid": esiid}, token_of(place.customer))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_your_premise"


def _moved_out_esiid(customer) -> str:
    past = home(customer=customer)
    past.premise.occupancies.update(move_out="2025-01-31")
    return past.premise.esiid


# --- The endpoints as SMT has them ---------------------------------------------------------------


def test_a_trailing_slash_is_not_the_smt_path():
    token = token_of(home().customer)

    assert post("/api/meter/", {"esiid": "*"}, token).status_code == 404


def test_the_api_answers_json_only():
    token = token_of(home().customer)

    response = Client().post(
        "/api/meter", "esiid=*", content_type="application/x-www-form-urlencoded", HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    assert response.status_code == 415
