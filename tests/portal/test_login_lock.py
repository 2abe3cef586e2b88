"""The brute-force lock on the portal's login page (shared with the Smart Meter Texas API's login)."""

import time

import pytest
from django.test import Client

from tests.factories import PASSWORD, CustomerFactory

pytestmark = pytest.mark.django_db


def log_in(email, password=PASSWORD, address="203.0.113.9"):
    return Client().post("/login/", {"username": email, "password": password}, REMOTE_ADDR=address)


def test_repeated_failures_lock_the_login_page_with_403_even_for_the_right_password(settings):
    settings.LOGIN_LOCK_MAX_FAILURES = 3
    customer = CustomerFactory()
    for attempt in range(3):
        assert log_in(customer.email, f"guess-{attempt}").status_code == 200  # the form again, with its error

    response = log_in(customer.email)

    assert response.status_code == 403
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_a_wrong_password_and_an_unknown_email_read_the_same_on_the_login_page():
    customer = CustomerFactory()

    wrong_password = log_in(customer.email, "not-the-password").context["form"].non_field_errors()
    unknown_email = log_in("nobody@example.test").context["form"].non_field_errors()

    assert wrong_password == unknown_email


def test_failures_on_the_smt_api_lock_the_login_page_too(settings):
    settings.LOGIN_LOCK_MAX_FAILURES = 2
    customer = CustomerFactory()
    for _ in range(2):
        Client().post(
            "/commonapi/user/authenticate",
            {"username": customer.email, "password": "guess"},
            content_type="application/json",
        )

    assert log_in(customer.email).status_code == 403


def test_the_lock_ends_with_its_window(settings):
    settings.LOGIN_LOCK_MAX_FAILURES = 1
    settings.LOGIN_LOCK_SECONDS = 1
    customer = CustomerFactory()
    log_in(customer.email, "guess")
    assert log_in(customer.email).status_code == 403

    time.sleep(1.2)

    assert log_in(customer.email).status_code == 302  # logged in, on to the dashboard
