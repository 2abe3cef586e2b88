"""Direct access (`cds_query_*` through client credentials on the direct-access client): a token
only within a live staff approval, reading exactly the premises, data sets and optional fields the
approval covers; usage only ever summed over approved aggregations that meet the privacy threshold
(N customers, no one above M % of an interval), refused without aggregation_numbers; consent scopes
never through client credentials, direct scopes never on the consent client."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement, AgreementEvent
from agreements.services import direct_access
from portal.cds import scopes
from reports.models import DataAccessLog
from tests.factories import PremiseFactory, StaffFactory

from .direct import PERIOD, USAGE, approve, direct_token, neighbourhood
from .factories import BillSectionFactory, BillStatementFactory, billed_customer
from .helpers import bearer, consent_token, every_scope_client_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_set(db):
    return every_scope_client_set()


def test_a_usage_token_without_aggregation_numbers_is_refused(client_set):
    approve(client_set, "cds_query_usage", aggregation_numbers=["ZIP-78702"])

    response = direct_token(client_set, "cds_query_usage")

    assert response["status"] == 400
    assert response["error"] == "invalid_authorization_details"


def test_monthly_usage_of_a_postal_code_above_the_threshold_is_served_summed(client_set, settings):
    settings.CDS_AGGREGATION_MIN_CUSTOMERS = 3
    settings.CDS_AGGREGATION_MAX_SHARE = 50
    aggregation, premises = neighbourhood(3)
    approve(client_set, "cds_query_usage", aggregation_numbers=[aggregation.number])
    token = direct_token(client_set, "cds_query_usage", aggregation_numbers=[aggregation.number])

    response = Client().get(
        USAGE, {"aggregation_numbers": aggregation.number, **PERIOD}, **bearer(token["access_token"])
    )

    assert response.status_code == 200, response.content
    [segment] = response.json()["usage_segments"]
    assert segment["values"] == [[{"eu": "36.000"}]]  # 3 households x 120 reads x 0.1 kWh
    assert segment["segment_start"].startswith("2026-09-01T00:00:00-05:00")
    assert segment["related_servicepoints"] == [] and segment["related_aggregations"] == [str(aggregation.pk)]


def test_a_group_with_too_few_customers_needs_sub_grants(client_set, settings):
    settings.CDS_AGGREGATION_MIN_CUSTOMERS = 15
    aggregation, _ = neighbourhood(3)
    approve(client_set, "cds_query_usage", aggregation_numbers=[aggregation.number])
    token = direct_token(client_set, "cds_query_usage", aggregation_numbers=[aggregation.number])

    response = Client().get(
        USAGE, {"aggregation_numbers": aggregation.number, **PERIOD}, **bearer(token["access_token"])
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "needs_sub_grants"


def test_a_group_where_one_customer_dominates_an_interval_is_refused(client_set, settings):
    settings.CDS_AGGREGATION_MIN_CUSTOMERS = 3
    settings.CDS_AGGREGATION_MAX_SHARE = 50
    aggregation, _ = neighbourhood(3, heavy=True)
    approve(client_set, "cds_query_usage", aggregation_numbers=[aggregation.number])
    token = direct_token(client_set, "cds_query_usage", aggregation_numbers=[aggregation.number])

    response = Client().get(
        USAGE, {"aggregation_numbers": aggregation.number, **PERIOD}, **bearer(token["access_token"])
    )

    assert response.status_code == 403 and "at most 50" in response.json()["error"]["message"]


def test_a_usage_request_without_aggregation_numbers_is_refused(client_set):
    aggregation, _ = neighbourhood(1)
    approve(client_set, "cds_query_usage", aggregation_numbers=[aggregation.number])
    token = direct_token(client_set, "cds_query_usage", aggregation_numbers=[aggregation.number])

    response = Client().get(USAGE, PERIOD, **bearer(token["access_token"]))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "aggregation_numbers_required"


def test_a_consent_scope_is_refused_on_the_direct_access_client(client_set):
    response = client_set.token(client_set.client(scopes.DIRECT), "cds_usage")

    assert response["status"] == 400
    assert response["error"] == "invalid_scope"


def test_a_consent_token_reads_no_aggregated_usage_of_others(client_set, settings):
    settings.CDS_AGGREGATION_MIN_CUSTOMERS = 1
    aggregation, _ = neighbourhood(2)
    billed = billed_customer()
    token = consent_token(client_set, billed.customer, "cds_usage")

    response = Client().get(USAGE, {"aggregation_numbers": aggregation.number, **PERIOD}, **bearer(token))

    assert response.status_code == 200
    assert response.json()["usage_segments"] == []


def test_a_direct_scope_is_refused_on_the_consent_client(client_set):
    approve(client_set, "cds_query_accounts")

    response = client_set.token(client_set.consent, "cds_query_accounts")

    assert response["status"] == 400
    assert response["error"] == "unauthorized_client"  # the consent client has no client credentials


# --- Customer objects within a staff approval ------------------------------------------------------


def _objects():
    """Two billed customers with a statement and a section each: (inside, outside)."""
    billed = []
    for _ in range(2):
        customer = billed_customer()
        statement = BillStatementFactory(account=customer.account)
        section = BillSectionFactory(statement=statement, service_contract=customer.contract)
        billed.append((customer, statement, section))
    return billed


DATA_SETS = [
    ("cds_query_accounts", "accounts", "cds_account_id", lambda b, st, se: b.account.pk),
    ("cds_query_service_contracts", "service-contracts", "cds_servicecontract_id", lambda b, st, se: b.contract.pk),
    ("cds_query_service_points", "service-points", "cds_servicepoint_id", lambda b, st, se: b.premise.pk),
    ("cds_query_meter_devices", "meter-devices", "cds_meterdevice_id", lambda b, st, se: b.meter.pk),
    ("cds_query_bill_statements", "bill-statements", "cds_billstatement_id", lambda b, st, se: st.pk),
    ("cds_query_bill_sections", "bill-sections", "cds_billsection_id", lambda b, st, se: se.pk),
]


@pytest.mark.parametrize(("scope", "path", "id_field", "id_of"), DATA_SETS, ids=[row[0] for row in DATA_SETS])
def test_a_direct_token_reads_exactly_the_approved_premises_data_set(client_set, scope, path, id_field, id_of):
    inside, outside = _objects()
    approval = approve(client_set, scope, premises=[inside[0].premise])
    token = direct_token(client_set, scope)
    assert token["status"] == 200, token
    assert token["cds_grant_ids"] == [approval.agreement.number]

    response = Client().get(f"/api/v1/cds/{path}/", **bearer(token["access_token"]))

    assert response.status_code == 200, response.content
    key = path.replace("-", "_")
    assert [item[id_field] for item in response.json()[key]] == [str(id_of(*inside))]
    asked_for_outside = Client().get(
        f"/api/v1/cds/{path}/", {f"{id_field}s": str(id_of(*outside))}, **bearer(token["access_token"])
    )
    assert asked_for_outside.json()[key] == []


def test_a_postal_code_approval_covers_the_premises_there_only(client_set):
    inside = billed_customer(premise=PremiseFactory(postal_code="78704"))
    billed_customer(premise=PremiseFactory(postal_code="78705"))
    approve(client_set, "cds_query_service_points", coverage="postal_codes", postal_codes=["78704"])
    token = direct_token(client_set, "cds_query_service_points")

    response = Client().get("/api/v1/cds/service-points/", **bearer(token["access_token"]))

    assert [item["cds_servicepoint_id"] for item in response.json()["service_points"]] == [str(inside.premise.pk)]


def test_the_tokens_preselections_narrow_within_the_approval_and_never_widen_it(client_set):
    first, second, outside = billed_customer(), billed_customer(), billed_customer()
    approve(client_set, "cds_query_service_points", premises=[first.premise, second.premise])
    wanted = [first.premise.esiid, outside.premise.esiid]
    token = direct_token(
        client_set,
        "cds_query_service_points",
        details=[{"type": "cds_query_service_points", "servicepoint_numbers": wanted}],
    )
    assert token["authorization_details"] == [{"type": "cds_query_service_points", "servicepoint_numbers": wanted}]

    response = Client().get("/api/v1/cds/service-points/", **bearer(token["access_token"]))

    assert [item["cds_servicepoint_id"] for item in response.json()["service_points"]] == [str(first.premise.pk)]


def test_a_usage_token_reads_only_the_aggregations_it_named(client_set, settings):
    settings.CDS_AGGREGATION_MIN_CUSTOMERS = 3
    settings.CDS_AGGREGATION_MAX_SHARE = 50
    named, _ = neighbourhood(3)
    other, _ = neighbourhood(3, postal_code="78703")
    approve(client_set, "cds_query_usage", aggregation_numbers=[named.number, other.number])
    token = direct_token(client_set, "cds_query_usage", aggregation_numbers=[named.number])

    response = Client().get(USAGE, {"aggregation_numbers": other.number, **PERIOD}, **bearer(token["access_token"]))

    assert response.status_code == 403 and response.json()["error"]["code"] == "other_aggregation"


def test_optional_fields_appear_only_when_the_approval_includes_them(client_set):
    billed = billed_customer()
    plain = approve(client_set, "cds_query_meter_devices", premises=[billed.premise])
    token = direct_token(client_set, "cds_query_meter_devices")
    [meter] = Client().get("/api/v1/cds/meter-devices/", **bearer(token["access_token"])).json()["meter_devices"]
    assert "meter_number" not in meter

    plain.includes = ["include_meter_numbers"]
    direct_access.save_approval(by=StaffFactory(), approval=plain, changed=["includes"])
    [meter] = Client().get("/api/v1/cds/meter-devices/", **bearer(token["access_token"])).json()["meter_devices"]

    assert meter["meter_number"] == billed.meter.meter_number


def test_a_token_reads_only_the_data_sets_of_its_own_scope(client_set):
    billed = billed_customer()
    approve(client_set, "cds_query_accounts cds_query_meter_devices", premises=[billed.premise])
    token = direct_token(client_set, "cds_query_accounts")

    response = Client().get("/api/v1/cds/meter-devices/", **bearer(token["access_token"]))

    assert response.status_code == 403


def test_without_an_approval_the_token_request_is_refused(client_set):
    response = direct_token(client_set, "cds_query_accounts")

    assert response["status"] == 400
    assert response["error"] == "invalid_scope"


def test_a_scope_the_approval_does_not_hold_is_refused(client_set):
    approve(client_set, "cds_query_accounts")

    response = direct_token(client_set, "cds_query_accounts cds_query_meter_devices")

    assert response["status"] == 400 and response["error"] == "invalid_scope"
    assert "cds_query_meter_devices" in response["error_description"]


def test_an_expired_approval_gives_no_token(client_set):
    now = timezone.now()
    approve(client_set, "cds_query_accounts", starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=1))

    response = direct_token(client_set, "cds_query_accounts")

    assert response["status"] == 400 and response["error"] == "invalid_scope"


def test_an_approval_not_yet_started_gives_no_token(client_set):
    now = timezone.now()
    approve(client_set, "cds_query_accounts", starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=30))

    response = direct_token(client_set, "cds_query_accounts")

    assert response["status"] == 400 and response["error"] == "invalid_scope"


def test_a_revoked_approval_stops_its_tokens_at_once(client_set):
    billed = billed_customer()
    approval = approve(client_set, "cds_query_accounts", premises=[billed.premise])
    token = direct_token(client_set, "cds_query_accounts")
    staff = StaffFactory()

    direct_access.revoke_approval(by=staff, approval=approval, reason="Study finished.")

    assert Client().get("/api/v1/cds/accounts/", **bearer(token["access_token"])).status_code == 401
    assert direct_token(client_set, "cds_query_accounts")["error"] == "invalid_scope"
    agreement = Agreement.objects.get(pk=approval.agreement_id)
    assert (agreement.status, agreement.ended_by_role) == ("terminated", "utility")
    assert list(agreement.events.values_list("action", "actor_user")) == [
        (AgreementEvent.Action.DIRECT_ACCESS_APPROVED, approval.approved_by_id),
        (AgreementEvent.Action.AGREEMENT_TERMINATED, staff.pk),
    ]


def test_a_usage_token_for_an_aggregation_outside_the_approval_is_refused(client_set):
    approve(client_set, "cds_query_usage", aggregation_numbers=["ZIP-78702"])

    response = direct_token(client_set, "cds_query_usage", aggregation_numbers=["ZIP-78703"])

    assert response["status"] == 400 and response["error"] == "invalid_authorization_details"


def test_direct_reads_of_customer_objects_are_in_the_customers_data_access_log(client_set):
    billed = billed_customer()
    approval = approve(client_set, "cds_query_accounts", premises=[billed.premise])
    token = direct_token(client_set, "cds_query_accounts")

    Client().get("/api/v1/cds/accounts/", **bearer(token["access_token"]))

    entry = DataAccessLog.objects.get()
    assert (entry.agreement_id, entry.premise, entry.customer, entry.kind, entry.rows) == (
        approval.agreement_id,
        billed.premise,
        billed.customer,
        "accounts",
        1,
    )
    browser = Client()
    browser.force_login(billed.customer)
    page = browser.get(reverse("reports:access-log")).content.decode()
    assert "Billing accounts" in page and "Direct access (staff-approved)" in page


def test_summed_usage_read_directly_is_in_each_members_data_access_log(client_set, settings):
    settings.CDS_AGGREGATION_MIN_CUSTOMERS = 3
    settings.CDS_AGGREGATION_MAX_SHARE = 50
    aggregation, premises = neighbourhood(3)
    approve(client_set, "cds_query_usage", aggregation_numbers=[aggregation.number])
    token = direct_token(client_set, "cds_query_usage", aggregation_numbers=[aggregation.number])

    Client().get(USAGE, {"aggregation_numbers": aggregation.number, **PERIOD}, **bearer(token["access_token"]))

    logged = DataAccessLog.objects.filter(premise__in=premises)
    assert logged.count() == 3 and {entry.kind for entry in logged} == {"monthly"}
    assert all(aggregation.number in entry.reference and entry.customer_id for entry in logged)


@pytest.mark.parametrize(
    ("scope", "path"), [("cds_query_accounts", "accounts"), ("cds_query_bill_sections", "bill-sections")]
)
def test_a_direct_list_keeps_a_bound_on_its_queries(client_set, scope, path, django_assert_max_num_queries):
    for _ in range(12):
        customer = billed_customer(premise=PremiseFactory(postal_code="78709"))
        BillSectionFactory(statement=BillStatementFactory(account=customer.account), service_contract=customer.contract)
    approve(client_set, scope, coverage="postal_codes", postal_codes=["78709"])
    token = direct_token(client_set, scope)

    with django_assert_max_num_queries(12):
        response = Client().get(f"/api/v1/cds/{path}/", **bearer(token["access_token"]))

    assert len(response.json()[path.replace("-", "_")]) == 12
