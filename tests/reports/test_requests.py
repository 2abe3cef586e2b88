"""Report requests: only what an active agreement covers, at most 12 months back; refused ESIIDs
listed back with their reason while the rest are processed; one-time agreements end on delivery."""

import datetime as dt
from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from agreements import services as agreement_services
from agreements.models import Agreement
from reports import services
from reports.models import ReportItem, ReportRequest
from reports.services import ReportError
from tests.factories import PremiseFactory, ThirdPartyFactory, customer_at, third_party_user

from .conftest import covered_premise, load_days

pytestmark = pytest.mark.django_db


def _days_ago(days: int) -> dt.date:
    return timezone.localdate() - timedelta(days=days)


def _create(by, esiids=None, esiid_file=None, *, start=10, end=8, run=True, **fields):
    """Create a request as its own committed transaction: its run (eager Celery) happens then,
    unless `run` is False (the request stays queued)."""
    with TestCase.captureOnCommitCallbacks(execute=run):
        return services.create_report_request(
            by=by,
            kind=fields.pop("kind", "interval"),
            start_date=_days_ago(start) if isinstance(start, int) else start,
            end_date=_days_ago(end) if isinstance(end, int) else end,
            esiids=esiids,
            esiid_file=esiid_file,
            **fields,
        )


def test_a_period_starting_more_than_12_months_back_is_refused(third_party, agent):
    premise, _ = covered_premise(third_party)
    too_early = timezone.localdate().replace(year=timezone.localdate().year - 1) - timedelta(days=1)

    with pytest.raises(ReportError) as refused:
        _create(agent, [premise.esiid], start=too_early, end=5)

    assert refused.value.code == "too_far_back"
    assert ReportRequest.objects.count() == 0


def test_a_period_ending_in_the_future_or_before_its_start_is_refused(third_party, agent):
    premise, _ = covered_premise(third_party)

    with pytest.raises(ReportError) as future:
        _create(agent, [premise.esiid], start=3, end=-2)
    with pytest.raises(ReportError) as backwards:
        _create(agent, [premise.esiid], start=3, end=5)

    assert (future.value.code, backwards.value.code) == ("future_period", "invalid_period")


def test_an_uncovered_esiid_is_refused_when_it_is_the_only_one(third_party, agent):
    other = PremiseFactory()

    with pytest.raises(ReportError) as refused:
        _create(agent, [other.esiid])

    assert refused.value.code == "nothing_readable"
    assert refused.value.fields["esiids"] == [f"{other.esiid}: No agreement of yours covers this ESIID."]


def test_uncovered_esiids_are_listed_back_and_the_covered_ones_processed(third_party, agent):
    covered, _ = covered_premise(third_party)
    stranger = PremiseFactory()  # the customer there has no agreement with this third party
    _others, _ = covered_premise(ThirdPartyFactory())

    request = _create(agent, f"{covered.esiid}, {stranger.esiid} 12345 {_others.esiid}")

    assert request.esiids_total == 1
    outcome = {item.esiid: (item.status, item.reason_code) for item in request.items.all()}
    assert outcome == {
        covered.esiid: ("delivered", ""),  # eager Celery ran it already
        stranger.esiid: ("rejected", "not_covered"),
        "12345": ("rejected", "invalid_esiid"),
        _others.esiid: ("rejected", "not_covered"),
    }


def test_an_unknown_esiid_reads_exactly_like_one_without_agreement(third_party, agent):
    covered, _ = covered_premise(third_party)
    stranger = PremiseFactory()

    request = _create(agent, [covered.esiid, stranger.esiid, "10443729999999999"])

    reasons = dict(request.items.filter(status="rejected").values_list("esiid", "reason"))
    assert reasons[stranger.esiid] == reasons["10443729999999999"]


def test_an_ended_agreement_and_a_kind_not_covered_give_their_own_reasons(third_party, agent):
    ended, agreement = covered_premise(third_party)
    agreement_services.terminate_agreement(by=agent, agreement=agreement, reason="done")
    daily_only, _ = covered_premise(third_party, data_kinds=["daily"])
    covered, _ = covered_premise(third_party)

    request = _create(agent, [ended.esiid, daily_only.esiid, covered.esiid])

    reasons = dict(request.items.filter(status="rejected").values_list("esiid", "reason_code"))
    assert reasons == {ended.esiid: "agreement_ended", daily_only.esiid: "wrong_kind"}


