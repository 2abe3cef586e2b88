"""Events come from the services where things happen, once their transaction commits: never for a
rolled-back change, never lost when the request that caused them ends."""

import datetime as dt
import io
import json

import pytest
from django.db import transaction

from agreements import services as agreement_services
from meters import services as meter_services
from meters.headend import Answer
from meters.models import HanDeviceEvent, InHomeDevice
from portal.webhooks import services, tasks
from portal.webhooks.events import Event
from portal.webhooks.models import WebhookDelivery
from reports.models import ReportRequest
from reports.services import runs as report_runs
from tests.factories import (
    AgreementInvitationFactory,
    ExtensionRequestFactory,
    InHomeDeviceFactory,
    OccupancyFactory,
    agreement_at,
    customer_at,
)
from usage import services as usage_services

from .conftest import register


def received(receiver) -> list[dict]:
    return [json.loads(request.body) for request in receiver.requests]


@pytest.mark.django_db(transaction=True)
def test_an_event_is_sent_once_the_change_commits(third_party, receiver):
    register(third_party, receiver)
    agreement = agreement_at(third_party=third_party)

    agreement_services.terminate_agreement(by=None, third_party=third_party, agreement=agreement, reason="Done")

    (event,) = received(receiver)
    assert event["type"] == "agreement.terminated"
    assert event["data"]["agreement"]["number"] == agreement.number
    assert event["data"]["agreement"]["end_reason"] == "Done"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_sends_nothing_and_leaves_no_delivery(third_party, receiver):
    register(third_party, receiver)
    agreement = agreement_at(third_party=third_party)

    with pytest.raises(RuntimeError), transaction.atomic():
        agreement_services.terminate_agreement(by=None, third_party=third_party, agreement=agreement)
        raise RuntimeError("something later in the request failed")

    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()
    assert tasks.deliver_due_webhooks() == 0


@pytest.mark.django_db(transaction=True)
def test_a_delivery_whose_task_was_lost_is_sent_by_the_sweep(third_party, receiver, settings):
    register(third_party, receiver)
    with transaction.atomic():
        services.emit(Event.REPORT_FAILED, third_party=third_party, payload={"report": {"number": "REP-1"}})
        # The web process ends before its on-commit work runs: the task is never queued.
        transaction.get_connection().run_on_commit.clear()
    assert receiver.requests == [] and WebhookDelivery.objects.get().status == "pending"

    assert tasks.deliver_due_webhooks() == 1

    assert [event["type"] for event in received(receiver)] == ["report.failed"]
    assert WebhookDelivery.objects.get().status == "succeeded"


@pytest.mark.django_db
def test_another_third_partys_events_never_reach_the_endpoint(
    third_party, receiver, django_capture_on_commit_callbacks
):
    register(third_party, receiver)
    other = agreement_at()

    with django_capture_on_commit_callbacks(execute=True):
        agreement_services.terminate_agreement(by=None, third_party=other.third_party, agreement=other)

    assert receiver.requests == []


@pytest.mark.django_db
def test_invitation_answers_are_events(third_party, receiver, django_capture_on_commit_callbacks):
    register(third_party, receiver)
    customer = customer_at()
    premise = customer.occupancies.get().premise
    accepted = AgreementInvitationFactory(third_party=third_party, customer=customer, premises=[premise])
    rejected = AgreementInvitationFactory(third_party=third_party, customer=customer, premises=[premise])

    with django_capture_on_commit_callbacks(execute=True):
        agreement = agreement_services.accept_invitation(by=customer, invitation=accepted)
        agreement_services.reject_invitation(by=customer, invitation=rejected, reason="Not now")

    first, second = received(receiver)
    assert first["type"] == "invitation.accepted" and first["data"]["agreement"]["number"] == agreement.number
    assert first["data"]["invitation"]["esiids"] == [premise.esiid]
    assert second["type"] == "invitation.rejected" and second["data"]["invitation"]["reason"] == "Not now"


@pytest.mark.django_db
def test_answered_extension_requests_and_extensions_are_events(
    third_party, receiver, django_capture_on_commit_callbacks
):
    register(third_party, receiver)
    agreement = agreement_at(third_party=third_party, months=3)
    extension_request = ExtensionRequestFactory(agreement=agreement, months=2)

    with django_capture_on_commit_callbacks(execute=True):
        agreement_services.accept_extension_request(by=agreement.customer, extension_request=extension_request)

    types = {event["type"]: event["data"] for event in received(receiver)}
    assert types["extension_request.answered"]["extension_request"]["answer"] == "accepted"
    assert types["agreement.extended"]["months"] == 2


