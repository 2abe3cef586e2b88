"""My energy contract: a customer enters, changes and ends the tariff of a home they live at."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import PremiseFactory, customer_at, third_party_user
from tests.usage.tariff_factories import TariffFactory, label_partner_tariff, weekday_afternoon_peak
from usage.models import Tariff

pytestmark = pytest.mark.django_db
OVERVIEW = reverse("usage:contract")


def contract_form(**fields) -> dict:
    return {
        "name": "Green Power 12",
        "valid_from": "2025-07-01",
        "valid_to": "",
        "currency": "usd",
        "offtake_peak": "0.21",
        "offtake_off_peak": "0.11",
        "injection_peak": "0.05",
        "injection_off_peak": "",
        "peak_choice": "none",
        "peak_start": "14:00:00",
        "peak_end": "20:00:00",
        "peak_weekdays_only": "on",
        **fields,
    }


@pytest.fixture
def home(client):
    premise = PremiseFactory()
    client.force_login(customer_at(premise))
    return premise


def test_the_overview_shows_the_tariff_in_force_and_the_estimate_note(client, home):
    label_partner_tariff(home.label_partner, name="Brand standard", valid_from=date(2020, 1, 1))

    response = client.get(OVERVIEW)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Brand standard" in page
    assert "not a bill" in page
    assert reverse("usage:contract-create", args=[home.esiid]) in page


def test_a_customer_enters_a_contract_with_one_price_all_day(client, home):
    response = client.post(reverse("usage:contract-create", args=[home.esiid]), contract_form())

    assert response.status_code == 302
    tariff = Tariff.objects.get()
    assert (tariff.premise, tariff.source, tariff.currency, tariff.tou_map) == (home, "customer", "USD", None)
    assert (tariff.offtake_peak, tariff.injection_off_peak) == (Decimal("0.21"), Decimal(0))


def test_a_customer_picks_an_existing_tou_map(client, home):
    weekday_afternoon_peak(code="weekday-peak")

    client.post(reverse("usage:contract-create", args=[home.esiid]), contract_form(peak_choice="map:weekday-peak"))

    assert Tariff.objects.get().tou_map.code == "weekday-peak"


def test_own_peak_hours_make_one_shared_map(client, home):
    url = reverse("usage:contract-create", args=[home.esiid])
    form = contract_form(peak_choice="hours", peak_start="16:00:00", peak_end="21:00:00")

    client.post(url, form)
    client.post(url, {**form, "valid_from": "2025-09-01"})

    maps = {tariff.tou_map for tariff in Tariff.objects.all()}
    assert len(maps) == 1
    (tou_map,) = maps
    rule = tou_map.rules.get()
    assert (rule.weekdays, rule.start_time, rule.end_time) == ("12345", time(16), time(21))


def test_bad_input_shows_form_errors_and_saves_nothing(client, home):
    response = client.post(
        reverse("usage:contract-create", args=[home.esiid]),
        contract_form(offtake_peak="-1", valid_to="2025-06-01", peak_choice="hours", peak_start="20:00:00"),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "offtake_peak" in errors
    assert "peak_end" in errors
    assert not Tariff.objects.exists()


def test_an_end_before_the_start_is_a_form_error_from_the_service(client, home):
    response = client.post(reverse("usage:contract-create", args=[home.esiid]), contract_form(valid_to="2025-06-01"))

    assert response.status_code == 200
    assert "valid_to" in response.context["form"].errors
    assert not Tariff.objects.exists()


def test_an_overlap_with_the_suppliers_tariff_is_a_form_error_naming_it(client, home):
    TariffFactory(premise=home, source=Tariff.Source.FILE, valid_from=date(2025, 8, 1), external_id="SUP-9")

    response = client.post(reverse("usage:contract-create", args=[home.esiid]), contract_form())

    assert response.status_code == 200
    assert "'SUP-9' valid from 2025-08-01" in " ".join(response.context["form"].non_field_errors())
    assert Tariff.objects.count() == 1


def test_a_customer_changes_and_ends_their_contract(client, home):
    client.post(reverse("usage:contract-create", args=[home.esiid]), contract_form())
    tariff = Tariff.objects.get()

    edit_page = client.get(reverse("usage:contract-edit", args=[tariff.pk]))
    client.post(reverse("usage:contract-edit", args=[tariff.pk]), contract_form(offtake_peak="0.25"))
    ended = client.post(reverse("usage:contract-end", args=[tariff.pk]), {"valid_to": "2025-12-31"})

    tariff.refresh_from_db()
    assert edit_page.context["form"].initial["offtake_peak"] == Decimal("0.21")
    assert (tariff.offtake_peak, tariff.valid_to) == (Decimal("0.25"), date(2025, 12, 31))
    assert ended.status_code == 302


def test_a_customer_cannot_enter_change_or_end_the_contract_of_another_home(client):
    other = PremiseFactory()
    owner = customer_at(other)
    client.force_login(owner)
    client.post(reverse("usage:contract-create", args=[other.esiid]), contract_form())
    tariff = Tariff.objects.get()
    client.force_login(customer_at())

    create = client.post(reverse("usage:contract-create", args=[other.esiid]), contract_form(valid_from="2025-09-01"))
    edit = client.post(reverse("usage:contract-edit", args=[tariff.pk]), contract_form(offtake_peak="9"))
    end = client.post(reverse("usage:contract-end", args=[tariff.pk]), {"valid_to": "2025-07-31"})

    assert create.status_code == edit.status_code == end.status_code == 404
    tariff.refresh_from_db()
    assert (Tariff.objects.count(), tariff.offtake_peak, tariff.valid_to) == (1, Decimal("0.21"), None)


def test_the_suppliers_tariff_cannot_be_edited_as_the_customers_own(client, home):
    supplier = TariffFactory(premise=home, source=Tariff.Source.API)

    response = client.get(reverse("usage:contract-edit", args=[supplier.pk]))

    assert response.status_code == 404


def test_a_customer_who_moved_out_can_no_longer_enter_a_contract(client):
    premise = PremiseFactory()
    client.force_login(customer_at(premise, move_out=date(2025, 1, 31)))

    response = client.get(reverse("usage:contract-create", args=[premise.esiid]))

    assert response.status_code == 404


def test_third_parties_and_anonymous_visitors_are_kept_out(client):
    anonymous = client.get(OVERVIEW)
    client.force_login(third_party_user())
    third_party = client.get(OVERVIEW)

    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert third_party.status_code == 403


def test_the_dashboard_and_the_navigation_link_to_the_contract_page(client, home):
    response = client.get(reverse("customer-dashboard"))

    assert response.content.decode().count(f'href="{OVERVIEW}"') == 2
