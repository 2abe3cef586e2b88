"""SMT v2 subscriptions take in agreements accepted after they were made: the schedule beat gives
the new agreement a schedule of its own, whose runs cover its ESIIDs inside its own term only."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from reports import services, tasks
from reports.models import ReportRequest, ReportSchedule, SmtSubscription
from reports.smt_v2 import subscriptions
from reports.smt_v2.subscriptions import extend_subscriptions

from .conftest import local
from .smt_v2_support import company, shared_home
from .test_smt_v2_api import caller  # noqa: F401  (the fixture)
from .test_smt_v2_subscriptions import subscription_body

pytestmark = pytest.mark.django_db


def periods_of(esiid: str) -> list[tuple]:
    requests = ReportRequest.objects.filter(source="schedule", items__esiid=esiid).order_by("start_date")
    return list(requests.values_list("start_date", "end_date"))


def subscribe(post, who, **fields) -> SmtSubscription:
    answer = post("/v2/NewSubscription/", subscription_body(who, historicalSubscriptionDuration=0, **fields))
    assert answer.status_code == 200, answer.json()
    return SmtSubscription.objects.get(number=answer.json()["subscriptionNumber"])


def test_an_agreement_accepted_later_is_in_the_next_run_within_its_own_term(caller):  # noqa: F811
    who, post = caller
    first = shared_home(who, with_reads=False)
    subscription = subscribe(post, who)
    today = timezone.localdate()
    last_day = today + timedelta(days=20)
    # Accepted after the subscription was made; its term ends at noon the day after `last_day`.
    newcomer = shared_home(who, with_reads=False, months=1, ends_at=local(last_day + timedelta(days=1), 12))

    tasks.run_due_schedules()  # the beat: the subscription takes the new agreement in
    services.run_due_schedules(now=local(today + timedelta(days=1), 7))
    next_run = periods_of(newcomer.premise.esiid)
    services.run_due_schedules(now=local(last_day + timedelta(days=1), 7))
    services.run_due_schedules(now=local(last_day + timedelta(days=5), 7))

    assert subscription.schedules.count() == 2
    assert next_run == [(today, today)]
    days = periods_of(newcomer.premise.esiid)
    assert days == [(today + timedelta(days=offset),) * 2 for offset in range(21)]
    assert periods_of(first.premise.esiid)[-1][0] > last_day  # the first agreement's schedule runs on


def test_taking_agreements_in_twice_adds_nothing_more(caller):  # noqa: F811
    who, post = caller
    shared_home(who, with_reads=False)
    subscription = subscribe(post, who)
    shared_home(who, with_reads=False)

    first, second = extend_subscriptions(), extend_subscriptions()

    assert (first, second) == (1, 0)
    assert subscription.schedules.count() == 2


def test_an_agreement_without_the_data_type_is_not_taken_in(caller):  # noqa: F811
    who, post = caller
    shared_home(who, with_reads=False)
    subscription = subscribe(post, who)
    shared_home(who, with_reads=False, data_kinds=["daily"])

    assert extend_subscriptions() == 0
    assert subscription.schedules.count() == 1


def test_a_cancelled_subscription_takes_nothing_in(caller):  # noqa: F811
    who, post = caller
    shared_home(who, with_reads=False)
    subscription = subscribe(post, who)
    post("/v2/UnSubscription/", who.ids(subscriptionNumber=subscription.number))
    shared_home(who, with_reads=False)

    assert extend_subscriptions() == 0
    assert subscription.schedules.count() == 1


def test_another_companys_new_agreement_is_not_taken_in(caller):  # noqa: F811
    who, post = caller
    shared_home(who, with_reads=False)
    subscription = subscribe(post, who)
    shared_home(company(2), with_reads=False)

    assert extend_subscriptions() == 0
    assert subscription.schedules.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_unsubscribing_while_a_beat_takes_an_agreement_in_leaves_no_schedule_running():
    who = company()
    shared_home(who, with_reads=False)
    subscription = subscriptions.subscribe(
        third_party=who.third_party,
        subscription_type="CSPENROLL",
        data_type="INTERVAL",
        report_format="CSV",
        delivery_mode="FTP",
        history=0,
    )
    shared_home(who, with_reads=False)
    inside, release = threading.Event(), threading.Event()
    create_schedule = subscriptions.create_schedule

    def paused_create_schedule(**fields):  # the beat stops half-way, its lock held
        inside.set()
        release.wait(20)
        return create_schedule(**fields)

    def in_thread(call):
        def run():
            try:
                call()
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    with mock.patch.object(subscriptions, "create_schedule", paused_create_schedule):
        beat = in_thread(extend_subscriptions)
        assert inside.wait(20)
        ending = in_thread(lambda: subscriptions.unsubscribe(third_party=who.third_party, number=subscription.number))
        ending.join(1)  # waits for the beat
        release.set()
        beat.join(20)
        ending.join(20)

    subscription.refresh_from_db()
    assert subscription.status == SmtSubscription.Status.CANCELLED
    assert subscription.schedules.count() == 2
    assert not subscription.schedules.filter(status=ReportSchedule.Status.ACTIVE).exists()
