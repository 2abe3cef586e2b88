"""Removing devices (agreements.services.remove_device): the customer without anyone's permission
(In-Home Device Services agreements end; they say whether the In-Home Device agreement stays),
a third party with a device agreement and a reason from the fixed list; move-out removes every
device through the head-end."""

from datetime import date

import pytest
from django.core import mail

from agreements import services as agreement_services
from agreements.models import Agreement, AgreementEvent
from meters.models import HanDeviceEvent, InHomeDevice
from tests.factories import StaffFactory, ThirdPartyFactory, third_party_user

from .han_support import committed, device_agreement, device_at, home

pytestmark = pytest.mark.django_db


def _remove(**kwargs):
    with committed():
        return agreement_services.remove_device(**kwargs)


# --- The customer --------------------------------------------------------------------------------


def test_the_customer_removes_a_device_and_the_head_end_removes_it():
    customer, premise = home()
    device = device_at(premise)

    _remove(by=customer, device=device)

    device.refresh_from_db()
    assert device.status == InHomeDevice.Status.REMOVED
    request = HanDeviceEvent.objects.get(device=device)
    assert (request.action, request.status, request.requested_by, request.reason) == (
        "remove",
        "succeeded",
        customer,
        "",
    )


def test_removing_a_device_ends_its_device_services_agreements_and_tells_both_sides():
    customer, premise = home()
    device = device_at(premise)
    services_agreement = device_agreement(device, ThirdPartyFactory(contact_email="ops@tp.example.test"))
    other_device_agreement = device_agreement(device_at(premise), ThirdPartyFactory())

    _remove(by=customer, device=device)

    services_agreement.refresh_from_db()
    other_device_agreement.refresh_from_db()
    assert services_agreement.status == Agreement.Status.TERMINATED
    assert services_agreement.ended_by_role == "customer"
    assert f"The device {device.mac} was removed" in services_agreement.end_reason
    assert AgreementEvent.objects.filter(agreement=services_agreement, action="agreement_terminated").count() == 1
    assert other_device_agreement.is_active
    recipients = {address for message in mail.outbox for address in message.to}
    assert {customer.email, "ops@tp.example.test"} <= recipients


def test_the_customer_must_say_whether_the_in_home_device_agreement_stays():
    customer, premise = home()
    device = device_at(premise)
    device_agreement(device, ThirdPartyFactory(), "in_home_device")

    with pytest.raises(agreement_services.AgreementError) as refusal:
        _remove(by=customer, device=device)

    assert refusal.value.code == "keep_device_agreement_required"
    assert "keep_device_agreement" in refusal.value.fields
    device.refresh_from_db()
    assert device.status == "joined"
    assert not HanDeviceEvent.objects.exists()


@pytest.mark.parametrize(("keep", "status"), [(True, "active"), (False, "terminated")])
def test_the_in_home_device_agreement_stays_only_if_the_customer_says_so(keep, status):
    customer, premise = home()
    device = device_at(premise)
    device_only = device_agreement(device, ThirdPartyFactory(), "in_home_device")
    services_agreement = device_agreement(device, ThirdPartyFactory())

    _remove(by=customer, device=device, keep_device_agreement=keep)

    device_only.refresh_from_db()
    services_agreement.refresh_from_db()
    assert device_only.status == status
    assert services_agreement.status == "terminated"


def test_a_customer_cannot_remove_a_device_of_another_premise():
    customer, _ = home()
    device = device_at(home()[1])

    with pytest.raises(agreement_services.AgreementError) as refusal:
        _remove(by=customer, device=device)

    assert (refusal.value.code, refusal.value.status_code) == ("not_found", 404)
    device.refresh_from_db()
    assert device.status == "joined"


def test_a_former_occupant_cannot_remove_a_device_any_more():
    customer, premise = home()
    device = device_at(premise)
    agreement_services.move_out(by=None, premise=premise, move_out=date(2025, 6, 30))
    InHomeDevice.objects.filter(pk=device.pk).update(status="joined")  # say the removal failed

    with pytest.raises(agreement_services.AgreementError) as refusal:
        _remove(by=customer, device=device)

    assert refusal.value.status_code == 404


def test_a_device_that_never_joined_leaves_the_records_at_once():
    customer, premise = home()
    device = device_at(premise, status=InHomeDevice.Status.FAILED, last_byte="DE")

    device = _remove(by=customer, device=device)

    assert device.status == InHomeDevice.Status.REMOVED
    assert HanDeviceEvent.objects.get(device=device).headend_reference == ""


@pytest.mark.parametrize("status", ["removing", "removed"])
def test_a_device_being_removed_or_removed_cannot_be_removed_again(status):
    customer, premise = home()
    device = device_at(premise, status=status)

    with pytest.raises(agreement_services.AgreementError) as refusal:
        _remove(by=customer, device=device)

    assert (refusal.value.code, refusal.value.status_code) == ("not_removable", 409)


def test_a_removal_the_meter_refuses_leaves_the_device_joined_and_the_failure_in_the_history():
    customer, premise = home()
    device = device_at(premise, last_byte="EE")

    _remove(by=customer, device=device)

    device.refresh_from_db()
    assert device.status == InHomeDevice.Status.JOINED
    request = HanDeviceEvent.objects.get(device=device)
    assert (request.status, request.detail) == ("failed", "The meter refused to remove the device.")


