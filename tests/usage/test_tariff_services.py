"""Tariff and TOU-map rules: validation, one holder, no overlap (a new tariff supersedes the one in force)."""

from datetime import date, time
from decimal import Decimal

import pytest

from tests.factories import LabelPartnerFactory, PremiseFactory, customer_at
from tests.usage.tariff_factories import TariffFactory, TouMapFactory, weekday_afternoon_peak
from usage.models import Tariff
from usage.services import UsageError
from usage.services.tariffs import (
    RuleInput,
    create_tariff,
    create_tou_map,
    end_customer_tariff,
    end_tariff,
    save_customer_tariff,
    update_tariff,
    update_tou_map,
)

pytestmark = pytest.mark.django_db

PRICES = {"offtake_peak": "0.25", "offtake_off_peak": "0.11", "injection_peak": "0.05", "injection_off_peak": "0.03"}


def test_a_tariff_is_created_for_a_premise_with_exact_prices():
    premise = PremiseFactory()

    tariff = create_tariff(premise=premise, valid_from=date(2025, 7, 1), currency="eur", **PRICES)

    tariff.refresh_from_db()
    assert tariff.offtake_peak == Decimal("0.25000")
    assert tariff.currency == "EUR"
    assert tariff.source == Tariff.Source.API


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"offtake_peak": "-0.01"}, "offtake_peak"),
        ({"injection_off_peak": "abc"}, "injection_off_peak"),
        ({"offtake_off_peak": "0.123456"}, "offtake_off_peak"),
        ({"currency": "DOLLAR"}, "currency"),
        ({"valid_to": date(2025, 6, 30)}, "valid_to"),
    ],
)
def test_bad_prices_currency_or_dates_are_refused_by_field(change, field):
    with pytest.raises(UsageError) as refused:
        create_tariff(premise=PremiseFactory(), valid_from=date(2025, 7, 1), **{**PRICES, **change})

    assert field in refused.value.fields
    assert not Tariff.objects.exists()


def test_a_tariff_needs_exactly_one_holder():
    for holders in ({}, {"premise": PremiseFactory(), "label_partner": LabelPartnerFactory()}):
        with pytest.raises(UsageError, match="premise or to a label partner"):
            create_tariff(valid_from=date(2025, 7, 1), **holders, **PRICES)


def test_a_new_tariff_ends_the_one_in_force_the_day_before():
    partner = LabelPartnerFactory()
    old = create_tariff(label_partner=partner, valid_from=date(2025, 1, 1), **PRICES)

    new = create_tariff(label_partner=partner, valid_from=date(2025, 7, 1), **{**PRICES, "offtake_peak": "0.30"})

    old.refresh_from_db()
    assert old.valid_to == date(2025, 6, 30)
    assert new.valid_to is None


def test_a_new_tariff_reaching_over_a_later_one_is_refused_with_409():
    premise = PremiseFactory()
    later = TariffFactory(premise=premise, valid_from=date(2025, 7, 1), external_id="LATER")

    with pytest.raises(UsageError, match="'LATER' valid from 2025-07-01") as refused:
        create_tariff(premise=premise, valid_from=date(2025, 6, 1), **PRICES)

    assert refused.value.status_code == 409
    assert list(Tariff.objects.all()) == [later]


def test_tariffs_of_other_holders_never_interfere():
    premise = PremiseFactory()
    TariffFactory(premise=PremiseFactory(label_partner=premise.label_partner), valid_from=date(2025, 1, 1))
    TariffFactory(premise=None, label_partner=premise.label_partner, valid_from=date(2025, 1, 1))

    create_tariff(premise=premise, valid_from=date(2025, 1, 1), **PRICES)

    assert Tariff.objects.filter(valid_to__isnull=True).count() == 3


def test_an_update_into_another_tariffs_days_is_refused():
    premise = PremiseFactory()
    first = TariffFactory(premise=premise, valid_from=date(2025, 1, 1), valid_to=date(2025, 6, 30))
    TariffFactory(premise=premise, valid_from=date(2025, 7, 1))

    with pytest.raises(UsageError) as refused:
        update_tariff(tariff=first, valid_to=date(2025, 7, 15))

    assert refused.value.code == "overlap"
    first.refresh_from_db()
    assert first.valid_to == date(2025, 6, 30)


def test_ending_a_tariff_twice_on_the_same_day_changes_nothing_more():
    tariff = TariffFactory(valid_from=date(2025, 1, 1))

    end_tariff(tariff=tariff, valid_to=date(2025, 3, 31))
    end_tariff(tariff=tariff, valid_to=date(2025, 3, 31))

    tariff.refresh_from_db()
    assert tariff.valid_to == date(2025, 3, 31)


