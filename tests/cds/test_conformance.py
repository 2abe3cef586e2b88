"""CDS customer-data conformance (WG3-01; digest checks 14 and 15): read the server metadata as a
client would, then walk every advertised customer-data API with a consent token and check the
rules: list shape, page size, id filters, required fields, optional fields only under includes,
no reference to an object out of scope, exact decimals, the amount_due sum, values aligned with
formats and interval, grouped_* of at most 1000, the usage segments' order and value types."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from tests.factories import DailyReadFactory, MonthlyReadFactory
from usage.models import Series
from usage.services import IntervalReading, load_interval_reads

from .factories import (
    AggregationFactory,
    BillingAccountFactory,
    BillSectionFactory,
    BillStatementFactory,
    CertificateFactory,
    billed_customer,
)
from .helpers import bearer, consent_token, every_scope_client_set

pytestmark = pytest.mark.django_db

# metadata key -> (response key, id field, id filter, required fields, optional fields)
APIS = {
    "cds_accounts_api": ("accounts", "cds_account_id", "cds_account_ids", ["cds_account_parent"], [
        "customer_number", "account_number", "account_entity", "account_name", "account_address",
        "account_types", "account_status", "account_contacts", "account_programs",
    ]),
    "cds_servicecontracts_api": ("service_contracts", "cds_servicecontract_id", "cds_servicecontract_ids", [
        "cds_account_id", "contract_types", "contract_status", "service_types",
    ], [
        "account_number", "contract_number", "contract_address", "contract_entity", "contract_start",
        "contract_end", "rateplan_code", "rateplan_name", "service_programs",
    ]),
    "cds_servicepoints_api": ("service_points", "cds_servicepoint_id", "cds_servicepoint_ids", [
        "servicepoint_number", "servicepoint_types", "current_servicecontracts", "previous_servicecontracts",
    ], ["servicepoint_address", "latitude", "longitude", "premises"]),
    "cds_meterdevices_api": ("meter_devices", "cds_meterdevice_id", "cds_meterdevice_ids", [
        "meter_types", "current_servicepoints", "previous_servicepoints",
    ], ["meter_number", "meter_apps"]),
    "cds_billstatement_api": ("bill_statements", "cds_billstatement_id", "cds_billstatement_ids", [
        "cds_account_id", "account_number", "statement_date", "currency", "amount_due", "amount_due_date",
        "shutoff_prevention_minimum_due", "shutoff_prevention_date",
    ], [
        "file_uri", "file_mimetype", "previous_balance_amount", "previous_balance_paid",
        "previous_balance_unpaid", "new_charges_amount", "new_charges", "new_balance_amount", "account_programs",
    ]),
    "cds_billsection_api": ("bill_sections", "cds_billsection_id", "cds_billsection_ids", [
        "cds_billstatement_id", "cds_account_id", "account_number", "section_types", "start_date", "end_date",
        "currency", "distribution_entity", "supply_entity", "related_servicecontracts", "related_servicepoints",
        "related_meterdevices", "related_billsections", "usage_details", "cost_details",
    ], ["line_items"]),
    "cds_aggregations_api": ("aggregations", "cds_aggregation_id", "cds_aggregation_ids", [
        "aggregation_types", "aggregation_number", "scope", "authorization_details", "grouped_accounts",
        "grouped_servicecontracts", "grouped_servicepoints", "grouped_meterdevices", "grouped_aggregations",
        "grouped_regions", "consent_requirements",
    ], ["grouped_addresses"]),
    "cds_usagesegments_api": ("usage_segments", "cds_usagesegment_id", "cds_usagesegment_ids", [
        "related_aggregations", "related_accounts", "related_servicecontracts", "related_servicepoints",
        "related_meterdevices", "related_billsections", "segment_start", "segment_end", "interval", "formats", "values",
    ], []),
    "cds_eacs_api": ("eacs", "cds_eac_id", "cds_eac_ids", [
        "beneficiary_type", "beneficiaries", "eac_numbers", "eac_format", "eac_data_url", "period_start", "period_end",
    ], []),
}  # fmt: skip
STAMPS = ["cds_created", "cds_modified", "cds_synced"]
VALUE_KEYS = {"electric_usage": "eu", "electric_demand": "ed", "cost": "c", "meter_readings": "r"}
SCOPES = (
    "cds_accounts cds_service_contracts cds_meters cds_bill_statements cds_service_bills cds_usage "
    "cds_rate_plan cds_account_programs cds_service_programs"
)
INCLUDES = [
    "include_accounts", "include_service_contracts", "include_service_points", "include_meter_devices",
    "include_bill_statements", "include_bill_sections", "include_aggregations", "include_usage_segments",
    "include_eacs", "include_account_numbers", "include_account_details", "include_account_programs",
    "include_contract_numbers", "include_rate_plans", "include_service_contract_details",
    "include_service_programs", "include_premises", "include_service_point_addresses", "include_coordinates",
    "include_meter_numbers", "include_meter_apps", "include_bill_statement_files",
    "include_bill_statement_charges", "include_bill_statement_programs", "include_bill_section_line_items",
    "include_aggregation_addresses",
]  # fmt: skip


@pytest.fixture
def world(db):
    """A customer with every kind of data, and a neighbour whose data must never show."""
    billed = billed_customer(parent=BillingAccountFactory())
    neighbour = billed_customer()
    for who in (billed, neighbour):
        day = date.today() - timedelta(days=3)
        statement = BillStatementFactory(account=who.account)
        BillSectionFactory(
            statement=statement,
            account=who.account,
            service_contract=who.contract,
            start_date=day - timedelta(days=20),
            end_date=day + timedelta(days=5),
        )
        CertificateFactory(premise=who.premise)
        start = datetime(day.year, day.month, day.day, 6, tzinfo=UTC)
        load_interval_reads(
            readings=[
                IntervalReading(
                    premise_id=who.premise.pk,
                    interval_start=start + timedelta(minutes=15 * (i % 96)),
                    kwh=Decimal("0.3") if i < 96 else Decimal("0.1"),
                    series=Series.CONSUMPTION if i < 96 else Series.GENERATION,  # solar surplus too
                )
                for i in range(192)
                if i % 96 != 10
            ]
        )
        DailyReadFactory(premise=who.premise, read_date=day)
        MonthlyReadFactory(premise=who.premise, start_date=day - timedelta(days=40), end_date=day - timedelta(days=11))
    AggregationFactory(postal_code=billed.premise.postal_code)
    return billed, neighbour


def metadata() -> dict:
    response = Client().get("/.well-known/cds-server-metadata.json")
    assert response.status_code == 200
    data = response.json()
    assert data["cds_customerdata_version"] == "v1"
    return data


def walk(url: str, token: str) -> list[dict]:
    """Every page of a list, checking the list shape and the page size."""
    items, pages = [], 0
    while url:
        response = Client().get(url, **bearer(token))
        assert response.status_code == 200, (url, response.content[:300])
        body = response.json()
        key = next(key for key in body if key not in ("next", "previous"))
        assert set(body) == {key, "next", "previous"}
        assert len(body[key]) <= 100
        assert (body["previous"] is None) == (pages == 0)
        items += body[key]
        url, pages = body["next"], pages + 1
    return items


def test_every_advertised_api_answers_by_the_rules(world):
    billed, neighbour = world
    client_set = every_scope_client_set()
    token = consent_token(client_set, billed.customer, SCOPES, **dict.fromkeys(INCLUDES, True))
    advertised = metadata()
    seen: dict[str, list[dict]] = {}
    for api, (key, id_field, id_filter, required, _optional) in APIS.items():
        objects = walk(advertised[api], token)
        assert objects, f"{api} answered nothing"
        for item in objects:
            missing = [field for field in [id_field, *STAMPS, *required] if field not in item]
            assert not missing, f"{api}: {missing} missing"
        first = objects[0][id_field]
        filtered = walk(f"{advertised[api]}?{id_filter}={first}", token)
        assert [item[id_field] for item in filtered] == [first], api
        seen[key] = objects
    ids = {key: {item[APIS[api][1]] for item in seen[key]} for api, (key, *_rest) in APIS.items()}

    # No reference to an object out of scope, and nothing of the neighbour.
    for item in seen["service_points"]:
        assert set(item["current_servicecontracts"] + item["previous_servicecontracts"]) <= ids["service_contracts"]
    for item in seen["meter_devices"]:
        assert set(item["current_servicepoints"] + item["previous_servicepoints"]) <= ids["service_points"]
    for item in seen["usage_segments"]:
        assert set(item["related_aggregations"]) <= ids["aggregations"]
        assert set(item["related_accounts"]) <= ids["accounts"]
    assert any(item["related_aggregations"] for item in seen["usage_segments"])
    for item in seen["bill_sections"] + seen["usage_segments"]:
        assert set(item["related_servicepoints"]) <= ids["service_points"]
        assert set(item["related_meterdevices"]) <= ids["meter_devices"]
        assert set(item["related_servicecontracts"]) <= ids["service_contracts"]
        assert set(item["related_billsections"]) <= ids["bill_sections"]
    # Filtering usage segments by a bill section keeps exactly the segments that name it.
    section_id = next(pk for item in seen["usage_segments"] for pk in item["related_billsections"])
    by_section = walk(f"{advertised['cds_usagesegments_api']}?cds_billsection_ids={section_id}", token)
    naming = [item for item in seen["usage_segments"] if section_id in item["related_billsections"]]
    assert [item["cds_usagesegment_id"] for item in by_section] == [item["cds_usagesegment_id"] for item in naming]
    for item in seen["accounts"]:
        assert item["cds_account_parent"] in ids["accounts"] | {None}
    for item in seen["aggregations"]:
        assert set(item["grouped_servicepoints"]) <= ids["service_points"]
        assert all(len(item[field]) <= 1000 for field in item if field.startswith("grouped_"))
    assert str(neighbour.premise.pk) not in ids["service_points"]
    assert str(neighbour.account.pk) not in ids["accounts"]

    # Exact decimals and the amount_due sum.
    for statement in seen["bill_statements"]:
        assert isinstance(statement["amount_due"], str)
        included = sum(
            Decimal(charge["amount"]) for charge in statement["new_charges"] if charge["included_in_amount_due"]
        )
        assert Decimal(statement["previous_balance_unpaid"]) + included == Decimal(statement["amount_due"])

    # Values aligned with formats and interval.
    for segment in seen["usage_segments"]:
        span = datetime.fromisoformat(segment["segment_end"]) - datetime.fromisoformat(segment["segment_start"])
        assert span.total_seconds() == segment["interval"] * len(segment["values"])
        assert all(row is not None and len(row) == len(segment["formats"]) for row in segment["values"])
        assert len({item["id"] for item in segment["formats"]}) == len(segment["formats"])
        for row in segment["values"]:
            for value, value_format in zip(row, segment["formats"], strict=True):
                # A Value Object keyed by its format's type, an exact decimal string; or null.
                assert value is None or list(value) == [VALUE_KEYS[value_format["type"]]], (value, value_format)
                assert value is None or isinstance(next(iter(value.values())), str)
        for value_format in segment["formats"]:
            if value_format["type"] == "cost":
                assert value_format["currency"] and all(
                    index < len(segment["formats"]) for index in value_format["indexes"]
                )
    assert any(item.get("direction") == "reverse" for segment in seen["usage_segments"] for item in segment["formats"])

    # Usage segments in the order WG3-01 §10.8.8 gives: aggregation, account and contract numbers
    # (of the objects each names), then segment_start.
    numbers = {
        "related_aggregations": {
            item["cds_aggregation_id"]: item["aggregation_number"] for item in seen["aggregations"]
        },
        "related_accounts": {item["cds_account_id"]: item["account_number"] for item in seen["accounts"]},
        "related_servicecontracts": {
            item["cds_servicecontract_id"]: item["contract_number"] for item in seen["service_contracts"]
        },
    }
    keys = [
        (
            *(min((names[pk] for pk in segment[field]), default="") for field, names in numbers.items()),
            datetime.fromisoformat(segment["segment_start"]),
        )
        for segment in seen["usage_segments"]
    ]
    assert keys == sorted(keys)


def test_usage_segments_hold_only_the_value_types_the_grant_chose(world):
    billed, _neighbour = world
    client_set = every_scope_client_set()
    advertised = metadata()
    oauth = Client().get(advertised["oauth_metadata"]).json()
    [field] = [
        item
        for item in oauth["cds_scope_descriptions"]["cds_usage"]["authorization_details_fields_supported"]
        if item["id"] == "include_usage_segment_value_types"
    ]
    # Each choice's Value Format is of a type the specification defines or the metadata describes.
    known = set(VALUE_KEYS) | set(advertised["cds_usagesegments_additional_value_types"])
    assert all(choice["usagesegment_format"]["type"] in known for choice in field["choices"])
    chosen = ["eu_net", "c_reverse"]
    some = consent_token(client_set, billed.customer, "cds_usage", include_usage_segment_value_types=chosen)
    none = consent_token(client_set, billed.customer, "cds_usage", include_usage_segment_value_types=None)

    segments = walk(advertised["cds_usagesegments_api"], some)
    empty = walk(advertised["cds_usagesegments_api"], none)

    assert any(segment["formats"] for segment in segments)
    for segment in segments:
        assert {item["id"] for item in segment["formats"]} <= set(chosen)
        assert all(len(row) == len(segment["formats"]) for row in segment["values"])
        for item in segment["formats"]:
            assert all(index < len(segment["formats"]) for index in item.get("indexes", []))
    assert empty and all(segment["formats"] == [] and segment["values"] == [] for segment in empty)


def test_without_includes_no_optional_field_is_sent(world):
    billed, _neighbour = world
    client_set = every_scope_client_set()
    token = consent_token(
        client_set,
        billed.customer,
        "cds_accounts cds_service_contracts cds_meters cds_bill_statements cds_service_bills",
    )
    advertised = metadata()
    for api in (
        "cds_accounts_api",
        "cds_servicecontracts_api",
        "cds_meterdevices_api",
        "cds_billstatement_api",
        "cds_billsection_api",
    ):
        key, _id_field, _filter, _required, optional = APIS[api]
        for item in walk(advertised[api], token):
            assert not set(optional) & set(item), (api, set(optional) & set(item))


@pytest.mark.parametrize(
    "api", ["cds_servicepoints_api", "cds_aggregations_api", "cds_eacs_api", "cds_usagesegments_api"]
)
def test_an_api_no_scope_or_include_opens_is_refused(world, api):
    billed, _neighbour = world
    token = consent_token(every_scope_client_set(), billed.customer, "cds_accounts")

    response = Client().get(metadata()[api], **bearer(token))

    assert response.status_code == 403
