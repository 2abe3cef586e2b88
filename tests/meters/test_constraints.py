"""The database itself refuses what must never be stored, whatever code path writes it."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from meters.models import InHomeDevice, Meter, Occupancy, Premise
from tests.factories import CustomerFactory, InHomeDeviceFactory, MeterFactory, OccupancyFactory, PremiseFactory

pytestmark = pytest.mark.django_db


def _refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_an_esiid_belongs_to_one_premise():
    premise = PremiseFactory()
    _refused(lambda: PremiseFactory(esiid=premise.esiid))


def test_the_database_refuses_a_malformed_esiid():
    _refused(lambda: Premise.objects.create(esiid="12345", service_address="1 Main St", postal_code="78701"))


def test_a_premise_has_one_open_occupancy():
    occupancy = OccupancyFactory()
    _refused(lambda: OccupancyFactory(premise=occupancy.premise))


def test_a_premise_may_have_many_past_occupancies():
    premise = PremiseFactory()
    OccupancyFactory(premise=premise, move_in=date(2020, 1, 1), move_out=date(2021, 1, 1))
    OccupancyFactory(premise=premise, move_in=date(2021, 1, 2), move_out=date(2022, 1, 1))
    OccupancyFactory(premise=premise, move_in=date(2022, 1, 2))
    assert Occupancy.objects.filter(premise=premise).count() == 3


def test_move_out_cannot_precede_move_in():
    _refused(lambda: OccupancyFactory(move_in=date(2024, 5, 1), move_out=date(2024, 4, 30)))


def test_a_meter_number_is_unique():
    meter = MeterFactory()
    _refused(lambda: MeterFactory(meter_number=meter.meter_number))


def test_a_meter_cannot_be_removed_before_it_was_installed():
    _refused(lambda: MeterFactory(installed_on=date(2024, 1, 1), removed_on=date(2023, 12, 31)))
    assert not Meter.objects.exists()


def test_a_live_device_mac_is_on_one_han_only():
    device = InHomeDeviceFactory(status=InHomeDevice.Status.JOINED)
    _refused(lambda: InHomeDeviceFactory(mac=device.mac))


def test_a_removed_device_can_join_again_elsewhere():
    device = InHomeDeviceFactory(status=InHomeDevice.Status.REMOVED)
    again = InHomeDeviceFactory(mac=device.mac)
    assert again.status == InHomeDevice.Status.PENDING


def test_user_emails_are_unique_whatever_their_case():
    CustomerFactory(email="ann@example.test")
    _refused(lambda: CustomerFactory(email="Ann@Example.test"))


def test_one_rating_per_customer_and_third_party():
    from tests.factories import ThirdPartyRatingFactory

    rating = ThirdPartyRatingFactory()
    _refused(lambda: ThirdPartyRatingFactory(customer=rating.customer, third_party=rating.third_party))


def test_a_rating_is_one_to_five_stars():
    from tests.factories import ThirdPartyRatingFactory

    _refused(lambda: ThirdPartyRatingFactory(stars=6))
    _refused(lambda: ThirdPartyRatingFactory(stars=0))