def test_ending_before_the_first_day_is_refused():
    tariff = TariffFactory(valid_from=date(2025, 1, 1))

    with pytest.raises(UsageError) as refused:
        end_tariff(tariff=tariff, valid_to=date(2024, 12, 31))

    assert refused.value.code == "valid_to_before_valid_from"


def test_an_external_id_is_unique_and_refused_with_409():
    TariffFactory(external_id="T-1")

    with pytest.raises(UsageError) as refused:
        create_tariff(premise=PremiseFactory(), valid_from=date(2025, 1, 1), external_id="T-1", **PRICES)

    assert refused.value.status_code == 409


def test_a_customers_entry_supersedes_their_own_tariff_but_never_the_suppliers():
    premise = PremiseFactory()
    customer = customer_at(premise)
    own = save_customer_tariff(by=customer, premise=premise, valid_from=date(2025, 1, 1), **PRICES)
    replaced = save_customer_tariff(by=customer, premise=premise, valid_from=date(2025, 5, 1), **PRICES)
    TariffFactory(premise=premise, source=Tariff.Source.FILE, valid_from=date(2025, 8, 1))

    with pytest.raises(UsageError) as refused:
        save_customer_tariff(by=customer, premise=premise, valid_from=date(2025, 9, 1), **PRICES)

    own.refresh_from_db()
    assert own.valid_to == date(2025, 4, 30)
    assert refused.value.code == "overlap"
    assert replaced.pk != own.pk


def test_a_customer_cannot_touch_another_premises_tariff():
    premise = PremiseFactory()
    owner = customer_at(premise)
    tariff = save_customer_tariff(by=owner, premise=premise, valid_from=date(2025, 1, 1), **PRICES)
    stranger = customer_at()

    with pytest.raises(UsageError) as on_create:
        save_customer_tariff(by=stranger, premise=premise, valid_from=date(2025, 1, 1), **PRICES)
    with pytest.raises(UsageError) as on_end:
        end_customer_tariff(by=stranger, tariff=tariff, valid_to=date(2025, 1, 31))

    assert on_create.value.status_code == on_end.value.status_code == 404
    tariff.refresh_from_db()
    assert tariff.valid_to is None


def test_a_tou_map_is_created_with_rules_in_order():
    tou_map = create_tou_map(
        code="tx-summer",
        name="Texas summer",
        rules=[
            RuleInput(period="peak", weekdays="54321", months="6-9", start_time=time(14), end_time=time(20)),
            {"period": "shoulder", "start_time": time(7), "end_time": time(9)},
        ],
    )

    rules = list(tou_map.rules.order_by("position").values_list("position", "period", "weekdays", "months"))
    assert rules == [(1, "peak", "12345", "6-9"), (2, "shoulder", "12345", "")]


def test_bad_tou_rules_are_refused_with_their_number():
    with pytest.raises(UsageError) as refused:
        create_tou_map(
            code="bad",
            name="Bad",
            rules=[
                RuleInput(period="peak", start_time=time(14), end_time=time(20)),
                RuleInput(period="peak", weekdays="89", start_time=time(14), end_time=time(20)),
                RuleInput(period="peak", months="13", start_time=time(14), end_time=time(20)),
            ],
        )

    assert refused.value.fields["rules"][0].startswith("Rule 2:")
    assert refused.value.fields["rules"][1].startswith("Rule 3:")


def test_updating_a_tou_map_with_rules_replaces_them_all():
    tou_map = weekday_afternoon_peak()

    update_tou_map(
        tou_map=tou_map,
        time_zone="Europe/Brussels",
        rules=[RuleInput(period="peak", weekdays="1234567", start_time=time(17), end_time=time(21))],
    )

    tou_map.refresh_from_db()
    assert tou_map.time_zone == "Europe/Brussels"
    assert list(tou_map.rules.values_list("start_time", flat=True)) == [time(17)]


def test_a_tou_map_needs_a_real_time_zone_and_a_free_code():
    TouMapFactory(code="taken")

    with pytest.raises(UsageError) as bad_zone:
        create_tou_map(code="fresh", name="x", time_zone="Mars/Olympus", rules=[])
    with pytest.raises(UsageError) as taken:
        create_tou_map(code="taken", name="x", rules=[])

    assert "time_zone" in bad_zone.value.fields
    assert taken.value.status_code == 409
