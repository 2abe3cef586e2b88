"""Rule 6 (without extension requests) and rule 9: termination by either side, the customer's own
extension, the 12-month cap, one-time completion, the audit trail."""

from datetime import timedelta

import pytest
from django.core import mail

from agreements import services
from agreements.models import Agreement, AgreementEvent
from tests.factories import StaffFactory, ThirdPartyFactory, agreement_at, customer_at, third_party_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(premise, customer, third_party):
    return agreement_at(premise, customer=customer, third_party=third_party)


def test_the_customer_terminates_an_energy_data_agreement_and_both_sides_are_told(commit, agreement, customer):
    commit(services.terminate_agreement, by=customer, agreement=agreement, reason="Changed my mind")

    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.TERMINATED
    assert (agreement.ended_by, agreement.ended_by_role, agreement.end_reason) == (
        customer,
        "customer",
        "Changed my mind",
    )
    event = AgreementEvent.objects.get(agreement=agreement, action="agreement_terminated")
    assert (event.actor_user, event.detail) == (customer, "Changed my mind")
    assert sorted(message.to[0] for message in mail.outbox) == ["ops@bright.example.test", "pat@example.test"]
    assert all("Changed my mind" in message.body for message in mail.outbox)


def test_the_customer_terminates_a_device_services_agreement(premise, customer):
    agreement = agreement_at(premise, customer=customer, agreement_type="in_home_device_services", ends_at=None)

    services.terminate_agreement(by=customer, agreement=agreement)

    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.TERMINATED


def test_the_customer_cannot_terminate_an_in_home_device_agreement(premise, customer):
    agreement = agreement_at(premise, customer=customer, agreement_type="in_home_device", ends_at=None)

    with pytest.raises(services.AgreementError) as refusal:
        services.terminate_agreement(by=customer, agreement=agreement)

    assert refusal.value.code == "not_terminable"


def test_the_third_party_terminates_any_of_its_agreements_without_the_customer(agent, premise, customer):
    agreement = agreement_at(premise, customer=customer, third_party=agent.third_party, agreement_type="in_home_device")

    services.terminate_agreement(by=agent, agreement=agreement, reason="Contract over")

    agreement.refresh_from_db()
    assert (agreement.status, agreement.ended_by_role) == ("terminated", "third_party")


def test_another_customer_cannot_act_on_the_agreement(agreement):
    stranger = customer_at()

    for action, arguments in (
        (services.terminate_agreement, {}),
        (services.extend_agreement, {"months": 1}),
    ):
        with pytest.raises(services.AgreementError) as refusal:
            action(by=stranger, agreement=agreement, **arguments)
        assert refusal.value.status_code == 404
    agreement.refresh_from_db()
    assert agreement.is_active


def test_another_third_party_cannot_terminate(agreement):
    outsider = third_party_user(ThirdPartyFactory())

    with pytest.raises(services.AgreementError) as refusal:
        services.terminate_agreement(by=outsider, agreement=agreement)

    assert refusal.value.status_code == 404


def test_a_user_cannot_act_for_a_company_they_do_not_work_for(agreement, third_party):
    outsider = third_party_user(ThirdPartyFactory())

    with pytest.raises(services.AgreementError) as refusal:
        services.terminate_agreement(by=outsider, third_party=third_party, agreement=agreement)

    assert refusal.value.status_code == 403


def test_an_ended_agreement_cannot_be_terminated_again(agreement, customer):
    services.terminate_agreement(by=customer, agreement=agreement)

    with pytest.raises(services.AgreementError) as refusal:
        services.terminate_agreement(by=customer, agreement=agreement)

    assert refusal.value.code == "not_active"


def test_staff_terminate_for_the_utility(agreement):
    services.terminate_agreement(by=StaffFactory(), agreement=agreement)

    agreement.refresh_from_db()
    assert (agreement.ended_by_role, agreement.end_reason) == ("utility", "Terminated by the utility.")


def test_the_customer_extends_within_12_months_of_now(commit, agreement, customer):
    original_end = agreement.ends_at

    commit(services.extend_agreement, by=customer, agreement=agreement, months=6)

    agreement.refresh_from_db()
    assert agreement.ends_at == services.add_months(original_end, 6)
    assert AgreementEvent.objects.filter(agreement=agreement, action="agreement_extended").exists()
    assert len(mail.outbox) == 2


def test_an_extension_beyond_12_months_from_the_latest_acceptance_is_refused(agreement, customer):
    original_end = agreement.ends_at

    with pytest.raises(services.AgreementError) as refusal:
        services.extend_agreement(by=customer, agreement=agreement, months=7)

    assert refusal.value.code == "term_too_long"
    agreement.refresh_from_db()
    assert agreement.ends_at == original_end


def test_a_one_time_or_device_agreement_cannot_be_extended(premise, customer):
    one_time = agreement_at(premise, customer=customer, duration_kind="one_time", data_kinds=["daily"])

    with pytest.raises(services.AgreementError) as refusal:
        services.extend_agreement(by=customer, agreement=one_time, months=1)

    assert refusal.value.code == "not_extendable"


def test_one_time_agreement_ends_once_its_data_was_delivered(premise, customer):
    agreement = agreement_at(
        premise,
        customer=customer,
        duration_kind="one_time",
        data_kinds=["daily"],
        ends_at=None,
    )
    agreement.ends_at = agreement.starts_at + timedelta(days=30)
    agreement.save()

    services.complete_one_time(agreement=agreement)
    services.complete_one_time(agreement=agreement)

    agreement.refresh_from_db()
    assert (agreement.status, agreement.end_reason) == ("expired", "The one-time data was delivered.")
    assert AgreementEvent.objects.filter(agreement=agreement, action="agreement_completed").count() == 1


def test_a_continuous_agreement_is_not_completed_by_a_delivery(agreement):
    with pytest.raises(services.AgreementError) as refusal:
        services.complete_one_time(agreement=agreement)

    assert refusal.value.code == "not_one_time"
