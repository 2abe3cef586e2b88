"""Each role logs in through the real login page in a real browser and lands where it works."""

import pytest

from tests.factories import PASSWORD, CustomerFactory, OccupancyFactory, StaffFactory, third_party_user

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, email):
    page.goto("/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form [type=submit]")


def test_customer_logs_in_and_sees_their_premise(page):
    occupancy = OccupancyFactory(customer=CustomerFactory(email="dana@example.test"))
    _log_in(page, "dana@example.test")
    page.wait_for_url("**/dashboard/")
    assert occupancy.premise.esiid in page.content()


def test_third_party_user_lands_on_the_company_dashboard(page):
    user = third_party_user()
    _log_in(page, user.email)
    page.wait_for_url("**/third-party/dashboard/")
    assert user.third_party.name in page.content()


def test_staff_lands_on_the_admin_site(page):
    staff = StaffFactory()
    _log_in(page, staff.email)
    page.wait_for_url("**/admin/")
    assert "Site administration" in page.content()


def test_wrong_password_keeps_the_visitor_on_the_login_page(page):
    CustomerFactory(email="erin@example.test")
    page.goto("/login/")
    page.fill("input[name=username]", "erin@example.test")
    page.fill("input[name=password]", "not-the-password")
    page.click("form [type=submit]")
    assert "/login/" in page.url
    assert page.locator(".errorlist, .form-error, .errors").count() > 0