def test_the_bulk_esiid_file_with_bad_lines_gives_one_file_per_good_esiid(third_party, agent, reports_dir):
    premises = [covered_premise(third_party)[0] for _ in range(3)]
    for premise in premises:
        load_days(premise, _days_ago(9), 1)
    lines = [
        "ESIID\n",
        f"'{premises[0].esiid}\n",
        "\n",
        "not-an-esiid\n",
        f"{premises[1].esiid},extra column\n",
        f"{PremiseFactory().esiid}\n",
        f"  {premises[2].esiid}  \n",
        f"{premises[0].esiid}\n",  # a repeat: one file only
    ]

    request = _create(agent, esiid_file=lines, start=9, end=9)

    request.refresh_from_db()
    assert (request.source, request.status, request.esiids_total, request.esiids_done) == ("file", "delivered", 3, 3)
    rejected = list(request.items.filter(status="rejected").values_list("line", "reason_code"))
    assert rejected == [(4, "invalid_esiid"), (6, "not_covered")]
    files = sorted(path.name for path in (reports_dir / f"third-party-{third_party.pk}").iterdir())
    assert files == sorted(request.items.filter(status="delivered").values_list("file_name", flat=True))
    assert len(files) == 3


def test_the_window_is_cut_to_what_the_customer_lived_there(third_party, agent):
    premise, _ = covered_premise(third_party, move_in=_days_ago(5))

    request = _create(agent, [premise.esiid], start=20, end=2)

    item = request.items.get()
    assert item.status == "delivered"
    assert timezone.localtime(item.window_start).date() == _days_ago(5)


def test_a_one_time_agreement_ends_once_its_data_is_delivered(third_party, agent):
    premise, agreement = covered_premise(third_party, duration_kind="one_time", data_kinds=["daily"], months=None)

    request = _create(agent, [premise.esiid], kind="daily")

    request.refresh_from_db()
    agreement.refresh_from_db()
    assert request.status == "delivered"
    assert agreement.status == Agreement.Status.EXPIRED
    assert request.items.get().agreement == agreement


def test_an_agreement_terminated_after_the_request_refuses_the_file_at_delivery(third_party, agent):
    premise, agreement = covered_premise(third_party)
    request = _create(agent, [premise.esiid], run=False)
    agreement_services.terminate_agreement(by=agreement.customer, agreement=agreement, reason="no more")

    services.run_report(request_id=request.pk)

    request.refresh_from_db()
    item = request.items.get()
    assert (request.status, item.status) == ("failed", ReportItem.Status.REJECTED)
    assert item.reason == "At delivery: Your agreement for this ESIID has ended."
    assert "None of the ESIIDs could be delivered" in request.failure_reason


def test_an_outsider_user_cannot_act_for_another_third_party(third_party):
    premise, _ = covered_premise(third_party)
    outsider = third_party_user(ThirdPartyFactory())

    with pytest.raises(ReportError) as refused:
        services.create_report_request(
            by=outsider,
            third_party=third_party,
            kind="interval",
            start_date=_days_ago(3),
            end_date=_days_ago(2),
            esiids=[premise.esiid],
        )

    assert refused.value.status_code == 403


def test_an_outsider_third_party_is_refused_every_esiid(third_party):
    premise, _ = covered_premise(third_party)
    outsider = third_party_user(ThirdPartyFactory())

    with pytest.raises(ReportError) as refused:
        _create(outsider, [premise.esiid])

    assert refused.value.code == "nothing_readable"


def test_a_customer_may_request_their_own_premise_for_the_time_they_lived_there(reports_dir):
    customer = customer_at(move_in=_days_ago(30))
    premise = customer.occupancies.get().premise
    load_days(premise, _days_ago(4), 2)

    request = _create(customer, [premise.esiid], start=4, end=3)

    request.refresh_from_db()
    assert (request.customer, request.third_party, request.status) == (customer, None, "delivered")
    [path] = (reports_dir / f"customer-{customer.pk}").iterdir()
    assert len(path.read_text().splitlines()) == 1 + 2 * 96


def test_a_customer_may_not_request_another_customers_premise():
    customer = customer_at()
    neighbour = customer_at()

    with pytest.raises(ReportError) as refused:
        _create(customer, [neighbour.occupancies.get().premise.esiid])

    assert refused.value.code == "nothing_readable"
