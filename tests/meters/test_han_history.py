"""History: a third party lists the adds, removals and failed requests on the devices of its device
agreements, made while the agreement was active, for up to 13 months; a customer lists those of
the premises they live or lived at, while they lived there."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from agreements import services as agreement_services
from meters import selectors
from meters.models import HanDeviceEvent
from tests.factories import HanDeviceEventFactory, OccupancyFactory, ThirdPartyFactory, third_party_user

from .han_support import committed, device_agreement, device_at, home

pytestmark = pytest.mark.django_db


def _at(event, moment):
    HanDeviceEvent.objects.filter(pk=event.pk).update(created_at=moment)
    event.refresh_from_db()
    return event


def test_a_third_party_sees_adds_removals_and_failures_on_its_devices():
    third_party = ThirdPartyFactory()
    device = device_at(home()[1])
    device_agreement(device, third_party, "in_home_device", starts_at=timezone.now() - timedelta(days=30))
    added = HanDeviceEventFactory(device=device, action="add", status="succeeded")
    failed_removal = HanDeviceEventFactory(device=device, action="remove", status="failed")
    HanDeviceEventFactory(device=device_at(home()[1]), action="add", status="failed")  # not its device

    assert set(selectors.history_for_third_party(third_party)) == {added, failed_removal}
    assert not selectors.history_for_third_party(ThirdPartyFactory()).exists()


def test_a_third_party_sees_no_request_made_before_its_agreement_started():
    third_party = ThirdPartyFactory()
    device = device_at(home()[1])
    before = _at(HanDeviceEventFactory(device=device, status="succeeded"), timezone.now() - timedelta(days=5))
    device_agreement(device, third_party)

    assert before not in selectors.history_for_third_party(third_party)


def test_a_third_party_sees_the_removal_that_ended_its_agreement_but_nothing_after():
    customer, premise = home()
    device = device_at(premise)
    third_party = ThirdPartyFactory()
    agreement = device_agreement(device, third_party, starts_at=timezone.now() - timedelta(days=30))

    with committed():
        agreement_services.remove_device(by=customer, device=device)
    later = HanDeviceEventFactory(device=device, action="add")
    _at(later, timezone.now() + timedelta(hours=1))

    agreement.refresh_from_db()
    assert agreement.status == "terminated"
    listed = list(selectors.history_for_third_party(third_party))
    assert [(event.action, event.status) for event in listed] == [("remove", "succeeded")]


def test_a_move_out_removal_is_in_the_history_of_the_third_party_whose_agreement_it_ended():
    customer, premise = home()
    device = device_at(premise, last_byte="EE")
    third_party = ThirdPartyFactory()
    device_agreement(device, third_party, starts_at=timezone.now() - timedelta(days=30))

    with committed():
        agreement_services.move_out(by=None, premise=premise, move_out=date.today())

    [removal] = selectors.history_for_third_party(third_party)
    assert (removal.action, removal.status, removal.reason) == ("remove", "failed", "move_out")


def test_history_is_filtered_by_date_action_status_and_device():
    third_party = ThirdPartyFactory()
    device, other = device_at(home()[1]), device_at(home()[1])
    long_ago = timezone.now() - timedelta(days=60)
    for covered in (device, other):
        device_agreement(covered, third_party, starts_at=long_ago)
    old_add = _at(HanDeviceEventFactory(device=device, status="succeeded"), timezone.now() - timedelta(days=40))
    failed_remove = HanDeviceEventFactory(device=device, action="remove", status="failed")
    other_add = HanDeviceEventFactory(device=other, status="timed_out")

    def listed(**filters):
        return set(selectors.history_for_third_party(third_party, **filters))

    assert listed(since=timezone.now() - timedelta(days=7)) == {failed_remove, other_add}
    assert listed(until=timezone.now() - timedelta(days=7)) == {old_add}
    assert listed(action="add") == {old_add, other_add}
    assert listed(status="failed") == {failed_remove}
    assert listed(mac=other.mac) == {other_add}
    assert listed(device=device) == {old_add, failed_remove}


def test_history_goes_back_13_months_at_most():
    third_party = ThirdPartyFactory()
    device = device_at(home()[1])
    device_agreement(device, third_party, starts_at=timezone.now() - timedelta(days=800))
    ancient = _at(HanDeviceEventFactory(device=device), timezone.now() - timedelta(days=400))
    recent = _at(HanDeviceEventFactory(device=device), timezone.now() - timedelta(days=380))

    listed = list(selectors.history_for_third_party(third_party, since=timezone.now() - timedelta(days=900)))

    assert listed == [recent]
    assert ancient not in listed


def test_a_customer_sees_the_history_of_their_homes_while_they_lived_there():
    customer, premise = home(move_in=date.today() - timedelta(days=100))
    own = HanDeviceEventFactory(device=device_at(premise), status="failed")
    before_move_in = _at(HanDeviceEventFactory(device=device_at(premise)), timezone.now() - timedelta(days=200))
    HanDeviceEventFactory(device=device_at(home()[1]))  # somebody else's home
    moved_out_of = OccupancyFactory(
        customer=customer, move_in=date.today() - timedelta(days=300), move_out=date.today() - timedelta(days=150)
    ).premise
    while_there = _at(HanDeviceEventFactory(device=device_at(moved_out_of)), timezone.now() - timedelta(days=160))
    after_leaving = HanDeviceEventFactory(device=device_at(moved_out_of))

    listed = set(selectors.history_for_customer(customer))

    assert listed == {own, while_there}
    assert before_move_in not in listed and after_leaving not in listed


def test_a_third_party_user_history_is_its_company_history():
    third_party = ThirdPartyFactory()
    device = device_at(home()[1])
    device_agreement(device, third_party, starts_at=timezone.now() - timedelta(days=1))
    event = HanDeviceEventFactory(device=device)

    assert list(selectors.history_for_third_party(third_party_user(third_party).third_party)) == [event]