@pytest.mark.django_db
def test_the_expiry_sweep_sends_expired_invitations_and_agreements(
    third_party, receiver, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    register(third_party, receiver)
    invitation = AgreementInvitationFactory(third_party=third_party, premises=[OccupancyFactory().premise])
    agreement = agreement_at(third_party=third_party, starts_at=timezone.now() - dt.timedelta(days=30))
    invitation.expires_at = agreement.ends_at = timezone.now() - dt.timedelta(minutes=1)
    invitation.save()
    agreement.save()

    with django_capture_on_commit_callbacks(execute=True):
        agreement_services.expire_due()

    events = {event["type"]: event["data"] for event in received(receiver)}
    assert events["invitation.expired"]["invitation"]["number"] == invitation.number
    assert events["agreement.expired"]["agreement"]["number"] == agreement.number


@pytest.mark.django_db
def test_a_failed_report_is_an_event(third_party, receiver, django_capture_on_commit_callbacks):
    register(third_party, receiver)
    report = ReportRequest.objects.create(
        third_party=third_party, kind="daily", start_date=dt.date(2025, 7, 1), end_date=dt.date(2025, 7, 2)
    )

    with django_capture_on_commit_callbacks(execute=True):
        report_runs.fail_report(request_id=report.pk, reason="The FTPS server refused the login.")

    (event,) = received(receiver)
    assert event["type"] == "report.failed"
    assert event["data"]["report"]["failure_reason"] == "The FTPS server refused the login."


@pytest.mark.django_db
def test_a_device_join_answered_by_the_head_end_is_an_event_for_the_agreements_third_party(
    third_party, receiver, django_capture_on_commit_callbacks
):
    register(third_party, receiver)
    premise = OccupancyFactory().premise
    device = InHomeDeviceFactory(premise=premise, status=InHomeDevice.Status.PENDING)
    agreement_at(premise=premise, customer=premise.occupancies.get().customer, third_party=third_party, device=device)
    HanDeviceEvent.objects.create(device=device, action="add", headend_reference="vendor-7")

    with django_capture_on_commit_callbacks(execute=True):
        meter_services.record_headend_answers({"vendor-7": Answer(True, "Joined")})

    (event,) = received(receiver)
    assert event["type"] == "device.joined"
    assert event["data"]["device"]["mac"] == device.mac and event["data"]["device"]["status"] == "joined"


@pytest.mark.django_db
def test_new_data_for_a_premise_under_agreement_is_one_event_per_batch(
    third_party, receiver, django_capture_on_commit_callbacks
):
    register(third_party, receiver, events=[Event.USAGE_AVAILABLE])
    agreement = agreement_at(third_party=third_party)
    premise = agreement.premises.get()
    elsewhere = OccupancyFactory().premise  # no agreement with this third party
    rows = [
        f"'{esiid},07/01/2025,07/02/2025 06:00:00,{start},{end},0.500,A,Consumption"
        for esiid in (premise.esiid, elsewhere.esiid)
        for start, end in (("00:00", "00:15"), ("00:15", "00:30"))
    ]
    header = (
        "ESIID,USAGE_DATE,REVISION_DATE,USAGE_START_TIME,USAGE_END_TIME,USAGE_KWH,ESTIMATED_ACTUAL,"
        "CONSUMPTION_SURPLUSGENERATION"
    )

    with django_capture_on_commit_callbacks(execute=True):
        usage_services.ingest_stream(stream=io.StringIO("\n".join([header, *rows]) + "\n"), name="IntervalData.csv")
    with django_capture_on_commit_callbacks(execute=True):  # the same file again: nothing new
        usage_services.ingest_stream(stream=io.StringIO("\n".join([header, *rows]) + "\n"), name="IntervalData.csv")

    (event,) = received(receiver)
    assert event["type"] == "usage.available" and event["data"]["kind"] == "interval"
    (announced,) = event["data"]["premises"]
    assert announced["esiid"] == premise.esiid and announced["agreement"] == agreement.number
    assert announced["first"] == "2025-07-01T05:00:00Z" and announced["last"] == "2025-07-01T05:15:00Z"


@pytest.mark.django_db
def test_a_device_removed_by_the_customer_tells_the_third_party_whose_agreement_it_ended(
    third_party, receiver, django_capture_on_commit_callbacks
):
    register(third_party, receiver, events=[Event.DEVICE_REMOVED, Event.AGREEMENT_TERMINATED])
    premise = OccupancyFactory().premise
    customer = premise.occupancies.get().customer
    device = InHomeDeviceFactory(premise=premise, status=InHomeDevice.Status.JOINED)
    agreement_at(
        premise=premise, customer=customer, third_party=third_party, device=device,
        agreement_type="in_home_device_services", duration_kind="", data_kinds=[], ends_at=None,
    )  # fmt: skip
    agreement_services.remove_device(by=customer, device=device)  # its head-end request is not sent here
    HanDeviceEvent.objects.filter(device=device, action="remove").update(headend_reference="vendor-rm-1")

    with django_capture_on_commit_callbacks(execute=True):
        meter_services.record_headend_answers({"vendor-rm-1": Answer(True, "Removed")})

    (removed,) = [event for event in received(receiver) if event["type"] == "device.removed"]
    assert removed["data"]["device"]["mac"] == device.mac
    assert removed["data"]["request"]["status"] == "succeeded"


@pytest.mark.django_db
def test_a_move_out_removes_a_device_that_never_joined_and_says_so(
    third_party, receiver, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    register(third_party, receiver, events=[Event.DEVICE_REMOVED])
    premise = OccupancyFactory().premise
    device = InHomeDeviceFactory(premise=premise, status=InHomeDevice.Status.FAILED)
    agreement_at(
        premise=premise, customer=premise.occupancies.get().customer, third_party=third_party, device=device,
        agreement_type="in_home_device", duration_kind="", data_kinds=[], ends_at=None,
    )  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        agreement_services.move_out(by=None, premise=premise, move_out=timezone.localdate())

    (event,) = received(receiver)
    assert event["type"] == "device.removed" and event["data"]["device"]["status"] == "removed"
