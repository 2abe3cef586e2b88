"""Rule 11: the expiry sweep — invitations and extension requests after 30 days, agreements at
their end — set-based, audited and idempotent, run by Celery beat."""

from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from agreements import services, tasks
from agreements.models import Agreement, AgreementEvent, AgreementInvitation, ExtensionRequest
from agreements.services import expiry
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


def test_a_sweep_larger_than_a_batch_expires_every_row_once(monkeypatch):
    monkeypatch.setattr(expiry, "BATCH", 2)
    invitations = [AgreementInvitationFactory(expires_at=_past(seconds=1)) for _ in range(5)]

    assert services.expire_due()["invitations"] == 5

    assert set(AgreementInvitation.objects.values_list("status", flat=True)) == {"expired"}
    assert sorted(AgreementEvent.objects.values_list("invitation_id", flat=True)) == sorted(i.pk for i in invitations)


def test_a_row_created_after_a_sweep_already_due_expires_at_the_next():
    now = timezone.now()
    services.expire_due(now=now)
    imported = AgreementInvitationFactory(expires_at=now - timedelta(days=40))  # e.g. loaded from another system

    assert services.expire_due(now=now + timedelta(minutes=15))["invitations"] == 1

    imported.refresh_from_db()
    assert imported.status == "expired"


def test_an_end_moved_back_to_just_before_the_last_sweep_expires_at_the_next():
    now = timezone.now()
    agreement = AgreementFactory(starts_at=now - timedelta(days=10))
    services.expire_due(now=now)
    Agreement.objects.filter(pk=agreement.pk).update(ends_at=now - timedelta(minutes=30))

    assert services.expire_due(now=now + timedelta(minutes=15))["agreements"] == 1


def test_an_end_moved_back_further_outside_the_services_expires_at_the_daily_full_pass():
    now = timezone.now()
    agreement = AgreementFactory(starts_at=now - timedelta(days=10))
    services.expire_due(now=now)
    Agreement.objects.filter(pk=agreement.pk).update(ends_at=now - timedelta(days=2))
    # Sweeps in between read only dates near their cutoff (the access gate already refuses it).
    services.expire_due(now=now + timedelta(minutes=15))

    services.expire_due(now=now + timedelta(days=1, minutes=15))

    agreement.refresh_from_db()
    assert agreement.status == "expired"
    assert AgreementEvent.objects.filter(agreement=agreement, action="agreement_expired").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
def test_a_sweep_that_finds_another_running_leaves_the_work_to_it():
    invitation = AgreementInvitationFactory(expires_at=_past(seconds=1))
    database = connection.settings_dict
    other = psycopg.connect(
        dbname=database["NAME"], user=database["USER"], host=database["HOST"], port=database["PORT"] or 5432
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [expiry.LOCK])

        assert services.expire_due() == {"invitations": 0, "agreements": 0, "extension_requests": 0}
    finally:
        other.execute("SELECT pg_advisory_unlock(%s)", [expiry.LOCK])  # now, not when the server notices
        other.close()

    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert services.expire_due()["invitations"] == 1
