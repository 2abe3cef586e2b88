"""Login by e-mail and password, the landing page by role, logout, the navigation by role."""

import pytest
from django.test import Client

from tests.factories import PASSWORD, CustomerFactory, StaffFactory, UserFactory, third_party_user

pytestmark = pytest.mark.django_db


def log_in(client, email, password=PASSWORD, next_url=None):
    data = {"username": email, "password": password}
    path = "/login/" if next_url is None else f"/login/?next={next_url}"
    if next_url is not None:
        data["next"] = next_url
    return client.post(path, data, follow=True)


def test_anonymous_visitor_of_home_goes_to_login(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/login/"


def test_customer_lands_on_the_customer_dashboard(client):
    customer = CustomerFactory()

    response = log_in(client, customer.email)

    assert response.redirect_chain == [("/", 302), ("/dashboard/", 302)]
    assert response.status_code == 200
    assert response.context["user"] == customer


def test_third_party_user_lands_on_the_third_party_dashboard(client):
    user = third_party_user()

    response = log_in(client, user.email)

    assert response.redirect_chain[-1] == ("/third-party/dashboard/", 302)
    assert response.status_code == 200


def test_staff_lands_on_the_admin(client):
    staff = StaffFactory()

    response = log_in(client, staff.email)

    assert response.redirect_chain[-1] == ("/admin/", 302)
    assert response.status_code == 200


def test_login_respects_a_safe_next(client):
    customer = CustomerFactory()

    response = log_in(client, customer.email, next_url="/third-parties/1/rate/")

    assert response.redirect_chain[0] == ("/third-parties/1/rate/", 302)


def test_login_ignores_an_unsafe_next(client):
    customer = CustomerFactory()

    response = log_in(client, customer.email, next_url="https://evil.example/")

    assert response.redirect_chain[0] == ("/", 302)


def test_email_is_matched_case_insensitively(client):
    customer = CustomerFactory(email="mixed@example.test")

    response = log_in(client, "Mixed@Example.TEST")

    assert response.context["user"] == customer


def test_wrong_password_shows_a_form_error(client):
    customer = CustomerFactory()

    response = log_in(client, customer.email, password="not-the-password")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert b"Please enter a correct" in response.content
    assert not response.context["user"].is_authenticated


def test_unconfirmed_registration_cannot_log_in(client):
    user = UserFactory(is_active=False)

    response = log_in(client, user.email)

    assert response.context["form"].non_field_errors()
    assert not response.context["user"].is_authenticated


def test_logout_is_a_post_and_ends_the_session(client):
    customer = CustomerFactory()
    client.force_login(customer)

    refused = client.get("/logout/")
    response = client.post("/logout/")

    assert refused.status_code == 405
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/dashboard/").status_code == 302


def test_navigation_offers_login_and_register_to_visitors(client):
    response = client.get("/login/")

    assert b'href="/login/"' in response.content
    assert b'href="/register/"' in response.content
    assert b'action="/logout/"' not in response.content


@pytest.mark.parametrize(
    ("make_user", "dashboard"),
    [(CustomerFactory, "/dashboard/"), (third_party_user, "/third-party/dashboard/")],
)
def test_navigation_offers_dashboard_and_logout_when_logged_in(make_user, dashboard):
    client = Client()
    client.force_login(make_user())

    response = client.get(dashboard)

    assert f'href="{dashboard}"'.encode() in response.content
    assert b'action="/logout/"' in response.content
    assert b'href="/register/"' not in response.content
