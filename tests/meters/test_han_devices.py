"""Adding devices: the customer adds one to a premise they live at, an accepted In-Home Device
agreement starts an add, a third party with a device agreement resends a failed or pending add;
every request goes through the head-end (simulator) by real Celery tasks, eager here."""

import pytest
from django.db import transaction

from agreements import services as agreement_services
from meters import selectors, services
from meters.models import HanDeviceEvent, InHomeDevice
from tests.factories import AgreementInvitationFactory, ThirdPartyFactory, third_party_user

from .han_support import committed, device_agreement, device_at, home, install_code, mac

pytestmark = pytest.mark.django_db


def _add(customer, premise, device_mac=None, **fields):
    with committed():
        return services.add_device(
            by=customer,
            premise=premise,
            mac=device_mac or mac(),
            install_code=fields.pop("install_code", None) or install_code(),
            device_type=fields.pop("device_type", "thermostat"),
            **fields,
        )


def test_a_customer_adds_a_device_and_it_joins():
    customer, premise = home()

    device = _add(customer, premise, "00-0d-6f-00-0a-1b-2c-3d", description="  Hall thermostat ")

    device.refresh_from_db()
    assert (device.mac, device.status, device.description) == ("00:0D:6F:00:0A:1B:2C:3D", "joined", "Hall thermostat")
    request = HanDeviceEvent.objects.get(device=device)
    assert (request.action, request.status, request.requested_by, request.third_party) == (
        "add",
        "succeeded",
        customer,
        None,
    )
    assert request.headend_reference.startswith("sim-join-ok-") and request.completed_at is not None


def test_a_device_the_meter_refuses_is_failed_with_the_reason():
    customer, premise = home()

    device = _add(customer, premise, mac("FF"))

    device.refresh_from_db()
    assert device.status == InHomeDevice.Status.FAILED
    assert HanDeviceEvent.objects.get(device=device).detail == "The meter refused the join (check the install code)."


def test_until_the_head_end_answers_the_device_is_pending():
    customer, premise = home()

    device = _add(customer, premise, mac("DD"))

    device.refresh_from_db()
    assert device.status == InHomeDevice.Status.PENDING
    assert HanDeviceEvent.objects.get(device=device).status == "pending"


def test_nothing_reaches_the_head_end_when_the_transaction_rolls_back():
    customer, premise = home()

    with committed() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        services.add_device(
            by=customer, premise=premise, mac=mac(), install_code=install_code(), device_type="thermostat"
        )
        raise RuntimeError("something later in the same transaction failed")

    assert callbacks == []
    assert not InHomeDevice.objects.exists()


def test_a_customer_cannot_add_a_device_to_a_premise_they_do_not_live_at():
    customer, _ = home()
    _, other_premise = home()

    with pytest.raises(services.MeterError) as refusal:
        _add(customer, other_premise)

    assert (refusal.value.code, refusal.value.status_code) == ("not_found", 404)
    assert not InHomeDevice.objects.exists()


def test_a_third_party_user_cannot_add_a_device_as_a_customer():
    _, premise = home()

    with pytest.raises(services.MeterError) as refusal:
        _add(third_party_user(), premise)

    assert refusal.value.status_code == 404


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"device_mac": "00:11:22:33:44:55"}, "mac"),
        ({"install_code": "83FED3407A939723A5C639B26916D5050000"}, "install_code"),
        ({"device_type": "toaster"}, "device_type"),
        ({"description": "x" * 201}, "description"),
    ],
)
def test_the_device_details_are_validated(fields, field):
    customer, premise = home()

    with pytest.raises(services.MeterError) as refusal:
        _add(customer, premise, fields.pop("device_mac", None), **fields)

    assert refusal.value.code == "invalid_device"
    assert field in refusal.value.fields
    assert not InHomeDevice.objects.exists()


def test_a_device_on_another_home_network_is_refused():
    customer, premise = home()
    _, elsewhere = home()
    taken = device_at(elsewhere)

    with pytest.raises(services.MeterError) as refusal:
        _add(customer, premise, taken.mac)

    assert (refusal.value.code, refusal.value.status_code) == ("device_in_use", 409)


def test_adding_a_device_already_on_the_list_is_refused():
    customer, premise = home()
    joined = device_at(premise)

    with pytest.raises(services.MeterError) as refusal:
        _add(customer, premise, joined.mac)

    assert refusal.value.code == "already_added"


def test_adding_again_a_device_whose_join_failed_asks_again_with_the_new_details():
    customer, premise = home()
    failed = device_at(premise, status=InHomeDevice.Status.FAILED, last_byte="DD")
    code = install_code()

    device = _add(customer, premise, failed.mac, install_code=code)

    assert device.pk == failed.pk
    device.refresh_from_db()
    assert (device.status, device.install_code) == ("pending", code)
    assert HanDeviceEvent.objects.filter(device=device, action="add", status="pending").count() == 1


def test_a_removed_device_may_be_added_again_as_a_new_record():
    customer, premise = home()
    removed = device_at(premise, status=InHomeDevice.Status.REMOVED)

    device = _add(customer, premise, removed.mac)

    assert device.pk != removed.pk
    device.refresh_from_db()
    assert device.status == "joined"


# --- Accepting an In-Home Device agreement ------------------------------------------------------


def _device_invitation(customer, premise, device_mac, agreement_type="in_home_device"):
    return AgreementInvitationFactory(
        customer=customer,
        premises=[premise],
        agreement_type=agreement_type,
        duration_kind="",
        months=None,
        device_mac=device_mac,
        device_install_code=install_code(),
        device_type="in_home_display",
        device_description="Kitchen display",
    )


