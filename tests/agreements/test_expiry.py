"""Rule 11: the expiry sweep — invitations and extension requests after 30 days, agreements at
their end — set-based, audited and idempotent, run by Celery beat."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from agreements import services, tasks
from agreements.models import Agreement, AgreementEvent, AgreementInvitation, ExtensionRequest
from tests.factories import AgreementFactory, AgreementInvitationFactory, ExtensionRequestFactory

pytestmark = pytest.mark.django_db


def _past(**delta):
    return timezone.now() - timedelta(**delta)


@pytest.fixture
def due_and_not_due():
    started = _past(days=200)
    return {
        "due_invitation": AgreementInvitationFactory(expires_at=_past(seconds=1)),
        "fresh_invitation": AgreementInvitationFactory(),
        "answered_invitation": AgreementInvitationFactory(expires_at=_past(days=3), status="accepted"),
        "due_agreement": AgreementFactory(starts_at=started, ends_at=_past(minutes=1)),
        "running_agreement": AgreementFactory(),
        "device_agreement": AgreementFactory(agreement_type="in_home_device", ends_at=None, data_kinds=[]),
        "due_request": ExtensionRequestFactory(expires_at=_past(seconds=1)),
        "fresh_request": ExtensionRequestFactory(),
    }


def test_the_sweep_expires_what_is_due_and_nothing_else(due_and_not_due):
    rows = due_and_not_due

    counts = services.expire_due()

    assert counts == {"invitations": 1, "agreements": 1, "extension_requests": 1}
    for name, status in {
        "due_invitation": "expired",
        "fresh_invitation": "pending",
        "answered_invitation": "accepted",
        "due_agreement": "expired",
        "running_agreement": "active",
        "device_agreement": "active",
        "due_request": "expired",
        "fresh_request": "pending",
    }.items():
        rows[name].refresh_from_db()
        assert rows[name].status == status, name
    assert rows["due_agreement"].ended_by_role == "system"
    assert rows["due_agreement"].ended_at is not None


def test_each_expiry_is_an_audit_event(due_and_not_due):
    rows = due_and_not_due

    services.expire_due()

    assert AgreementEvent.objects.filter(invitation=rows["due_invitation"], action="invitation_expired").count() == 1
    assert AgreementEvent.objects.filter(agreement=rows["due_agreement"], action="agreement_expired").count() == 1
    request_event = AgreementEvent.objects.get(extension_request=rows["due_request"])
    assert (request_event.action, request_event.agreement_id) == ("extension_expired", rows["due_request"].agreement_id)
    assert AgreementEvent.objects.count() == 3


def test_running_the_sweep_twice_changes_nothing_more(due_and_not_due):
    services.expire_due()
    events = AgreementEvent.objects.count()

    assert services.expire_due() == {"invitations": 0, "agreements": 0, "extension_requests": 0}
    assert AgreementEvent.objects.count() == events


def test_a_pending_request_of_an_agreement_that_expires_expires_too():
    agreement = AgreementFactory(starts_at=_past(days=200), ends_at=_past(minutes=1))
    request = ExtensionRequestFactory(agreement=agreement)

    services.expire_due()

    request.refresh_from_db()
    assert request.status == ExtensionRequest.Status.EXPIRED


def test_an_expired_invitation_can_no_longer_be_accepted(customer, premise):
    invitation = AgreementInvitationFactory(customer=customer, premises=[premise], expires_at=_past(seconds=1))
    services.expire_due()

    with pytest.raises(services.AgreementError) as refusal:
        services.accept_invitation(by=customer, invitation=invitation)

    assert refusal.value.code == "not_pending"
    assert not Agreement.objects.exists()


def test_the_celery_task_runs_the_sweep_and_beat_schedules_it():
    AgreementInvitationFactory(expires_at=_past(seconds=1))

    result = tasks.expire_due.delay().get()

    assert result["invitations"] == 1
    assert AgreementInvitation.objects.get().status == "expired"
    entry = settings.CELERY_BEAT_SCHEDULE["agreements-expire-due"]
    assert entry["task"] == "agreements.tasks.expire_due"
    assert entry["schedule"] <= 60 * 60
