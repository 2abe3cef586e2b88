"""Sub-grants (WG3-01 §3.7): an approved aggregation below the privacy threshold puts the direct-access
grant in `needs_sub_grants`; each customer of the group is asked by e-mail for
`cds_aggregation_consent`; consenting customers count toward the threshold, so once every customer
of a small group consented the grant is `active` and the summed usage is served; a decline keeps it
refused."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from agreements.grants_api import GrantSerializer
from agreements.models import AggregationSubGrant, AgreementEvent
from agreements.services import direct_access
from tests.factories import CustomerFactory

from .direct import PERIOD, USAGE, approve, direct_token, neighbourhood
from .helpers import bearer, every_scope_client_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_set(db):
    return every_scope_client_set()


@pytest.fixture
def small_group(client_set, settings, django_capture_on_commit_callbacks):
    """Three households where ten customers are needed; the researcher's read asks them all."""
    settings.CDS_AGGREGATION_MIN_CUSTOMERS = 10
    settings.CDS_AGGREGATION_MAX_SHARE = 50
    aggregation, premises = neighbourhood(3)
    approval = approve(client_set, "cds_query_usage", aggregation_numbers=[aggregation.number])
    token = direct_token(client_set, "cds_query_usage", aggregation_numbers=[aggregation.number])["access_token"]
    with django_capture_on_commit_callbacks(execute=True):
        first = read(aggregation, token)
    return aggregation, approval, token, first


def read(aggregation, token):
    return Client().get(USAGE, {"aggregation_numbers": aggregation.number, **PERIOD}, **bearer(token))


def answer(sub_grant, value: str):
    browser = Client()
    browser.force_login(sub_grant.customer)
    return browser.post(f"/agreements/aggregation-consent/{sub_grant.token}/", {"answer": value})


def test_below_the_threshold_each_customer_is_asked_by_e_mail(small_group):
    aggregation, approval, _token, first = small_group

    assert first.status_code == 403 and first.json()["error"]["code"] == "needs_sub_grants"
    sub_grants = AggregationSubGrant.objects.filter(approval=approval, aggregation_number=aggregation.number)
    assert sub_grants.count() == 3
    assert {sub_grant.status for sub_grant in sub_grants} == {"needs_authorization"}
    asked = {message.to[0] for message in mail.outbox}
    assert asked == {sub_grant.customer.email for sub_grant in sub_grants}
    link = next(message for message in mail.outbox if message.to == [sub_grants[0].customer.email])
    assert f"/agreements/aggregation-consent/{sub_grants[0].token}/" in link.body
    assert direct_access.status_of(approval) == "needs_sub_grants"
    assert approval.agreement.events.filter(action=AgreementEvent.Action.SUB_GRANTS_REQUESTED).count() == 1


def test_reading_again_asks_nobody_twice(small_group):
    aggregation, _approval, token, _first = small_group
    mail.outbox.clear()

    read(aggregation, token)

    assert AggregationSubGrant.objects.count() == 3 and mail.outbox == []


def test_once_every_customer_consented_the_grant_is_active_and_the_sum_is_served(small_group):
    aggregation, approval, token, _first = small_group

    for sub_grant in AggregationSubGrant.objects.all():
        assert answer(sub_grant, "consent").status_code == 200

    assert direct_access.status_of(approval) == "active"
    response = read(aggregation, token)
    assert response.status_code == 200, response.content
    [segment] = response.json()["usage_segments"]
    assert segment["values"] == [[{"eu": "36.000"}]]  # 3 households x 120 reads x 0.1 kWh


def test_a_decline_keeps_the_group_refused(small_group):
    aggregation, approval, token, _first = small_group
    first, *others = AggregationSubGrant.objects.order_by("pk")

    answer(first, "decline")
    for sub_grant in others:
        answer(sub_grant, "consent")

    assert direct_access.status_of(approval) == "needs_sub_grants"
    response = read(aggregation, token)
    assert response.status_code == 403 and response.json()["error"]["code"] == "needs_sub_grants"
    first.refresh_from_db()
    assert first.status == "declined"


def test_another_customer_cannot_answer_for_the_one_asked(small_group):
    sub_grant = AggregationSubGrant.objects.first()
    browser = Client()
    browser.force_login(CustomerFactory())

    response = browser.post(f"/agreements/aggregation-consent/{sub_grant.token}/", {"answer": "consent"})

    assert response.status_code == 404
    sub_grant.refresh_from_db()
    assert sub_grant.status == "needs_authorization"


def test_the_consent_page_asks_an_anonymous_visitor_to_log_in(small_group):
    sub_grant = AggregationSubGrant.objects.first()

    response = Client().get(f"/agreements/aggregation-consent/{sub_grant.token}/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=%2Fagreements%2Faggregation-consent%2F{sub_grant.token}%2F"


def test_the_customer_finds_the_request_on_their_agreements_page_until_answered(small_group):
    sub_grant = AggregationSubGrant.objects.first()
    browser = Client()
    browser.force_login(sub_grant.customer)
    link = f"/agreements/aggregation-consent/{sub_grant.token}/"

    assert link in browser.get("/agreements/").content.decode()
    answer(sub_grant, "consent")
    assert link not in browser.get("/agreements/").content.decode()


def test_the_client_follows_the_grant_through_the_grants_api(client_set, small_group):
    _aggregation, approval, _token, _first = small_group
    headers = client_set.admin_headers()

    grant = Client().get(f"/api/v1/cds/grants/{approval.agreement.number}", **headers).json()

    assert grant["status"] == "needs_sub_grants" and len(grant["children"]) == 3
    assert set(grant) == set(GrantSerializer().fields)  # the Grant object the schema promises
    child = Client().get(f"/api/v1/cds/grants/{grant['children'][0]}", **headers).json()
    assert (child["parent"], child["status"], child["scope"]) == (
        approval.agreement.number,
        "needs_authorization",
        "cds_aggregation_consent",
    )
    for sub_grant in AggregationSubGrant.objects.all():
        answer(sub_grant, "consent")
    assert Client().get(f"/api/v1/cds/grants/{approval.agreement.number}", **headers).json()["status"] == "active"


def test_another_registration_cannot_read_the_direct_grant(small_group):
    _aggregation, approval, _token, _first = small_group
    stranger = every_scope_client_set()

    response = Client().get(f"/api/v1/cds/grants/{approval.agreement.number}", **stranger.admin_headers())

    assert response.status_code == 404
