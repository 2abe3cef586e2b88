"""A customer enters their energy contract in a real browser, with their own peak hours."""

from decimal import Decimal

import pytest

from tests.factories import PASSWORD, CustomerFactory, OccupancyFactory
from usage.models import Tariff

pytestmark = pytest.mark.django_db(transaction=True)


def test_customer_enters_an_energy_contract_with_own_peak_hours(page):
    occupancy = OccupancyFactory(customer=CustomerFactory(email="erin@example.test"))
    page.goto("/")
    page.fill("input[name=username]", "erin@example.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_url("**/dashboard/")

    page.get_by_role("link", name="My energy contract").last.click()
    page.click("text=Enter a new contract")
    page.fill("input[name=valid_from]", "2025-07-01")
    page.fill("input[name=offtake_peak]", "-0.2")
    page.fill("input[name=offtake_off_peak]", "0.11")
    page.check("input[name=peak_choice][value=hours]")
    page.select_option("select[name=peak_start]", label="16:00")
    page.select_option("select[name=peak_end]", label="21:00")
    page.click("form.card [type=submit]")
    assert page.locator(".has-error").count() == 1  # the negative price, and nothing saved
    page.fill("input[name=offtake_peak]", "0.24")
    page.click("form.card [type=submit]")
    page.wait_for_url("**/usage/contract/")

    assert "not a bill" in page.content()
    tariff = Tariff.objects.get()
    assert (tariff.premise_id, tariff.offtake_peak, tariff.tou_map.name) == (
        occupancy.premise_id,
        Decimal("0.24"),
        "Monday to Friday 16:00-21:00 peak",
    )
