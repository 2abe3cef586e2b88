"""The tariff admin keeps the tariff rules: staff cannot save an overlapping or negative tariff."""

from datetime import date

import pytest
from django.urls import reverse

from tests.factories import PremiseFactory, StaffFactory
from tests.usage.tariff_factories import TariffFactory
from usage.models import Tariff

pytestmark = pytest.mark.django_db


def admin_form(premise, **fields) -> dict:
    return {
        "external_id": "",
        "premise": premise.pk,
        "label_partner": "",
        "source": "admin",
        "name": "",
        "currency": "USD",
        "offtake_peak": "0.20",
        "offtake_off_peak": "0.10",
        "injection_peak": "0",
        "injection_off_peak": "0",
        "tou_map": "",
        "valid_from": "2025-07-01",
        "valid_to": "",
        **fields,
    }


def test_staff_add_a_tariff_through_the_admin(client):
    client.force_login(StaffFactory())
    premise = PremiseFactory()

    response = client.post(reverse("admin:usage_tariff_add"), admin_form(premise))

    assert response.status_code == 302
    assert Tariff.objects.get().source == "admin"


def test_the_admin_refuses_an_overlap_and_a_negative_price(client):
    client.force_login(StaffFactory())
    premise = PremiseFactory()
    TariffFactory(premise=premise, valid_from=date(2025, 1, 1), external_id="OPEN")

    overlap = client.post(reverse("admin:usage_tariff_add"), admin_form(premise))
    negative = client.post(reverse("admin:usage_tariff_add"), admin_form(PremiseFactory(), offtake_peak="-0.1"))

    assert overlap.status_code == negative.status_code == 200
    assert "'OPEN'" in " ".join(overlap.context["adminform"].form.non_field_errors())
    assert "offtake_peak" in negative.context["adminform"].form.errors
    assert Tariff.objects.count() == 1


def test_the_tariff_list_shows_holders_without_a_query_per_row(client, django_assert_max_num_queries):
    client.force_login(StaffFactory())
    TariffFactory.create_batch(5)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:usage_tariff_changelist"))

    assert response.status_code == 200
