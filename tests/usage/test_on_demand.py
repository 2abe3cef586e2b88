"""On-demand reads: who may ask, at most 2 per premise per hour, the head-end's answer stored
(register, usage since the previous read), failures and time-outs, and the sweep."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from meters.headend import Answer, ReadRequest, SimulatedHeadEnd, simulated_register
from tests.factories import MeterFactory, OccupancyFactory, ThirdPartyFactory, third_party_user
from tests.threads import at_once
from usage.models import OnDemandRead
from usage.services import UsageError, ondemand

from .usage_api_support import agreement_for, committed, home

pytestmark = pytest.mark.django_db


def test_the_customer_living_at_the_premise_gets_the_meters_register_stored():
    customer, premise = home()
    MeterFactory(premise=premise, meter_number="M-42")

    with committed():
        read = ondemand.request_read(by=customer, premise=premise)

    read.refresh_from_db()
    assert read.status == OnDemandRead.Status.COMPLETED
    assert read.meter.meter_number == "M-42"
    assert read.register_kwh == Decimal(simulated_register(premise.esiid, int(read.read_at.timestamp()))).scaleb(-3)
    assert read.usage_kwh is None  # the first read has nothing to compare with
    assert read.answered_at is not None and read.headend_reference.startswith("sim-read-ok-")


def test_a_third_party_whose_agreement_covers_on_demand_reads_may_ask():
    _, premise = home()
    third_party = ThirdPartyFactory()
    agreement_for(premise, third_party)

    with committed():
        read = ondemand.request_read(by=third_party_user(third_party), premise=premise)

    read.refresh_from_db()
    assert read.third_party == third_party and read.status == OnDemandRead.Status.COMPLETED


def test_a_third_partys_machine_client_asks_without_a_user():
    _, premise = home()
    third_party = ThirdPartyFactory()
    agreement_for(premise, third_party)

    read = ondemand.request_read(by=None, premise=premise, third_party=third_party)

    assert read.third_party == third_party and read.requested_by is None


def test_an_agreement_without_on_demand_reads_is_refused():
    _, premise = home()
    third_party = ThirdPartyFactory()
    agreement_for(premise, third_party, data_kinds=["interval", "daily"])

    with pytest.raises(UsageError) as refused:
        ondemand.request_read(by=None, premise=premise, third_party=third_party)

    assert refused.value.code == "wrong_kind" and refused.value.status_code == 403
    assert not OnDemandRead.objects.exists()


def test_a_third_party_without_an_agreement_is_refused():
    _, premise = home()

    with pytest.raises(UsageError) as refused:
        ondemand.request_read(by=None, premise=premise, third_party=ThirdPartyFactory())

    assert refused.value.code == "no_agreement"


def test_a_customer_of_another_premise_is_refused():
    customer, _ = home()
    _, other_premise = home()

    with pytest.raises(UsageError) as refused:
        ondemand.request_read(by=customer, premise=other_premise)

    assert refused.value.code == "not_allowed"


def test_a_former_occupant_is_refused():
    occupancy = OccupancyFactory(move_out=timezone.localdate() - timedelta(days=3))

    with pytest.raises(UsageError) as refused:
        ondemand.request_read(by=occupancy.customer, premise=occupancy.premise)

    assert refused.value.code == "not_allowed"


def test_a_third_request_within_the_hour_is_refused_with_when_to_retry():
    customer, premise = home()
    first = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    ondemand.request_read(by=customer, premise=premise, now=first)
    ondemand.request_read(by=customer, premise=premise, now=first + timedelta(minutes=20))

    with pytest.raises(UsageError) as refused:
        ondemand.request_read(by=customer, premise=premise, now=first + timedelta(minutes=45))

    assert refused.value.code == "rate_limited" and refused.value.status_code == 429
    assert refused.value.retry_after == 15 * 60  # the first request leaves the hour at 16:00 UTC
    assert "10:00 CST" in refused.value.message  # 16:00 UTC in the premise's time
    assert OnDemandRead.objects.count() == 2


def test_the_limit_counts_every_requester_of_the_premise():
    customer, premise = home()
    third_party = ThirdPartyFactory()
    agreement_for(premise, third_party)
    now = timezone.now()
    ondemand.request_read(by=customer, premise=premise, now=now - timedelta(minutes=5))
    ondemand.request_read(by=None, premise=premise, third_party=third_party, now=now - timedelta(minutes=1))

    with pytest.raises(UsageError) as refused:
        ondemand.request_read(by=None, premise=premise, third_party=third_party, now=now)

    assert refused.value.code == "rate_limited"


def test_a_request_is_allowed_again_once_the_hour_has_rolled_on():
    customer, premise = home()
    first = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    ondemand.request_read(by=customer, premise=premise, now=first)
    ondemand.request_read(by=customer, premise=premise, now=first + timedelta(minutes=20))

    again = ondemand.request_read(by=customer, premise=premise, now=first + timedelta(minutes=60, seconds=1))

    assert again.pk and OnDemandRead.objects.count() == 3


def test_a_read_the_meter_does_not_answer_fails_with_the_head_ends_reason():
    customer, premise = home()
    MeterFactory(premise=premise, meter_number="M-NOREAD-1")

    with committed():
        read = ondemand.request_read(by=customer, premise=premise)

    read.refresh_from_db()
    assert read.status == OnDemandRead.Status.FAILED
    assert read.detail == "The meter did not answer the read request." and read.register_kwh is None


def test_a_read_never_answered_times_out_after_the_setting(settings):
    settings.ON_DEMAND_READ_TIMEOUT = timedelta(minutes=5)
    customer, premise = home()
    MeterFactory(premise=premise, meter_number="M-SILENT-1")
    with committed():
        read = ondemand.request_read(by=customer, premise=premise)
    read.refresh_from_db()
    assert read.status == OnDemandRead.Status.PENDING and read.headend_reference

    assert ondemand.expire_reads(now=read.requested_at + timedelta(minutes=4)) == 0
    assert ondemand.expire_reads(now=read.requested_at + timedelta(minutes=6)) == 1

    read.refresh_from_db()
    assert read.status == OnDemandRead.Status.TIMED_OUT
    assert read.detail == "No answer from the meter within 5 minutes."
    assert ondemand.expire_reads(now=read.requested_at + timedelta(minutes=7)) == 0


def test_usage_is_the_register_minus_the_previous_completed_read():
    customer, premise = home()
    earlier = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    first = ondemand.request_read(by=customer, premise=premise, now=earlier)
    second = ondemand.request_read(by=customer, premise=premise, now=earlier + timedelta(minutes=30))
    OnDemandRead.objects.filter(pk=first.pk).update(headend_reference="ref-1")
    OnDemandRead.objects.filter(pk=second.pk).update(headend_reference="ref-2")

    stored = ondemand.record_read_answers(
        {
            "ref-1": Answer(True, "Read.", value=Decimal("1000.500"), read_at=earlier),
            "ref-2": Answer(True, "Read.", value=Decimal("1001.750"), read_at=earlier + timedelta(minutes=30)),
        }
    )

    assert stored == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.usage_kwh is None and second.usage_kwh == Decimal("1.250")
    assert ondemand.latest_read(premise=premise) == second


def test_an_answer_to_a_read_already_timed_out_changes_nothing():
    customer, premise = home()
    read = ondemand.request_read(by=customer, premise=premise)
    OnDemandRead.objects.filter(pk=read.pk).update(headend_reference="late")
    ondemand.expire_reads(now=timezone.now() + timedelta(hours=1))

    assert ondemand.record_read_answers({"late": Answer(True, value=Decimal("5.000"))}) == 0
    read.refresh_from_db()
    assert read.status == OnDemandRead.Status.TIMED_OUT


def test_the_sweep_sends_requests_whose_task_never_ran_and_stores_the_answers():
    customer, premise = home()
    read = ondemand.request_read(by=customer, premise=premise)  # not committed: no task ran
    assert not OnDemandRead.objects.get(pk=read.pk).headend_reference

    counts = ondemand.sweep_reads(now=timezone.now() + timedelta(minutes=3))

    assert counts == {"sent": 1, "answered": 1, "timed_out": 0}
    read.refresh_from_db()
    assert read.status == OnDemandRead.Status.COMPLETED


def test_the_latest_read_is_the_latest_request_or_the_latest_completed_one():
    customer, premise = home()
    assert ondemand.latest_read(premise=premise) is None
    with committed():
        done = ondemand.request_read(by=customer, premise=premise, now=timezone.now() - timedelta(minutes=2))
    waiting = ondemand.request_read(by=customer, premise=premise)

    assert ondemand.latest_read(premise=premise) == waiting
    assert ondemand.latest_read(premise=premise, completed_only=True) == done


def test_the_simulator_answers_a_read_on_the_next_poll_with_a_growing_register():
    simulator = SimulatedHeadEnd()
    reference = simulator.request_read(ReadRequest(esiid="10443720000001234", meter_number="M1"))

    answer = SimulatedHeadEnd().poll([reference])[reference]

    assert answer.succeeded and answer.read_at is not None
    assert answer.value == Decimal(simulated_register("10443720000001234", int(answer.read_at.timestamp()))).scaleb(-3)
    assert simulated_register("10443720000001234", 1_800_000_000) < simulated_register(
        "10443720000001234", 1_800_003_600
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_cannot_both_take_the_last_slot():
    customer, premise = home()
    ondemand.request_read(by=customer, premise=premise, now=timezone.now() - timedelta(minutes=10))

    outcomes = at_once(lambda: ondemand.request_read(by=customer, premise=premise))

    codes = [outcome.code if isinstance(outcome, UsageError) else "ok" for outcome in outcomes]
    assert sorted(codes) == ["ok", "rate_limited"]
    assert OnDemandRead.objects.filter(premise=premise).count() == 2
