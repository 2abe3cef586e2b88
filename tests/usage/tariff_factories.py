"""Factories for tariffs and TOU maps (kept beside the usage tests that use them)."""

from datetime import date, time
from decimal import Decimal

import factory

from tests.factories import LabelPartnerFactory, PremiseFactory
from usage.models import Tariff, TouMap, TouRule


class TouMapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TouMap

    code = factory.Sequence(lambda n: f"tou-{n}")
    name = factory.Sequence(lambda n: f"TOU map {n}")


class TouRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TouRule

    tou_map = factory.SubFactory(TouMapFactory)
    period = "peak"
    weekdays = "12345"
    start_time = time(14, 0)
    end_time = time(20, 0)


def weekday_afternoon_peak(**fields) -> TouMap:
    """The demo's map: weekdays 14:00-20:00 peak, everything else off-peak."""
    tou_map = TouMapFactory(**fields)
    TouRuleFactory(tou_map=tou_map)
    return tou_map


class TariffFactory(factory.django.DjangoModelFactory):
    """A premise's own tariff; pass `premise=None, label_partner=...` for a label partner's."""

    class Meta:
        model = Tariff

    premise = factory.SubFactory(PremiseFactory)
    label_partner = None
    offtake_peak = Decimal("0.30000")
    offtake_off_peak = Decimal("0.10000")
    injection_peak = Decimal("0.08000")
    injection_off_peak = Decimal("0.04000")
    valid_from = date(2025, 1, 1)


def label_partner_tariff(label_partner=None, **fields) -> Tariff:
    return TariffFactory(premise=None, label_partner=label_partner or LabelPartnerFactory(), **fields)
