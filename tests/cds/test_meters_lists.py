"""The CDS lists of meters' data (accounts, service contracts, service points, meter devices):
what a consent token reads, which optional fields its includes show, and what it never sees."""

import pytest
from django.test import Client

from tests.factories import MeterFactory

from .factories import BillingAccountFactory, ProgramFactory, billed_customer
from .helpers import bearer, consent_token, every_scope_client_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_set(db):
    return every_scope_client_set()


def get(url: str, token: str, **params):
    return Client().get(url, params, **bearer(token))


def test_an_accounts_token_reads_its_customers_account_with_required_fields_only(client_set):
    billed, other = billed_customer(), billed_customer()
    token = consent_token(client_set, billed.customer, "cds_accounts")

    response = get("/api/v1/cds/accounts/", token)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"accounts", "next", "previous"}
    [account] = body["accounts"]
    assert account["cds_account_id"] == str(billed.account.pk) != str(other.account.pk)
    assert set(account) == {"cds_account_id", "cds_created", "cds_modified", "cds_synced", "cds_account_parent"}


def test_account_numbers_and_details_appear_only_under_their_includes(client_set):
    billed = billed_customer(contacts=["ada@example.test"])
    billed.account.programs.add(ProgramFactory(code="BUDGET"))
    token = consent_token(
        client_set,
        billed.customer,
        "cds_accounts",
        include_account_numbers=True,
        include_account_details=True,
    )

    [account] = get("/api/v1/cds/accounts/", token).json()["accounts"]

    assert account["account_number"] == billed.account.account_number
    assert account["customer_number"] == billed.customer.external_account_id
    assert account["account_contacts"] == [{"type": "email", "value": "ada@example.test"}]
    assert "account_programs" not in account


def test_a_parent_account_is_listed_only_with_include_accounts(client_set):
    parent = BillingAccountFactory()
    billed = billed_customer(parent=parent)
    plain = consent_token(client_set, billed.customer, "cds_accounts")

    without = get("/api/v1/cds/accounts/", plain).json()["accounts"]
    with_parents = get(
        "/api/v1/cds/accounts/", consent_token(client_set, billed.customer, "cds_accounts", include_accounts=True)
    ).json()["accounts"]

    assert [item["cds_account_parent"] for item in without] == [None]
    assert {item["cds_account_id"] for item in with_parents} == {str(parent.pk), str(billed.account.pk)}


def test_a_token_without_an_opening_scope_is_refused_403(client_set):
    billed = billed_customer()
    token = consent_token(client_set, billed.customer, "cds_usage")

    for path in ("accounts", "service-contracts", "meter-devices", "service-points"):
        response = get(f"/api/v1/cds/{path}/", token)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "insufficient_scope"


def test_no_token_is_a_401(db):
    assert Client().get("/api/v1/cds/accounts/").status_code == 401


def test_service_contracts_show_the_rate_plan_under_cds_rate_plan(client_set):
    billed = billed_customer()
    token = consent_token(client_set, billed.customer, "cds_rate_plan")

    [contract] = get("/api/v1/cds/service-contracts/", token).json()["service_contracts"]

    assert contract["cds_servicecontract_id"] == str(billed.contract.pk)
    assert contract["cds_account_id"] == str(billed.account.pk)
    assert contract["contract_status"] == "active" and contract["service_types"] == ["electricity"]
    assert contract["rateplan_code"] == billed.contract.rate_plan.code
    assert "contract_number" not in contract


def test_a_premise_left_out_of_the_consent_is_never_listed(client_set):
    billed = billed_customer()
    second = billed_customer(customer=billed.customer)
    token = consent_token(
        client_set, billed.customer, "cds_meters", premises=[billed.premise.pk], include_service_points=True
    )

    meters = get("/api/v1/cds/meter-devices/", token).json()["meter_devices"]
    points = get("/api/v1/cds/service-points/", token).json()["service_points"]

    assert [item["cds_meterdevice_id"] for item in meters] == [str(billed.meter.pk)]
    assert [item["servicepoint_number"] for item in points] == [billed.premise.esiid]
    assert second.premise.esiid not in str(points)


def test_a_preselection_narrows_what_the_grant_answers(client_set):
    billed = billed_customer()
    billed_customer(customer=billed.customer)
    token = consent_token(
        client_set,
        billed.customer,
        "cds_meters",
        servicepoint_numbers=[billed.premise.esiid],
        include_meter_numbers=True,
    )

    meters = get("/api/v1/cds/meter-devices/", token).json()["meter_devices"]

    assert [item["meter_number"] for item in meters] == [billed.meter.meter_number]


def test_service_points_refer_to_their_current_contract(client_set):
    billed = billed_customer()
    token = consent_token(client_set, billed.customer, "cds_meters", include_service_points=True)

    [point] = get("/api/v1/cds/service-points/", token).json()["service_points"]

    assert point["current_servicecontracts"] == [str(billed.contract.pk)]
    assert point["previous_servicecontracts"] == []
    assert "servicepoint_address" not in point


def test_meter_devices_page_by_100_with_next_and_previous(client_set):
    billed = billed_customer()
    for _ in range(100):
        MeterFactory(premise=billed.premise)
    token = consent_token(client_set, billed.customer, "cds_meters")

    first = get("/api/v1/cds/meter-devices/", token).json()
    second = Client().get(first["next"], **bearer(token)).json()

    assert len(first["meter_devices"]) == 100 and first["previous"] is None
    assert len(second["meter_devices"]) == 1 and second["next"] is None and second["previous"]
    ids = [item["cds_meterdevice_id"] for item in first["meter_devices"] + second["meter_devices"]]
    assert len(set(ids)) == 101


def test_filters_intersect(client_set):
    billed = billed_customer()
    extra = MeterFactory(premise=billed.premise)
    token = consent_token(client_set, billed.customer, "cds_meters")

    both = get("/api/v1/cds/meter-devices/", token, cds_meterdevice_ids=f"{billed.meter.pk} {extra.pk}").json()
    narrowed = get(
        "/api/v1/cds/meter-devices/", token, cds_meterdevice_ids=f"{billed.meter.pk} {extra.pk}", meter_number="nope"
    ).json()

    assert len(both["meter_devices"]) == 2
    assert narrowed["meter_devices"] == []


def test_ids_that_cannot_be_ours_match_nothing_and_nul_is_a_400(client_set):
    billed = billed_customer()
    token = consent_token(client_set, billed.customer, "cds_meters cds_usage")

    odd = get("/api/v1/cds/usage-segments/", token, cds_servicecontract_ids="100000/hour ²")
    meters = get("/api/v1/cds/meter-devices/", token, cds_meterdevice_ids="x ² 99999999999999999999")
    nul = get("/api/v1/cds/meter-devices/", token, meter_number="a\x00b")

    assert odd.status_code == 200 and odd.json()["usage_segments"] == []
    assert meters.status_code == 200 and meters.json()["meter_devices"] == []
    assert nul.status_code == 400