def test_until_the_head_end_answers_the_device_is_being_removed():
    customer, premise = home()

    device = _remove(by=customer, device=device_at(premise, last_byte="DE"))

    assert device.status == InHomeDevice.Status.REMOVING


def test_staff_do_not_remove_devices_here():
    _, premise = home()
    device = device_at(premise)

    with pytest.raises(agreement_services.AgreementError) as refusal:
        _remove(by=StaffFactory(), device=device)

    assert refusal.value.status_code == 403


# --- A third party -------------------------------------------------------------------------------


@pytest.fixture
def covered():
    """A joined device, an active In-Home Device agreement of a third party on it, its agent."""
    _, premise = home()
    device = device_at(premise)
    third_party = ThirdPartyFactory()
    agreement = device_agreement(device, third_party, "in_home_device")
    return device, agreement, third_party_user(third_party)


def test_a_third_party_removes_a_device_with_a_reason_without_the_customer(covered):
    device, agreement, agent = covered

    _remove(by=agent, device=device, reason="device_returned")

    device.refresh_from_db()
    assert device.status == InHomeDevice.Status.REMOVED
    request = HanDeviceEvent.objects.get(device=device)
    assert (request.reason, request.third_party, request.requested_by, request.status) == (
        "device_returned",
        agent.third_party,
        agent,
        "succeeded",
    )
    agreement.refresh_from_db()
    assert agreement.is_active  # the third party ends its own In-Home Device agreement itself


def test_a_third_party_removal_ends_the_device_services_agreements(covered):
    device, _, agent = covered
    services_agreement = device_agreement(device, ThirdPartyFactory())

    _remove(by=None, third_party=agent.third_party, device=device, reason="service_cancelled")

    services_agreement.refresh_from_db()
    assert services_agreement.status == "terminated"
    assert services_agreement.end_reason.endswith(f"by {agent.third_party.name}: Service cancelled.")


@pytest.mark.parametrize("reason", ["", "move_out", "because"])
def test_a_third_party_removal_without_a_reason_from_the_list_is_refused(covered, reason):
    device, _, agent = covered

    with pytest.raises(agreement_services.AgreementError) as refusal:
        _remove(by=agent, device=device, reason=reason)

    assert (refusal.value.code, list(refusal.value.fields)) == ("reason_required", ["reason"])
    device.refresh_from_db()
    assert device.status == "joined"
    assert not HanDeviceEvent.objects.exists()


def test_the_reason_other_needs_a_text(covered):
    device, _, agent = covered

    with pytest.raises(agreement_services.AgreementError) as refusal:
        _remove(by=agent, device=device, reason="other", reason_text="   ")
    device = _remove(by=agent, device=device, reason="other", reason_text="Customer upgraded the display")

    assert refusal.value.code == "reason_text_required"
    request = HanDeviceEvent.objects.get(device=device)
    assert (request.reason, request.reason_text) == ("other", "Customer upgraded the display")


def test_a_third_party_without_an_agreement_on_the_device_cannot_remove_it(covered):
    device, _, _ = covered
    outsider = third_party_user()

    with pytest.raises(agreement_services.AgreementError) as refusal:
        _remove(by=outsider, device=device, reason="device_faulty")

    assert (refusal.value.code, refusal.value.status_code) == ("not_found", 404)
    device.refresh_from_db()
    assert device.status == "joined"


def test_a_third_party_whose_agreement_ended_cannot_remove_the_device(covered):
    device, agreement, agent = covered
    Agreement.objects.filter(pk=agreement.pk).update(status="terminated")

    with pytest.raises(agreement_services.AgreementError) as refusal:
        _remove(by=agent, device=device, reason="device_faulty")

    assert refusal.value.status_code == 404


def test_an_inactive_third_party_cannot_remove_a_device(covered):
    device, _, agent = covered
    agent.third_party.is_active = False
    agent.third_party.save()

    with pytest.raises(agreement_services.AgreementError) as refusal:
        _remove(by=agent, device=device, reason="device_faulty")

    assert refusal.value.status_code == 403


# --- Move-out ------------------------------------------------------------------------------------


def test_move_out_removes_the_premise_devices_through_the_head_end():
    customer, premise = home()
    joined = device_at(premise)
    pending = device_at(premise, status=InHomeDevice.Status.PENDING)
    refused = device_at(premise, last_byte="EE")
    elsewhere = device_at(home()[1])

    with committed():
        agreement_services.move_out(by=None, premise=premise, move_out=date(2025, 6, 30))

    statuses = dict(InHomeDevice.objects.values_list("pk", "status"))
    assert statuses[joined.pk] == statuses[pending.pk] == "removed"
    assert statuses[refused.pk] == "joined"
    assert statuses[elsewhere.pk] == "joined"
    requests = HanDeviceEvent.objects.filter(action="remove", reason="move_out")
    assert sorted(requests.values_list("status", flat=True)) == ["failed", "succeeded", "succeeded"]
    assert all(
        reference.startswith("sim-remove-") for reference in requests.values_list("headend_reference", flat=True)
    )
