"""Green Button Download My Data: a customer downloads the XML file of a premise they live at for a
chosen period, only for the time they lived there; the dashboard links to it."""

from datetime import date, timedelta

import pytest
from django.test import Client

from tests.factories import PASSWORD, OccupancyFactory, PremiseFactory, customer_at

from .greenbutton_support import FALL_BACK, SPRING_FORWARD, load_days, parsed, readings_of

pytestmark = pytest.mark.django_db


def _browser(customer) -> Client:
    browser = Client()
    assert browser.login(email=customer.email, password=PASSWORD)
    return browser


def _download(browser, esiid: str, first: date, last: date):
    return browser.get(f"/usage/{esiid}/green-button/", {"start_date": first.isoformat(), "end_date": last.isoformat()})


def test_the_customer_downloads_a_period_as_a_green_button_file_dst_days_included():
    customer = customer_at()
    premise = customer.occupancies.get().premise
    load_days(premise, SPRING_FORWARD, 1, generation=True)
    load_days(premise, FALL_BACK, 1)

    response = _download(_browser(customer), premise.esiid, SPRING_FORWARD, FALL_BACK)

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="GreenButton_{premise.esiid}_20250309-20251102.xml"'
    )
    (usage_point,) = parsed(b"".join(response.streaming_content))
    readings = readings_of(usage_point)
    assert len(readings["forward"]) == 92 + 100
    assert len(readings["reverse"]) == 92


def test_the_form_shows_with_the_last_30_days_chosen():
    customer = customer_at()
    premise = customer.occupancies.get().premise

    response = _browser(customer).get(f"/usage/{premise.esiid}/green-button/")

    assert response.status_code == 200
    assert b"Download Green Button data" in response.content
    assert (response.context["form"].initial["end_date"] - response.context["form"].initial["start_date"]).days == 30


def test_the_dashboard_links_to_the_download():
    customer = customer_at()
    premise = customer.occupancies.get().premise

    response = _browser(customer).get("/", follow=True)

    assert f"/usage/{premise.esiid}/green-button/".encode() in response.content


def test_the_usage_page_links_to_the_download():
    customer = customer_at()
    premise = customer.occupancies.get().premise

    response = _browser(customer).get(f"/usage/{premise.esiid}/")

    assert response.status_code == 200
    assert f"/usage/{premise.esiid}/green-button/".encode() in response.content


def test_the_time_before_moving_in_is_left_out():
    customer = customer_at(move_in=date(2025, 11, 2))
    premise = customer.occupancies.get().premise
    load_days(premise, date(2025, 11, 1), 2)

    response = _download(_browser(customer), premise.esiid, date(2025, 11, 1), date(2025, 11, 2))

    (usage_point,) = parsed(b"".join(response.streaming_content))
    assert len(readings_of(usage_point)["forward"]) == 100  # 2 November only


def test_a_period_before_the_customer_lived_there_is_refused_with_a_form_error():
    customer = customer_at(move_in=date(2025, 11, 2))
    premise = customer.occupancies.get().premise

    response = _download(_browser(customer), premise.esiid, date(2025, 10, 1), date(2025, 10, 31))

    assert response.status_code == 400
    assert "You did not live at this premise during that period." in response.context["form"].errors["start_date"]


def test_another_customers_premise_is_not_found():
    customer = customer_at()
    other = OccupancyFactory().premise
    load_days(other, FALL_BACK, 1)

    assert _download(_browser(customer), other.esiid, FALL_BACK, FALL_BACK).status_code == 404
    assert _download(_browser(customer), PremiseFactory().esiid, FALL_BACK, FALL_BACK).status_code == 404


def test_a_previous_tenant_cannot_download_the_new_tenants_time():
    previous = customer_at(move_in=date(2024, 1, 1), move_out=date(2025, 6, 1))
    premise = previous.occupancies.get().premise
    OccupancyFactory(premise=premise, move_in=date(2025, 6, 1))
    load_days(premise, FALL_BACK, 1)

    response = _download(_browser(previous), premise.esiid, FALL_BACK, FALL_BACK)

    assert response.status_code == 400


def test_bad_dates_and_too_long_periods_are_form_errors():
    customer = customer_at()
    premise = customer.occupancies.get().premise
    browser = _browser(customer)

    backwards = _download(browser, premise.esiid, FALL_BACK, FALL_BACK - timedelta(days=1))
    too_long = _download(browser, premise.esiid, FALL_BACK - timedelta(days=400), FALL_BACK)
    not_a_date = browser.get(f"/usage/{premise.esiid}/green-button/", {"start_date": "soon", "end_date": "later"})

    assert backwards.status_code == too_long.status_code == not_a_date.status_code == 400
    assert too_long.context["form"].errors["end_date"] == ["At most 400 days at a time."]


def test_logged_out_visitors_are_sent_to_log_in():
    premise = customer_at().occupancies.get().premise

    response = Client().get(f"/usage/{premise.esiid}/green-button/")

    assert response.status_code == 302
    assert "/login" in response["Location"]
