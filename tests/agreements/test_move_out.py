"""Rule 7: move-out ends the occupancy, terminates every agreement on the premise, cancels its
pending invitations and removes its devices, all in one transaction, with e-mails to third parties."""

from datetime import date
from unittest import mock

import pytest
from django.core import mail

from agreements import services
from agreements.models import Agreement, AgreementEvent, AgreementInvitation
from meters.models import HanDeviceEvent, InHomeDevice, Occupancy
from tests.factories import (
    AgreementInvitationFactory,
    InHomeDeviceFactory,
    StaffFactory,
    ThirdPartyFactory,
    agreement_at,
    customer_at,
    third_party_user,
)

pytestmark = pytest.mark.django_db
MOVE_OUT = date(2025, 6, 30)


def test_move_out_terminates_every_agreement_on_the_premise_and_tells_each_third_party(commit, premise, customer):
    first = agreement_at(premise, customer=customer)
    second = agreement_at(premise, customer=customer, third_party=ThirdPartyFactory(contact_email="b@b.example.test"))
    elsewhere = agreement_at()

    commit(services.move_out, by=None, premise=premise, move_out=MOVE_OUT, reason="Sold the house")

    for agreement in (first, second):
        agreement.refresh_from_db()
        assert agreement.status == Agreement.Status.TERMINATED
        assert f"moved out of ESIID {premise.esiid} on 2025-06-30" in agreement.end_reason
        assert "Sold the house" in agreement.end_reason
        assert AgreementEvent.objects.filter(agreement=agreement, action="agreement_terminated").count() == 1
    elsewhere.refresh_from_db()
    assert elsewhere.is_active
    recipients = {address for message in mail.outbox for address in message.to}
    assert {first.third_party.contact_email, "b@b.example.test"} <= recipients
    assert Occupancy.objects.get(premise=premise).move_out == MOVE_OUT


def test_move_out_removes_every_device_at_the_premise(premise):
    joined = InHomeDeviceFactory(premise=premise, status=InHomeDevice.Status.JOINED)
    failed = InHomeDeviceFactory(premise=premise, status=InHomeDevice.Status.FAILED)
    removed = InHomeDeviceFactory(premise=premise, status=InHomeDevice.Status.REMOVED)

    services.move_out(by=None, premise=premise, move_out=MOVE_OUT)

    joined.refresh_from_db()
    failed.refresh_from_db()
    assert joined.status == InHomeDevice.Status.REMOVING
    request = HanDeviceEvent.objects.get(device=joined)
    assert (request.action, request.status, request.reason) == ("remove", "pending", "move_out")
    assert failed.status == InHomeDevice.Status.REMOVED
    assert not HanDeviceEvent.objects.filter(device=removed).exists()


def test_move_out_cancels_pending_invitations_for_the_premise(premise, customer):
    invitation = AgreementInvitationFactory(customer=customer, premises=[premise])

    services.move_out(by=None, premise=premise, move_out=MOVE_OUT)

    invitation.refresh_from_db()
    assert invitation.status == AgreementInvitation.Status.CANCELLED


def test_move_out_is_all_or_nothing(premise, customer):
    agreement = agreement_at(premise, customer=customer)
    device = InHomeDeviceFactory(premise=premise, status=InHomeDevice.Status.JOINED)

    failing = mock.patch("agreements.services.agreements._remove_devices_at", side_effect=RuntimeError("boom"))
    with failing, pytest.raises(RuntimeError):
        services.move_out(by=None, premise=premise, move_out=MOVE_OUT)

    agreement.refresh_from_db()
    device.refresh_from_db()
    assert agreement.is_active
    assert device.status == InHomeDevice.Status.JOINED
    assert Occupancy.objects.get(premise=premise).move_out is None


def test_repeating_a_move_out_changes_nothing(premise, customer):
    agreement_at(premise, customer=customer)
    services.move_out(by=None, premise=premise, move_out=MOVE_OUT)
    events = AgreementEvent.objects.count()

    assert services.move_out(by=None, premise=premise, move_out=MOVE_OUT) is None
    assert AgreementEvent.objects.count() == events


def test_the_customer_may_move_out_of_their_own_premise_only(premise, customer):
    with pytest.raises(services.AgreementError) as refusal:
        services.move_out(by=customer_at(), premise=premise, move_out=MOVE_OUT)
    assert refusal.value.status_code == 404

    services.move_out(by=customer, premise=premise, move_out=MOVE_OUT)

    assert Occupancy.objects.get(premise=premise).move_out == MOVE_OUT


def test_a_third_party_cannot_record_a_move_out(premise):
    with pytest.raises(services.AgreementError) as refusal:
        services.move_out(by=third_party_user(), premise=premise, move_out=MOVE_OUT)

    assert refusal.value.status_code == 403


def test_staff_record_a_move_out_for_the_utility(premise, customer):
    agreement = agreement_at(premise, customer=customer)

    services.move_out(by=StaffFactory(), premise=premise, move_out=MOVE_OUT)

    agreement.refresh_from_db()
    assert agreement.ended_by_role == "utility"
