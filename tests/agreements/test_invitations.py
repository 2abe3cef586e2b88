"""Rules 1–3: an invitation is validated before any e-mail, shows the terms, and may be resent once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from agreements import services
from agreements.models import AgreementEvent, AgreementInvitation
from meters.models import InHomeDevice
from meters.validators import with_install_code_crc
from tests.factories import (
    LabelPartnerFactory,
    OccupancyFactory,
    PremiseFactory,
    ThirdPartyFactory,
    customer_at,
    third_party_user,
)

from .conftest import AUTH_CODE

pytestmark = pytest.mark.django_db


def test_invitation_by_authorization_code_is_pending_for_30_days(invite, agent, premise, customer):
    invitation = invite(agent, [premise])

    assert invitation.status == AgreementInvitation.Status.PENDING
    assert invitation.number == f"INV-{invitation.pk:06d}"
    assert invitation.customer == customer
    assert invitation.identified_by == "authorization_code"
    assert invitation.expires_at - invitation.created_at == pytest.approx(timedelta(days=30), abs=timedelta(seconds=5))
    assert list(invitation.premises.all()) == [premise]
    assert AgreementEvent.objects.filter(invitation=invitation, action="invitation_created", actor_user=agent).exists()


def test_invitation_by_the_customers_email_is_accepted_in_any_case(invite, agent, premise):
    invitation = invite(agent, [premise], authorization_code="", customer_email="PAT@example.TEST")

    assert invitation.identified_by == "email"
    assert mail.outbox[0].to == ["pat@example.test"]


def test_invitation_email_shows_type_duration_esiids_links_seal_rating_and_answer_links(invite, rated, agent, premise):
    invitation = invite(agent, [premise], months=3)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert "Bright Energy" in message.subject
    for body in (message.body, html):
        assert "Energy Data" in body
        assert "Continuous access for 3 months" in body
        assert premise.esiid in body
        assert "https://bright.example.test" in body
        assert "https://bright.example.test/privacy" in body
        assert "privacy-seal requirements" in body
        assert "4.5 out of 5" in body
        assert f"http://127.0.0.1:8000/agreements/invite/{invitation.token}/" in body
        assert f"http://127.0.0.1:8000/agreements/invite/{invitation.token}/reject/" in body


def test_invitation_email_without_seal_or_ratings_says_not_rated(invite, agent, premise, third_party):
    third_party.privacy_seal_attested = False
    third_party.save()

    invite(agent, [premise], duration_kind="one_time", one_time_kind="daily", months=None)

    body = mail.outbox[0].body
    assert "privacy-seal" not in body
    assert "not rated yet" in body
    assert "One-time access to your daily usage" in body


def test_invitation_names_several_esiids_of_one_customer(invite, agent, customer, premise):
    second = OccupancyFactory(customer=customer, authorization_code=AUTH_CODE).premise

    invitation = invite(agent, [premise, second])

    assert set(invitation.premises.all()) == {premise, second}
    assert premise.esiid in mail.outbox[0].body and second.esiid in mail.outbox[0].body


@pytest.mark.parametrize(
    "overrides",
    [
        {"authorization_code": "WRONG"},
        {"authorization_code": "", "customer_email": "someone.else@example.test"},
    ],
    ids=["wrong-code", "wrong-email"],
)
def test_mismatched_identification_gives_the_generic_error_and_no_email(invite, agent, premise, overrides):
    with pytest.raises(services.AgreementError) as refusal:
        invite(agent, [premise], **overrides)

    assert refusal.value.code == "customer_mismatch"
    assert refusal.value.message == services.MISMATCH_MESSAGE
    assert mail.outbox == []
    assert not AgreementInvitation.objects.exists()


def test_unknown_esiid_gets_the_same_error_as_another_customers_esiid(agent, premise):
    other_customers = customer_at().occupancies.get().premise
    vacant = PremiseFactory()

    errors = []
    for esiids in ([premise.esiid, "10443720999999999"], [premise.esiid, other_customers.esiid], [vacant.esiid]):
        with pytest.raises(services.AgreementError) as refusal:
            services.create_invitation(
                by=agent,
                agreement_type="energy_data",
                esiids=esiids,
                authorization_code=AUTH_CODE,
                duration_kind="continuous",
                months=6,
            )
        errors.append((refusal.value.code, refusal.value.message, refusal.value.status_code))

    assert len(set(errors)) == 1
    assert errors[0] == ("customer_mismatch", services.MISMATCH_MESSAGE, 400)
    assert mail.outbox == []


def test_malformed_esiid_is_refused_with_a_field_error(agent):
    with pytest.raises(services.AgreementError) as refusal:
        services.create_invitation(
            by=agent,
            agreement_type="energy_data",
            esiids="12AB",
            authorization_code="X",
            duration_kind="continuous",
            months=1,
        )

    assert refusal.value.code == "invalid_esiid"
    assert "esiids" in refusal.value.fields


def test_invitation_needs_the_code_or_the_email(invite, agent, premise):
    with pytest.raises(services.AgreementError) as refusal:
        invite(agent, [premise], authorization_code="")

    assert refusal.value.code == "customer_identification_required"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"duration_kind": ""}, "invalid_duration"),
        ({"months": 13}, "invalid_months"),
        ({"months": 0}, "invalid_months"),
        ({"duration_kind": "one_time", "one_time_kind": "on_demand"}, "invalid_one_time_kind"),
        ({"agreement_type": "everything"}, "invalid_type"),
    ],
)
def test_energy_data_terms_are_validated(invite, agent, premise, overrides, code):
    with pytest.raises(services.AgreementError) as refusal:
        invite(agent, [premise], **overrides)

    assert refusal.value.code == code
    assert mail.outbox == []


def _device(**overrides):
    return {
        "agreement_type": "in_home_device",
        "device_mac": "00:0d:6f:00:0a:1b:2c:3d",
        "device_install_code": with_install_code_crc("83FED3407A939723A5C639B26916D505"),
        "device_type": InHomeDevice.DeviceType.THERMOSTAT,
        "device_description": "Hall thermostat",
        **overrides,
    }


def test_device_invitation_keeps_the_normalized_device(invite, agent, premise):
    invitation = invite(agent, [premise], **_device())

    assert invitation.device_mac == "00:0D:6F:00:0A:1B:2C:3D"
    assert invitation.duration_kind == "" and invitation.months is None
    assert "In-Home Device" in mail.outbox[0].body
    assert "00:0D:6F:00:0A:1B:2C:3D" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"device_mac": "00:11:22:33:44:55"}, "device_mac"),
        ({"device_install_code": "83FED3407A939723A5C639B26916D5050000"}, "device_install_code"),
        ({"device_type": ""}, "device_type"),
    ],
)
def test_device_invitation_validates_the_device(invite, agent, premise, overrides, field):
    with pytest.raises(services.AgreementError) as refusal:
        invite(agent, [premise], **_device(**overrides))

    assert refusal.value.code == "invalid_device"
    assert field in refusal.value.fields


def test_device_invitation_names_exactly_one_esiid(invite, agent, customer, premise):
    second = OccupancyFactory(customer=customer, authorization_code=AUTH_CODE).premise

    with pytest.raises(services.AgreementError) as refusal:
        invite(agent, [premise, second], **_device())

    assert refusal.value.code == "one_esiid_for_device"


def test_inactive_third_party_cannot_invite(invite, agent, premise, third_party):
    third_party.is_active = False
    third_party.save()

    with pytest.raises(services.AgreementError) as refusal:
        invite(agent, [premise])

    assert refusal.value.code == "third_party_inactive"


def test_third_party_limited_to_other_brands_cannot_invite_this_customer(invite, agent, premise, third_party):
    third_party.label_partners.add(LabelPartnerFactory(code="other-brand"))

    with pytest.raises(services.AgreementError) as refusal:
        invite(agent, [premise])

    assert refusal.value.code == "label_partner_not_allowed"


def test_third_party_limited_to_the_customers_brand_may_invite(invite, agent, premise, customer, third_party):
    third_party.label_partners.add(customer.label_partner, premise.label_partner)

    assert invite(agent, [premise]).is_pending


def test_a_customer_cannot_create_an_invitation(invite, customer, premise):
    with pytest.raises(services.AgreementError) as refusal:
        invite(customer, [premise])

    assert refusal.value.status_code == 403


def test_a_second_pending_invitation_of_the_same_type_is_refused(invite, agent, premise):
    invite(agent, [premise])

    with pytest.raises(services.AgreementError) as refusal:
        invite(agent, [premise])

    assert refusal.value.code == "invitation_pending"


def test_resend_reminds_the_customer_once(invite, commit, agent, premise):
    invitation = invite(agent, [premise])

    commit(services.resend_invitation, by=agent, invitation=invitation)

    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject.startswith("Reminder:")
    invitation.refresh_from_db()
    assert invitation.resent_at is not None
    assert AgreementEvent.objects.filter(invitation=invitation, action="invitation_resent").count() == 1


def test_second_resend_is_refused(invite, commit, agent, premise):
    invitation = invite(agent, [premise])
    commit(services.resend_invitation, by=agent, invitation=invitation)

    with pytest.raises(services.AgreementError) as refusal:
        commit(services.resend_invitation, by=agent, invitation=invitation)

    assert refusal.value.code == "already_resent"
    assert refusal.value.message == "An invitation can be resent only once."
    assert len(mail.outbox) == 2


def test_resend_after_30_days_is_refused(invite, agent, premise):
    invitation = invite(agent, [premise])
    AgreementInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(services.AgreementError) as refusal:
        services.resend_invitation(by=agent, invitation=invitation)

    assert refusal.value.code == "invitation_expired"


def test_another_third_party_cannot_resend_or_cancel(invite, agent, premise):
    invitation = invite(agent, [premise])
    outsider = third_party_user(ThirdPartyFactory())

    for action in (services.resend_invitation, services.cancel_invitation):
        with pytest.raises(services.AgreementError) as refusal:
            action(by=outsider, invitation=invitation)
        assert refusal.value.status_code == 404


def test_a_colleague_of_the_same_third_party_may_resend(invite, commit, agent, premise, third_party):
    invitation = invite(agent, [premise])
    colleague = third_party_user(third_party, role="agent")

    commit(services.resend_invitation, by=colleague, invitation=invitation)

    assert len(mail.outbox) == 2


def test_cancel_a_pending_invitation_then_it_cannot_be_cancelled_again(invite, agent, premise):
    invitation = invite(agent, [premise])

    services.cancel_invitation(by=agent, invitation=invitation)

    invitation.refresh_from_db()
    assert invitation.status == AgreementInvitation.Status.CANCELLED
    with pytest.raises(services.AgreementError) as refusal:
        services.cancel_invitation(by=agent, invitation=invitation)
    assert refusal.value.code == "not_pending"
