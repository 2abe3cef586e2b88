"""Direct-access grants in the Grants API (WG1-02 §8): listed with the consent grants of the
registration (filters apply to both kinds); staff change them, so the client may only close one
(PATCH status=closed: the agreement ends, its tokens stop); a sub-grant is its customer's to answer;
another registration neither lists nor closes them."""

import json

import pytest
from django.test import Client

from agreements.grants_api import GrantSerializer
from agreements.models import Agreement
from agreements.services import direct_access
from tests.factories import StaffFactory

from .direct import approve, direct_token
from .factories import billed_customer
from .helpers import bearer, consent_token, every_scope_client_set

pytestmark = pytest.mark.django_db

GRANTS = "/api/v1/cds/grants/"


@pytest.fixture
def client_set(db):
    return every_scope_client_set()


@pytest.fixture
def both(client_set):
    """A consent grant of a customer and a direct-access grant of the same registration."""
    billed = billed_customer()
    consent_token(client_set, billed.customer, "cds_accounts")
    consent = Agreement.objects.get(source="oauth")
    approval = approve(client_set, "cds_query_accounts", premises=[billed.premise])
    return consent, approval, billed


def _list(client_set, **filters) -> list[dict]:
    response = Client().get(GRANTS, filters, **client_set.admin_headers())
    assert response.status_code == 200, response.content
    return response.json()["grants"]


def _patch(client_set, grant_id: str, data: dict):
    return Client().patch(
        f"{GRANTS}{grant_id}", json.dumps(data), content_type="application/json", **client_set.admin_headers()
    )


def test_the_list_holds_direct_grants_with_the_consent_grants(client_set, both):
    consent, approval, _billed = both

    grants = {grant["grant_id"]: grant for grant in _list(client_set)}

    assert set(grants) == {consent.number, approval.agreement.number}
    direct = grants[approval.agreement.number]
    assert (direct["status"], direct["scope"], direct["client_id"]) == (
        "active",
        "cds_query_accounts",
        approval.client.client_id,
    )
    assert set(direct) == set(GrantSerializer().fields)


def test_the_list_filters_apply_to_direct_grants(client_set, both):
    consent, approval, billed = both
    number = approval.agreement.number

    by_scope = [grant["grant_id"] for grant in _list(client_set, scopes="cds_query_accounts")]
    by_client = [grant["grant_id"] for grant in _list(client_set, client_ids=approval.client.client_id)]
    direct_access.request_sub_grants(
        approval=approval, aggregation_number="ZIP-1", aggregation_name="Z", members={billed.customer.pk: []}
    )
    waiting = [grant["grant_id"] for grant in _list(client_set, statuses="needs_sub_grants")]
    active = [grant["grant_id"] for grant in _list(client_set, statuses="active")]

    assert (by_scope, by_client, waiting, active) == ([number], [number], [number], [consent.number])


def test_the_client_closes_a_direct_grant_and_its_tokens_stop(client_set, both):
    _consent, approval, _billed = both
    token = direct_token(client_set, "cds_query_accounts")["access_token"]

    response = _patch(client_set, approval.agreement.number, {"status": "closed"})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"
    agreement = Agreement.objects.get(pk=approval.agreement_id)
    assert (agreement.status, agreement.ended_by_role) == ("terminated", "third_party")
    assert Client().get("/api/v1/cds/accounts/", **bearer(token)).status_code == 401


def test_closing_an_ended_direct_grant_again_is_a_conflict(client_set, both):
    _consent, approval, _billed = both
    direct_access.revoke_approval(by=StaffFactory(), approval=approval)

    response = _patch(client_set, approval.agreement.number, {"status": "closed"})

    assert response.status_code == 409
    assert _list(client_set, grant_ids=approval.agreement.number)[0]["status"] == "disabled"  # ended by staff


def test_the_client_cannot_change_a_direct_grants_scope(client_set, both):
    _consent, approval, _billed = both

    response = _patch(client_set, approval.agreement.number, {"scope": "cds_query_accounts cds_query_usage"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "staff_approved"
    approval.refresh_from_db()
    assert approval.scope == "cds_query_accounts" and approval.agreement.status == "active"


def test_the_client_cannot_answer_a_sub_grant(client_set, both):
    _consent, approval, billed = both
    [sub_grant] = direct_access.request_sub_grants(
        approval=approval, aggregation_number="ZIP-1", aggregation_name="Z", members={billed.customer.pk: []}
    )

    response = _patch(client_set, f"SUB-{sub_grant.pk}", {"status": "closed"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "customer_answers"
    sub_grant.refresh_from_db()
    assert sub_grant.status == "needs_authorization"


def test_another_registration_neither_lists_nor_closes_a_direct_grant(both):
    _consent, approval, _billed = both
    stranger = every_scope_client_set()

    listed = _list(stranger)
    response = _patch(stranger, approval.agreement.number, {"status": "closed"})

    assert listed == [] and response.status_code == 404
    assert Agreement.objects.get(pk=approval.agreement_id).status == "active"
