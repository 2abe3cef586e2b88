"""Rule 6: the third party's extension requests — resendable once, valid 30 days, answered by the
customer, never past 12 months from the latest acceptance."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from agreements import services
from agreements.models import AgreementEvent, ExtensionRequest
from tests.factories import ThirdPartyFactory, agreement_at, customer_at, third_party_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(premise, customer, third_party):
    """Accepted five months ago for six months: one month left."""
    started = services.add_months(timezone.now(), -5)
    return agreement_at(premise, customer=customer, third_party=third_party, starts_at=started, months=6)


def test_the_third_party_requests_an_extension_and_the_customer_is_mailed_a_link(commit, agent, agreement):
    extension_request = commit(services.request_extension, by=agent, agreement=agreement, months=6)

    assert extension_request.status == ExtensionRequest.Status.PENDING
    assert extension_request.expires_at - extension_request.created_at == pytest.approx(
        timedelta(days=30), abs=timedelta(seconds=5)
    )
    [message] = mail.outbox
    assert message.to == ["pat@example.test"]
    assert f"/agreements/extension-requests/{extension_request.pk}/" in message.body
    assert AgreementEvent.objects.filter(extension_request=extension_request, action="extension_requested").exists()


def test_a_request_beyond_12_months_is_refused(agent, agreement):
    with pytest.raises(services.AgreementError) as refusal:
        services.request_extension(by=agent, agreement=agreement, months=12)

    assert refusal.value.code == "term_too_long"


def test_only_one_request_is_pending_at_a_time(agent, agreement):
    services.request_extension(by=agent, agreement=agreement, months=3)

    with pytest.raises(services.AgreementError) as refusal:
        services.request_extension(by=agent, agreement=agreement, months=3)

    assert refusal.value.code == "extension_pending"


def test_a_request_is_resent_once(commit, agent, agreement):
    extension_request = services.request_extension(by=agent, agreement=agreement, months=3)

    commit(services.resend_extension_request, by=agent, extension_request=extension_request)
    with pytest.raises(services.AgreementError) as refusal:
        commit(services.resend_extension_request, by=agent, extension_request=extension_request)

    assert refusal.value.code == "already_resent"
    assert [message.subject.startswith("Reminder:") for message in mail.outbox] == [True]


def test_another_third_party_cannot_request_or_resend(agent, agreement):
    outsider = third_party_user(ThirdPartyFactory())
    extension_request = services.request_extension(by=agent, agreement=agreement, months=3)

    with pytest.raises(services.AgreementError) as refusal:
        services.request_extension(by=outsider, agreement=agreement, months=3)
    assert refusal.value.status_code == 404
    with pytest.raises(services.AgreementError) as refusal:
        services.resend_extension_request(by=outsider, extension_request=extension_request)
    assert refusal.value.status_code == 404


def test_the_customer_accepts_and_the_term_runs_from_this_acceptance(commit, agent, customer, agreement):
    end_before = agreement.ends_at
    extension_request = services.request_extension(by=agent, agreement=agreement, months=6)

    commit(services.accept_extension_request, by=customer, extension_request=extension_request)

    agreement.refresh_from_db()
    extension_request.refresh_from_db()
    assert extension_request.status == ExtensionRequest.Status.ACCEPTED
    assert agreement.ends_at == services.add_months(end_before, 6)
    assert agreement.accepted_at == extension_request.answered_at
    assert {message.to[0] for message in mail.outbox} == {"pat@example.test", "ops@bright.example.test"}


def test_the_customer_rejects_and_the_third_party_is_told(commit, agent, customer, agreement):
    extension_request = services.request_extension(by=agent, agreement=agreement, months=3)

    commit(services.reject_extension_request, by=customer, extension_request=extension_request, reason="No thanks")

    extension_request.refresh_from_db()
    assert extension_request.status == ExtensionRequest.Status.REJECTED
    [message] = mail.outbox
    assert "ops@bright.example.test" in message.to and "No thanks" in message.body


def test_another_customer_cannot_answer(agent, agreement):
    extension_request = services.request_extension(by=agent, agreement=agreement, months=3)

    with pytest.raises(services.AgreementError) as refusal:
        services.accept_extension_request(by=customer_at(), extension_request=extension_request)

    assert refusal.value.status_code == 404


def test_an_answer_after_30_days_is_refused(agent, customer, agreement):
    extension_request = services.request_extension(by=agent, agreement=agreement, months=3)
    ExtensionRequest.objects.filter(pk=extension_request.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(services.AgreementError) as refusal:
        services.accept_extension_request(by=customer, extension_request=extension_request)

    assert refusal.value.code == "extension_expired"


def test_terminating_the_agreement_closes_its_pending_request(agent, customer, agreement):
    extension_request = services.request_extension(by=agent, agreement=agreement, months=3)

    services.terminate_agreement(by=customer, agreement=agreement)

    extension_request.refresh_from_db()
    assert extension_request.status == ExtensionRequest.Status.EXPIRED
    with pytest.raises(services.AgreementError):
        services.accept_extension_request(by=customer, extension_request=extension_request)
