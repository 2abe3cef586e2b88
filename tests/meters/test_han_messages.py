"""HAN messages: a third party with an active In-Home Device Services agreement sends a short text
to a joined device; the delivery status comes back through the adapter; the third party lists its
messages per device and overall, filtered by date, device and status."""

from datetime import timedelta

import pytest
from django.utils import timezone

from meters import selectors, services
from meters.models import HanMessage, InHomeDevice
from tests.factories import HanMessageFactory, ThirdPartyFactory, third_party_user

from .han_support import committed, device_agreement, device_at, home

pytestmark = pytest.mark.django_db


@pytest.fixture
def served():
    """A joined device under an In-Home Device Services agreement, and the third party's agent."""
    device = device_at(home()[1])
    third_party = ThirdPartyFactory()
    device_agreement(device, third_party)
    return device, third_party_user(third_party)


def _send(**kwargs) -> HanMessage:
    with committed():
        message = services.send_han_message(**kwargs)
    message.refresh_from_db()
    return message


def test_a_message_is_delivered_through_the_head_end(served):
    device, agent = served

    message = _send(by=agent, device=device, text="  Peak pricing   4-7 pm today ")

    assert (message.text, message.status, message.third_party, message.sent_by) == (
        "Peak pricing 4-7 pm today",
        "delivered",
        agent.third_party,
        agent,
    )
    assert message.status_detail == "Delivered to the device."
    assert message.headend_reference.startswith("sim-message-ok-")


def test_a_message_the_device_does_not_accept_is_failed(served):
    device, agent = served

    message = _send(by=agent, device=device, text="Test [undeliverable]")

    assert (message.status, message.status_detail) == ("failed", "The device did not accept the message.")


def test_a_message_waits_as_sent_until_the_head_end_confirms(served):
    device, agent = served

    message = _send(by=None, third_party=agent.third_party, device=device, text="Test [no answer]")

    assert message.status == HanMessage.Status.SENT


def test_an_in_home_device_agreement_alone_does_not_allow_messages():
    device = device_at(home()[1])
    third_party = ThirdPartyFactory()
    device_agreement(device, third_party, "in_home_device")

    with pytest.raises(services.MeterError) as refusal:
        _send(by=None, third_party=third_party, device=device, text="Hello")

    assert (refusal.value.code, refusal.value.status_code) == ("not_found", 404)
    assert not HanMessage.objects.exists()


def test_a_third_party_without_an_agreement_cannot_send_a_message(served):
    device, _ = served

    with pytest.raises(services.MeterError) as refusal:
        _send(by=third_party_user(), device=device, text="Hello")

    assert refusal.value.status_code == 404
    assert not HanMessage.objects.exists()


def test_a_customer_cannot_send_a_message(served):
    device, _ = served
    customer = device.premise.occupancies.get().customer

    with pytest.raises(services.MeterError) as refusal:
        _send(by=customer, device=device, text="Hello")

    assert refusal.value.status_code == 403


@pytest.mark.parametrize("status", ["pending", "failed", "removing"])
def test_messages_go_only_to_a_joined_device(served, status):
    device, agent = served
    InHomeDevice.objects.filter(pk=device.pk).update(status=status)

    with pytest.raises(services.MeterError) as refusal:
        _send(by=agent, device=device, text="Hello")

    assert (refusal.value.code, refusal.value.status_code) == ("device_not_joined", 409)


@pytest.mark.parametrize("text", ["", "   ", "x" * 161])
def test_a_message_is_1_to_160_characters(served, text):
    device, agent = served

    with pytest.raises(services.MeterError) as refusal:
        _send(by=agent, device=device, text=text)

    assert (refusal.value.code, list(refusal.value.fields)) == ("invalid_text", ["text"])


def test_delivering_a_message_twice_sends_it_once(served):
    device, agent = served
    message = HanMessageFactory(device=device, third_party=agent.third_party)

    services.deliver_han_message(message_id=message.pk)
    first = HanMessage.objects.get(pk=message.pk).headend_reference
    services.deliver_han_message(message_id=message.pk)

    assert HanMessage.objects.get(pk=message.pk).headend_reference == first != ""


def test_the_message_history_is_filtered_by_date_device_and_status(served):
    device, agent = served
    third_party = agent.third_party
    other_device = device_at(home()[1])
    now = timezone.now()
    old = HanMessageFactory(device=device, third_party=third_party, status="delivered")
    HanMessage.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=40))
    recent_failed = HanMessageFactory(device=device, third_party=third_party, status="failed")
    on_other = HanMessageFactory(device=other_device, third_party=third_party, status="delivered")
    HanMessageFactory(device=device, third_party=ThirdPartyFactory())  # another company's

    def listed(**filters):
        return set(selectors.messages_for_third_party(third_party, **filters))

    assert listed() == {old, recent_failed, on_other}
    assert listed(since=now - timedelta(days=7)) == {recent_failed, on_other}
    assert listed(until=now - timedelta(days=7)) == {old}
    assert listed(device=device) == {old, recent_failed}
    assert listed(mac=other_device.mac) == {on_other}
    assert listed(status="delivered") == {old, on_other}


def test_messages_older_than_13_months_are_not_listed(served):
    device, agent = served
    old = HanMessageFactory(device=device, third_party=agent.third_party)
    HanMessage.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))

    assert not selectors.messages_for_third_party(agent.third_party).exists()
