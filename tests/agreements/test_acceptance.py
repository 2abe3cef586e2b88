"""Rules 4–5: only the occupant accepts, within 30 days; acceptance starts the agreement (and a
device add request); rejection mails both sides."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from agreements import services
from agreements.models import Agreement, AgreementEvent, AgreementInvitation, DataKind
from meters.models import HanDeviceEvent, InHomeDevice
from meters.validators import with_install_code_crc
from tests.factories import InHomeDeviceFactory, OccupancyFactory, customer_at

from .conftest import AUTH_CODE

pytestmark = pytest.mark.django_db

MAC = "00:0D:6F:00:0A:1B:2C:3D"
DEVICE = {
    "device_mac": MAC,
    "device_install_code": with_install_code_crc("83FED3407A939723A5C639B26916D505"),
    "device_type": "in_home_display",
    "device_description": "Kitchen display",
}


def test_accepting_creates_an_active_agreement_with_a_number(invite, commit, agent, customer, premise, third_party):
    invitation = invite(agent, [premise], months=6)
    mail.outbox.clear()

    agreement = commit(services.accept_invitation, by=customer, invitation=invitation)

    assert agreement.number == f"AGR-{agreement.pk:06d}"
    assert agreement.status == Agreement.Status.ACTIVE
    assert (agreement.customer, agreement.third_party, agreement.invitation) == (customer, third_party, invitation)
    assert list(agreement.premises.all()) == [premise]
    assert agreement.ends_at == services.add_months(agreement.starts_at, 6)
    assert agreement.data_from == services.add_months(agreement.starts_at, -12)
    assert set(agreement.data_kinds) == set(DataKind.values)
    invitation.refresh_from_db()
    assert invitation.status == AgreementInvitation.Status.ACCEPTED
    assert set(AgreementEvent.objects.filter(agreement=agreement).values_list("action", flat=True)) == {
        "invitation_accepted",
        "agreement_created",
    }
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted(["pat@example.test", "ops@bright.example.test", agent.email])


def test_one_time_access_covers_its_one_kind_for_30_days(invite, agent, customer, premise):
    invitation = invite(agent, [premise], duration_kind="one_time", one_time_kind="interval", months=None)

    agreement = services.accept_invitation(by=customer, invitation=invitation)

    assert agreement.data_kinds == ["interval"]
    assert agreement.ends_at - agreement.starts_at == timedelta(days=30)


def test_accept_after_30_days_is_refused(invite, agent, customer, premise):
    invitation = invite(agent, [premise])
    AgreementInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(services.AgreementError) as refusal:
        services.accept_invitation(by=customer, invitation=invitation)

    assert refusal.value.code == "invitation_expired"
    assert not Agreement.objects.exists()


def test_accept_by_a_customer_who_does_not_live_there_is_refused(invite, agent, premise):
    neighbour = customer_at()

    with pytest.raises(services.AgreementError) as refusal:
        services.accept_invitation(by=neighbour, invitation=invite(agent, [premise]))

    assert (refusal.value.code, refusal.value.status_code) == ("not_occupant", 403)
    assert not Agreement.objects.exists()


def test_accept_after_the_customer_moved_out_of_one_esiid_is_refused(invite, agent, customer, premise, occupancy):
    second = OccupancyFactory(customer=customer, authorization_code=AUTH_CODE)
    invitation = invite(agent, [premise, second.premise])
    second.move_out = timezone.localdate()
    second.save()

    with pytest.raises(services.AgreementError) as refusal:
        services.accept_invitation(by=customer, invitation=invitation)

    assert refusal.value.code == "not_occupant"


def test_an_invitation_is_accepted_only_once(invite, agent, customer, premise):
    invitation = invite(agent, [premise])
    services.accept_invitation(by=customer, invitation=invitation)

    with pytest.raises(services.AgreementError) as refusal:
        services.accept_invitation(by=customer, invitation=invitation)

    assert refusal.value.code == "not_pending"
    assert Agreement.objects.count() == 1


def test_a_third_party_user_cannot_accept(invite, agent, premise):
    with pytest.raises(services.AgreementError) as refusal:
        services.accept_invitation(by=agent, invitation=invite(agent, [premise]))

    assert refusal.value.status_code == 403


def test_accepting_an_in_home_device_agreement_records_an_add_request(invite, agent, customer, premise, third_party):
    invitation = invite(agent, [premise], agreement_type="in_home_device", **DEVICE)

    agreement = services.accept_invitation(by=customer, invitation=invitation)

    device = agreement.device
    assert (device.premise, device.mac, device.status) == (premise, MAC, InHomeDevice.Status.PENDING)
    request = HanDeviceEvent.objects.get(device=device)
    assert (request.action, request.status, request.third_party) == ("add", "pending", third_party)
    assert agreement.data_kinds == [] and agreement.ends_at is None
    assert AgreementEvent.objects.filter(agreement=agreement, action="device_add_requested").exists()


def test_device_services_agreement_uses_the_device_already_joined(invite, agent, customer, premise):
    joined = InHomeDeviceFactory(premise=premise, mac=MAC, status=InHomeDevice.Status.JOINED)
    invitation = invite(agent, [premise], agreement_type="in_home_device_services", **DEVICE)

    agreement = services.accept_invitation(by=customer, invitation=invitation)

    assert agreement.device == joined
    assert not HanDeviceEvent.objects.exists()


def test_a_device_joined_to_another_home_is_refused_before_any_email(invite, agent, premise):
    InHomeDeviceFactory(mac=MAC, status=InHomeDevice.Status.JOINED)

    with pytest.raises(services.AgreementError) as refusal:
        invite(agent, [premise], agreement_type="in_home_device", **DEVICE)

    assert refusal.value.code == "device_in_use"
    assert mail.outbox == []


def test_reject_with_a_reason_mails_the_customer_and_the_third_party(invite, commit, agent, customer, premise):
    invitation = invite(agent, [premise])
    mail.outbox.clear()

    commit(services.reject_invitation, by=customer, invitation=invitation, reason="Not interested")

    invitation.refresh_from_db()
    assert invitation.status == AgreementInvitation.Status.REJECTED
    assert invitation.rejection_reason == "Not interested"
    to_customer, to_third_party = mail.outbox
    assert to_customer.to == ["pat@example.test"] and "Not interested" in to_customer.body
    assert "ops@bright.example.test" in to_third_party.to and "Not interested" in to_third_party.body
    assert AgreementEvent.objects.get(invitation=invitation, action="invitation_rejected").actor_user == customer


def test_reject_through_the_emails_link_needs_no_login(invite, agent, premise):
    invitation = invite(agent, [premise])

    services.reject_invitation(by=None, invitation=invitation, token=invitation.token)

    invitation.refresh_from_db()
    assert invitation.status == AgreementInvitation.Status.REJECTED


def test_reject_with_a_wrong_token_or_by_another_customer_is_refused(invite, agent, premise):
    invitation = invite(agent, [premise])

    for attempt in ({"by": None, "token": "guess"}, {"by": customer_at()}):
        with pytest.raises(services.AgreementError) as refusal:
            services.reject_invitation(invitation=invitation, **attempt)
        assert refusal.value.status_code == 404
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_an_accepted_invitation_cannot_be_rejected(invite, agent, customer, premise):
    invitation = invite(agent, [premise])
    services.accept_invitation(by=customer, invitation=invitation)

    with pytest.raises(services.AgreementError) as refusal:
        services.reject_invitation(by=customer, invitation=invitation)

    assert refusal.value.code == "not_pending"