@pytest.mark.parametrize(("last_byte", "status"), [("3D", "joined"), ("FF", "failed")])
def test_accepting_an_in_home_device_agreement_joins_the_device_through_the_head_end(last_byte, status):
    customer, premise = home()
    invitation = _device_invitation(customer, premise, mac(last_byte))

    with committed():
        agreement = agreement_services.accept_invitation(by=customer, invitation=invitation)

    agreement.device.refresh_from_db()
    assert agreement.device.status == status
    request = HanDeviceEvent.objects.get(device=agreement.device)
    assert (request.third_party, request.status) == (
        invitation.third_party,
        "succeeded" if status == "joined" else "failed",
    )


# --- Resend ----------------------------------------------------------------------------------------


def test_a_third_party_resends_a_failed_add_and_the_device_joins():
    _, premise = home()
    device = device_at(premise, status=InHomeDevice.Status.FAILED)  # an earlier request timed out
    third_party = ThirdPartyFactory()
    device_agreement(device, third_party, "in_home_device")
    agent = third_party_user(third_party)

    with committed():
        request = services.resend_device_add(by=agent, device=device)

    device.refresh_from_db()
    request.refresh_from_db()
    assert device.status == "joined"
    assert (request.action, request.status, request.requested_by, request.third_party) == (
        "add",
        "succeeded",
        agent,
        third_party,
    )


def test_resending_a_pending_add_gives_up_on_the_request_still_waiting():
    _, premise = home()
    device = device_at(premise, status=InHomeDevice.Status.PENDING, last_byte="DD")
    waiting = HanDeviceEvent.objects.create(device=device, action="add", headend_reference="sim-join-silent-1")
    third_party = ThirdPartyFactory()
    device_agreement(device, third_party)

    with committed():
        request = services.resend_device_add(by=None, third_party=third_party, device=device)

    waiting.refresh_from_db()
    assert waiting.status == "timed_out" and "sent again" in waiting.detail
    assert request.status == "pending"
    assert HanDeviceEvent.objects.filter(device=device, status="pending").count() == 1


@pytest.mark.parametrize("status", ["joined", "removing", "removed"])
def test_only_a_failed_or_pending_add_can_be_resent(status):
    _, premise = home()
    device = device_at(premise, status=status)
    third_party = ThirdPartyFactory()
    device_agreement(device, third_party)

    with pytest.raises(services.MeterError) as refusal:
        services.resend_device_add(by=None, third_party=third_party, device=device)

    assert (refusal.value.code, refusal.value.status_code) == ("not_resendable", 409)


def test_a_third_party_without_an_agreement_on_the_device_cannot_resend():
    _, premise = home()
    device = device_at(premise, status=InHomeDevice.Status.FAILED)
    device_agreement(device, ThirdPartyFactory())
    outsider = ThirdPartyFactory()

    with pytest.raises(services.MeterError) as refusal:
        services.resend_device_add(by=third_party_user(outsider), device=device)

    assert refusal.value.status_code == 404
    assert not HanDeviceEvent.objects.exists()


def test_an_ended_agreement_no_longer_lets_the_third_party_resend():
    _, premise = home()
    device = device_at(premise, status=InHomeDevice.Status.FAILED)
    third_party = ThirdPartyFactory()
    device_agreement(device, third_party, status="terminated")

    with pytest.raises(services.MeterError) as refusal:
        services.resend_device_add(by=None, third_party=third_party, device=device)

    assert refusal.value.status_code == 404


def test_the_customer_resends_the_add_of_their_own_device_but_not_of_another_home():
    customer, premise = home()
    own = device_at(premise, status=InHomeDevice.Status.FAILED)
    other = device_at(home()[1], status=InHomeDevice.Status.FAILED)

    with committed():
        services.resend_device_add(by=customer, device=own)
    with pytest.raises(services.MeterError) as refusal:
        services.resend_device_add(by=customer, device=other)

    own.refresh_from_db()
    assert own.status == "joined"
    assert refusal.value.status_code == 404


# --- Who sees which devices --------------------------------------------------------------------


def test_a_third_party_sees_the_devices_of_its_active_device_agreements_only():
    third_party = ThirdPartyFactory()
    services_device = device_at(home()[1])
    device_agreement(services_device, third_party)
    plain_device = device_at(home()[1])
    device_agreement(plain_device, third_party, "in_home_device")
    ended = device_at(home()[1])
    device_agreement(ended, third_party, status="terminated")
    somebody_elses = device_at(home()[1])
    device_agreement(somebody_elses, ThirdPartyFactory())

    assert set(selectors.devices_for_third_party(third_party)) == {services_device, plain_device}
    assert list(selectors.devices_for_third_party(third_party, services_only=True)) == [services_device]
    assert not selectors.devices_for_third_party(ThirdPartyFactory()).exists()


def test_a_third_party_sees_only_its_own_agreements_on_a_shared_device():
    device = device_at(home()[1])
    mine, theirs = ThirdPartyFactory(), ThirdPartyFactory()
    own = device_agreement(device, mine, "in_home_device")
    device_agreement(device, theirs)

    [listed] = selectors.devices_for_third_party(mine)

    assert listed.active_agreements == [own]


def test_a_customer_sees_the_devices_of_the_premises_they_live_at():
    customer, premise = home()
    joined = device_at(premise)
    removed = device_at(premise, status=InHomeDevice.Status.REMOVED)
    device_at(home()[1])  # another home

    assert list(selectors.devices_for_customer(customer)) == [joined, removed]
