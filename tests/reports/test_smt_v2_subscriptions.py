"""SMT v2 subscriptions: a report schedule per active agreement plus a one-off history request; a
duplicate refused the way SMT refuses it; UnSubscription cancels the schedules."""

import pytest

from reports.models import ReportRequest, ReportSchedule, SmtSubscription

from .smt_v2_support import company, shared_home
from .test_smt_v2_api import caller  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def subscription_body(who, **fields):
    defaults = {
        "subscriptionType": "CSPENROLL",
        "historicalSubscriptionDuration": 3,
        "dataType": "INTERVAL",
        "reportFormat": "CSV",
        "deliveryMode": "FTP",
    }
    return who.ids(**{**defaults, **fields})


def test_a_subscription_schedules_each_agreement_and_asks_for_the_history(caller):  # noqa: F811
    who, post = caller
    first, second = shared_home(who), shared_home(who)
    shared_home(company(2))  # another company's agreement: not subscribed

    answer = post("/v2/NewSubscription/", subscription_body(who))

    body = answer.json()
    assert answer.status_code == 200, body
    subscription = SmtSubscription.objects.get(number=body["subscriptionNumber"])
    schedules = subscription.schedules.all()
    assert {schedule.premises.get() for schedule in schedules} == {first.premise, second.premise}
    assert {(schedule.kind, schedule.format) for schedule in schedules} == {("interval", "texas_csv")}
    history = ReportRequest.objects.get(number=body["historyCorrelationId"])
    assert (history.third_party, history.kind) == (who.third_party, "interval")


def test_a_duplicate_subscription_is_refused_as_smt_refuses_it(caller):  # noqa: F811
    who, post = caller
    shared_home(who)
    post("/v2/NewSubscription/", subscription_body(who))

    answer = post("/v2/NewSubscription/", subscription_body(who, historicalSubscriptionDuration=0))

    assert answer.status_code == 400
    body = answer.json()
    assert body["statusCode"] == "0001"
    assert body["CustomerDUNSFaultList"][0]["reasonCode"] == f"Subcription is already active::{who.duns}"
    assert SmtSubscription.objects.count() == 1


def test_another_data_type_is_its_own_subscription(caller):  # noqa: F811
    who, post = caller
    shared_home(who)
    post("/v2/NewSubscription/", subscription_body(who))

    answer = post("/v2/NewSubscription/", subscription_body(who, dataType="DAILY", historicalSubscriptionDuration=0))

    assert answer.status_code == 200, answer.json()


def test_without_an_agreement_there_is_nothing_to_subscribe_to(caller):  # noqa: F811
    who, post = caller

    answer = post("/v2/NewSubscription/", subscription_body(who))

    assert answer.status_code == 409
    assert not SmtSubscription.objects.exists()


def test_unsubscribing_cancels_the_schedules_and_allows_a_new_subscription(caller):  # noqa: F811
    who, post = caller
    shared_home(who)
    number = post("/v2/NewSubscription/", subscription_body(who)).json()["subscriptionNumber"]

    ended = post("/v2/UnSubscription/", who.ids(subscriptionNumber=number))
    listed = post("/v2/Mysubscriptions/", who.ids()).json()["subscriptionList"]
    again = post("/v2/NewSubscription/", subscription_body(who, historicalSubscriptionDuration=0))

    assert ended.status_code == 200
    assert ReportSchedule.objects.filter(status=ReportSchedule.Status.ACTIVE).count() == 1  # the new one
    assert [entry["status"] for entry in listed] == ["NACOM"]
    assert again.status_code == 200


def test_another_companys_subscription_cannot_be_ended(caller):  # noqa: F811
    who, post = caller
    other = company(2)
    shared_home(other)
    theirs = SmtSubscription.objects.create(
        third_party=other.third_party,
        subscription_type="CSPENROLL",
        data_type="DAILY",
        report_format="CSV",
        delivery_mode="FTP",
    )

    answer = post("/v2/UnSubscription/", who.ids(subscriptionNumber=theirs.number))

    assert answer.status_code == 404


@pytest.mark.parametrize(("field", "value"), [("historicalSubscriptionDuration", 5), ("dataType", "HOURLY")])
def test_values_smt_does_not_offer_are_refused(caller, field, value):  # noqa: F811
    who, post = caller
    shared_home(who)

    answer = post("/v2/NewSubscription/", subscription_body(who, **{field: value}))

    assert answer.status_code == 400
    assert set(answer.json()) == {"errorCode", "errorMessage"}
