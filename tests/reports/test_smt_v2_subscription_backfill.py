"""An agreement that joins an SMT v2 subscription after it was made gets the history the
subscription asked for, once, and only of what that agreement covers; delivered like the first
history (a report request in the subscription's format)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from agreements.models import Agreement
from agreements.services import add_months
from reports import tasks
from reports.models import ReportItem, ReportRequest, SmtSubscription, SmtSubscriptionBackfill
from reports.smt_v2 import subscriptions
from reports.smt_v2.subscriptions import extend_subscriptions
from tests.factories import AgreementFactory
from tests.threads import at_once
from tests.usage.smt_support import home

from .smt_v2_support import company, shared_home
from .test_smt_v2_api import caller  # noqa: F401  (the fixture)
from .test_smt_v2_subscriptions import subscription_body

pytestmark = pytest.mark.django_db


def subscribe(post, who, **fields) -> SmtSubscription:
    answer = post("/v2/NewSubscription/", subscription_body(who, **fields))
    assert answer.status_code == 200, answer.json()
    return SmtSubscription.objects.get(number=answer.json()["subscriptionNumber"])


def histories_of(esiid: str) -> list[ReportRequest]:
    """The report requests other than scheduled runs that name the ESIID."""
    return list(ReportRequest.objects.filter(items__esiid=esiid).exclude(source="schedule").order_by("pk"))


def test_an_agreement_accepted_later_gets_the_history_the_subscription_asked_for(caller):  # noqa: F811
    who, post = caller
    first = shared_home(who, with_reads=False)
    subscription = subscribe(post, who, historicalSubscriptionDuration=3)
    newcomer = shared_home(who, with_reads=False)

    tasks.run_due_schedules()  # the beat

    today = timezone.localdate()
    [history] = histories_of(newcomer.premise.esiid)
    assert (history.kind, history.format, history.third_party) == ("interval", "texas_csv", who.third_party)
    assert (history.start_date, history.end_date) == (add_months(today, -3), today - timedelta(days=1))
    assert list(history.items.values_list("esiid", flat=True)) == [newcomer.premise.esiid]
    assert subscription.backfills.get().request == history
    assert histories_of(first.premise.esiid) == [subscription.backfill]  # the first history only


def test_the_later_history_comes_in_the_subscriptions_format(caller):  # noqa: F811
    who, post = caller
    shared_home(who, with_reads=False)
    subscribe(post, who, historicalSubscriptionDuration=6, dataType="DAILY", reportFormat="JSON", deliveryMode="EML")
    newcomer = shared_home(who, with_reads=False)

    extend_subscriptions()

    [history] = histories_of(newcomer.premise.esiid)
    assert (history.kind, history.format) == ("daily", "json")
    assert history.start_date == add_months(timezone.localdate(), -6)


def test_a_second_beat_gives_no_second_history(caller):  # noqa: F811
    who, post = caller
    shared_home(who, with_reads=False)
    subscription = subscribe(post, who, historicalSubscriptionDuration=3)
    newcomer = shared_home(who, with_reads=False)

    extend_subscriptions()
    extend_subscriptions()

    assert len(histories_of(newcomer.premise.esiid)) == 1
    assert subscription.backfills.count() == 1


def test_the_history_never_starts_before_the_agreements_data_range(caller):  # noqa: F811
    who, post = caller
    shared_home(who, with_reads=False)
    subscribe(post, who, historicalSubscriptionDuration=12)
    data_from = timezone.now() - timedelta(days=10)  # e.g. a grant consenting to data from that day on
    newcomer = shared_home(who, with_reads=False, data_from=data_from)

    extend_subscriptions()

    [history] = histories_of(newcomer.premise.esiid)
    assert history.start_date == timezone.localtime(data_from).date()
    assert history.items.get().window_start == data_from


def test_the_history_never_starts_before_the_customer_moved_in(caller):  # noqa: F811
    who, post = caller
    shared_home(who, with_reads=False)
    subscribe(post, who, historicalSubscriptionDuration=12)
    moved_in = timezone.localdate() - timedelta(days=20)
    place = home(move_in=moved_in)
    AgreementFactory(customer=place.customer, third_party=who.third_party, premises=[place.premise])

    extend_subscriptions()

    [history] = histories_of(place.premise.esiid)
    assert history.start_date == moved_in


def test_a_terminated_agreement_gets_no_history(caller):  # noqa: F811
    who, post = caller
    shared_home(who, with_reads=False)
    subscription = subscribe(post, who, historicalSubscriptionDuration=3)
    ended = shared_home(who, with_reads=False, status=Agreement.Status.TERMINATED, ended_at=timezone.now())

    extend_subscriptions()

    assert histories_of(ended.premise.esiid) == []
    assert not subscription.backfills.exists()
    assert not ReportItem.objects.filter(esiid=ended.premise.esiid).exists()


def test_a_subscription_without_history_gives_a_later_agreement_none(caller):  # noqa: F811
    who, post = caller
    shared_home(who, with_reads=False)
    subscription = subscribe(post, who, historicalSubscriptionDuration=0)
    newcomer = shared_home(who, with_reads=False)

    assert extend_subscriptions() == 1  # it joins: a schedule, no history

    assert histories_of(newcomer.premise.esiid) == []
    assert not subscription.backfills.exists()


def test_another_companys_later_agreement_gets_no_history(caller):  # noqa: F811
    who, post = caller
    shared_home(who, with_reads=False)
    subscription = subscribe(post, who, historicalSubscriptionDuration=3)
    outsider = shared_home(company(2), with_reads=False)

    extend_subscriptions()

    assert histories_of(outsider.premise.esiid) == []
    assert not subscription.backfills.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_give_one_history():
    who = company()
    shared_home(who, with_reads=False)
    subscriptions.subscribe(
        third_party=who.third_party,
        subscription_type="CSPENROLL",
        data_type="INTERVAL",
        report_format="CSV",
        delivery_mode="FTP",
        history=3,
    )
    newcomer = shared_home(who, with_reads=False)

    outcomes = at_once(extend_subscriptions)

    assert set(outcomes) == {0, 1}  # one beat took the agreement in, the other skipped it
    assert len(histories_of(newcomer.premise.esiid)) == 1
    assert SmtSubscriptionBackfill.objects.count() == 1
