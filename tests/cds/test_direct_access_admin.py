"""Direct access in the admin: only staff approve which client reads which `cds_query_*` data sets,
with an audit trail; the form refuses a consent client, an unknown include and a list without
premises; approving a group below the privacy threshold asks its customers at once."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from agreements.models import Agreement, AgreementEvent, DirectAccessApproval
from agreements.services import direct_access
from portal.cds import scopes
from tests.factories import CustomerFactory, StaffFactory

from .direct import neighbourhood
from .helpers import every_scope_client_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_set(db):
    return every_scope_client_set()


def _admin_post(client, **fields):
    """Staff fill in the admin's approval form."""
    browser = Client()
    browser.force_login(StaffFactory(is_superuser=True))
    form = {
        "third_party": client.third_party.pk,
        "client": client.pk,
        "scope": "cds_query_service_points",
        "purpose": "Grid planning.",
        "coverage": "postal_codes",
        "postal_codes": '["78701"]',
        "aggregation_numbers": "[]",
        "includes": "[]",
        "esiids": "",
        "starts_at_0": "2026-01-01",
        "starts_at_1": "00:00:00",
        "ends_at_0": "2030-01-01",
        "ends_at_1": "00:00:00",
        **{f"sub_grants-{key}": value for key, value in MANAGEMENT.items()},
    } | fields
    return browser.post("/admin/agreements/directaccessapproval/add/", form)


def test_staff_approve_direct_access_in_the_admin_with_an_audit_trail(client_set):
    response = _admin_post(client_set.client(scopes.DIRECT))

    assert response.status_code == 302, response.content[:2000]
    approval = DirectAccessApproval.objects.get()
    assert approval.approved_by.is_staff and approval.coverage == "postal_codes"
    agreement = approval.agreement
    assert (agreement.source, agreement.customer, agreement.number) == ("direct", None, f"AGR-{agreement.pk:06d}")
    assert agreement.events.get().action == AgreementEvent.Action.DIRECT_ACCESS_APPROVED


def test_the_admin_refuses_a_consent_client_for_direct_access(client_set):
    response = _admin_post(client_set.consent, scope="cds_query_accounts", coverage="all", postal_codes="[]")

    assert response.status_code == 200
    assert "Not a direct-access client" in response.content.decode()
    assert not DirectAccessApproval.objects.exists()


def test_approving_a_group_too_small_asks_its_customers_at_once(client_set, settings):
    settings.CDS_AGGREGATION_MIN_CUSTOMERS = 10
    aggregation, _ = neighbourhood(3)

    response = _admin_post(
        client_set.client(scopes.DIRECT),
        scope="cds_query_usage",
        coverage="all",
        postal_codes="[]",
        aggregation_numbers=f'["{aggregation.number}"]',
    )

    assert response.status_code == 302
    approval = DirectAccessApproval.objects.get()
    assert approval.sub_grants.count() == 3 and direct_access.status_of(approval) == "needs_sub_grants"


MANAGEMENT = {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0", "MAX_NUM_FORMS": "1000"}


def test_only_staff_approve_direct_access(client_set):
    client = client_set.client(scopes.DIRECT)
    now = timezone.now()
    approval = direct_access.new_approval(
        third_party=client.third_party,
        client=client,
        scope="cds_query_accounts",
        coverage="all",
        purpose="Curiosity.",
        starts_at=now,
        ends_at=now + timedelta(days=1),
    )

    with pytest.raises(direct_access.AgreementError) as refused:
        direct_access.save_approval(by=CustomerFactory(), approval=approval)

    assert refused.value.status_code == 403 and not Agreement.objects.exists()


def test_the_admin_refuses_an_unknown_include_and_a_list_without_premises(client_set):
    client = client_set.client(scopes.DIRECT)

    unknown = _admin_post(client, includes='["include_everything"]')
    empty_list = _admin_post(client, coverage="premises", postal_codes="[]")

    assert unknown.status_code == 200 and "include_everything" in unknown.content.decode()
    assert empty_list.status_code == 200 and "Required." in empty_list.content.decode()
    assert not DirectAccessApproval.objects.exists()
