"""A direct-access grant is an agreement with no customer (source DIRECT): the third party sees it
among its agreements (pages, CSV, API) as "Direct access (staff-approved)" with its scopes; the
customers' rules (move-out, e-mails, the consent gate) never touch it; it ends like any agreement
(staff terminate it, the expiry sweep expires it) and its tokens stop at once."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from agreements import access, services, webhooks
from agreements.models import Agreement, AgreementEvent
from agreements.services import direct_access
from reports.smt_v2 import agreements as smt_agreements
from reports.smt_v2.services import SmtError
from tests.conftest import issue_token
from tests.factories import (
    OAuthClientFactory,
    StaffFactory,
    ThirdPartyFactory,
    agreement_at,
    third_party_user,
)

from .direct import approve, direct_token
from .factories import billed_customer
from .helpers import bearer, every_scope_client_set

pytestmark = pytest.mark.django_db

DIRECT_LABEL = "Direct access (staff-approved)"


@pytest.fixture
def client_set(db):
    return every_scope_client_set()


@pytest.fixture
def direct(client_set):
    """A staff list of one billed customer's premise, and that customer's own agreement with the
    same company."""
    billed = billed_customer()
    approval = approve(client_set, "cds_query_accounts cds_query_meter_devices", premises=[billed.premise])
    consented = agreement_at(
        premise=billed.premise, customer=billed.customer, third_party=approval.agreement.third_party
    )
    return approval, billed, consented


def _browser_of(third_party) -> Client:
    browser = Client()
    browser.force_login(third_party_user(third_party))
    return browser


def test_the_third_partys_agreements_page_shows_direct_access_with_its_scopes(direct):
    approval, billed, consented = direct

    page = _browser_of(approval.agreement.third_party).get("/agreements/").content.decode()

    assert approval.agreement.number in page and consented.number in page
    assert f'{DIRECT_LABEL}: <span class="mono">cds_query_accounts cds_query_meter_devices</span>' in page
    assert billed.customer.email in page


def test_the_third_partys_detail_page_of_direct_access(direct):
    approval, _billed, _consented = direct

    page = _browser_of(approval.agreement.third_party).get(f"/agreements/{approval.agreement.number}/")

    assert page.status_code == 200
    assert DIRECT_LABEL in page.content.decode() and "Direct access approved by staff" in page.content.decode()


def test_the_csv_export_has_the_direct_agreement_without_a_customer(direct):
    approval, billed, consented = direct

    response = _browser_of(approval.agreement.third_party).get("/agreements/export.csv")

    rows = {row["number"]: row for row in csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))}
    direct_row = rows[approval.agreement.number]
    assert (direct_row["customer_email"], direct_row["direct_access_scope"], direct_row["esiids"]) == (
        "",
        "cds_query_accounts cds_query_meter_devices",
        billed.premise.esiid,
    )
    assert rows[consented.number]["customer_email"] == billed.customer.email


def test_the_agreements_api_lists_the_direct_agreement(direct, api_client):
    approval, _billed, consented = direct
    oauth_client = OAuthClientFactory(third_party=approval.agreement.third_party, allowed_scopes="agreements")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(oauth_client, 'agreements')}")

    listed = {item["number"]: item for item in api_client.get("/api/v1/agreements/").json()["results"]}

    direct_item = listed[approval.agreement.number]
    assert (direct_item["source"], direct_item["customer_email"]) == ("direct", None)
    assert direct_item["direct_access"]["label"] == DIRECT_LABEL
    assert direct_item["direct_access"]["scope"] == "cds_query_accounts cds_query_meter_devices"
    assert listed[consented.number]["direct_access"] is None


def test_move_out_ends_the_customers_agreement_but_not_direct_access(direct):
    approval, billed, consented = direct

    services.move_out(by=StaffFactory(), premise=billed.premise, move_out=timezone.localdate())

    consented.refresh_from_db()
    approval.agreement.refresh_from_db()
    assert consented.status == "terminated" and approval.agreement.status == "active"


def test_the_expiry_sweep_expires_direct_access_at_its_end(client_set):
    approval = approve(client_set, "cds_query_accounts")
    ends_at = approval.agreement.ends_at

    before = services.expire_due(now=ends_at - timedelta(seconds=1))
    after = services.expire_due(now=ends_at)

    agreement = Agreement.objects.get(pk=approval.agreement_id)
    assert (before["agreements"], after["agreements"], agreement.status) == (0, 1, "expired")
    assert agreement.events.last().action == AgreementEvent.Action.AGREEMENT_EXPIRED


def test_terminating_it_in_the_admin_stops_its_tokens_at_once_and_mails_no_customer(
    client_set, direct, django_capture_on_commit_callbacks
):
    approval, _billed, _consented = direct
    token = direct_token(client_set, "cds_query_accounts")["access_token"]
    assert Client().get("/api/v1/cds/accounts/", **bearer(token)).status_code == 200
    staff = Client()
    staff.force_login(StaffFactory(is_superuser=True))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            "/admin/agreements/agreement/", {"action": "terminate", "_selected_action": [approval.agreement_id]}
        )

    assert response.status_code == 302
    assert Client().get("/api/v1/cds/accounts/", **bearer(token)).status_code == 401
    agreement = Agreement.objects.get(pk=approval.agreement_id)
    assert (agreement.status, agreement.ended_by_role) == ("terminated", "utility")
    assert [message.to for message in mail.outbox] == [[agreement.third_party.contact_email]]


def test_a_customer_cannot_end_direct_access(direct):
    approval, billed, _consented = direct

    with pytest.raises(services.AgreementError) as refused:
        services.terminate_agreement(by=billed.customer, agreement=approval.agreement)

    assert refused.value.status_code == 404


def test_another_third_party_cannot_end_direct_access(direct):
    approval, _billed, _consented = direct

    with pytest.raises(services.AgreementError) as refused:
        services.terminate_agreement(by=third_party_user(ThirdPartyFactory()), agreement=approval.agreement)

    assert refused.value.status_code == 404


def test_the_consent_gate_never_reads_a_direct_agreement(client_set):
    billed = billed_customer()
    approval = approve(client_set, "cds_query_accounts", premises=[billed.premise])
    now = timezone.now()

    decision = access.may_read(
        third_party=approval.agreement.third_party,
        premise=billed.premise,
        kind="daily",
        start=now - timedelta(days=2),
        end=now,
    )

    assert (decision.allowed, decision.code) == (False, "no_agreement")


def test_its_end_is_a_webhook_event_saying_direct_access(direct, monkeypatch):
    approval, _billed, _consented = direct
    sent = []
    monkeypatch.setattr(webhooks, "anyone_listens", lambda *events: True)
    monkeypatch.setattr(webhooks, "emit", lambda event, **fields: sent.append((event, fields)))

    direct_access.revoke_approval(by=StaffFactory(), approval=approval)

    [(event, fields)] = sent
    assert (event, fields["third_party"]) == ("agreement.terminated", approval.agreement.third_party_id)
    assert fields["payload"]["agreement"]["source"] == "direct"


def test_smart_meter_texas_reads_never_go_through_direct_access(client_set):
    billed = billed_customer()
    approval = approve(client_set, "cds_query_meter_devices", premises=[billed.premise])
    third_party = approval.agreement.third_party

    with pytest.raises(SmtError) as refused:
        smt_agreements.covered_premises(third_party=third_party, esiids=[billed.premise.esiid])

    assert refused.value.code == "no_agreement"
    assert smt_agreements.my_agreements(third_party=third_party) == []
