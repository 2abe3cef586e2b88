"""A customer downloads their Green Button file from the dashboard in a real browser."""

from pathlib import Path

import pytest

from tests.factories import PASSWORD, CustomerFactory, OccupancyFactory
from tests.usage.greenbutton_support import FALL_BACK, load_days, parsed, readings_of

pytestmark = pytest.mark.django_db(transaction=True)


def test_customer_downloads_green_button_data_from_the_dashboard(page):
    occupancy = OccupancyFactory(customer=CustomerFactory(email="gabe@example.test"))
    load_days(occupancy.premise, FALL_BACK, 1)
    page.goto("/")
    page.fill("input[name=username]", "gabe@example.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_url("**/dashboard/")

    page.click("text=Download Green Button data")
    page.fill("input[name=start_date]", FALL_BACK.isoformat())
    page.fill("input[name=end_date]", FALL_BACK.isoformat())
    with page.expect_download() as download:
        page.click("form.card [type=submit]")

    assert download.value.suggested_filename == f"GreenButton_{occupancy.premise.esiid}_20251102-20251102.xml"
    (usage_point,) = parsed(Path(download.value.path()).read_bytes())
    assert len(readings_of(usage_point)["forward"]) == 100
