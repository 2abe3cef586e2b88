"""The CDS lists of usage's data: usage segments (15-minute, daily, billing-cycle; DST days; costs;
missing reads as nulls; trimmed to the grant's duration), bill statements and sections, EACs and
aggregations behind their includes."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from tests.factories import DailyReadFactory, MonthlyReadFactory
from tests.usage.tariff_factories import TariffFactory
from usage.models import Series
from usage.services import IntervalReading, load_interval_reads

from .factories import (
    AggregationFactory,
    BillSectionFactory,
    BillStatementFactory,
    CertificateFactory,
    billed_customer,
)
from .helpers import bearer, consent_token, every_scope_client_set

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
FALL_BACK = date(2026, 11, 1)  # a 25-hour day in Austin


@pytest.fixture
def client_set(db):
    return every_scope_client_set()


def get(url: str, token: str, **params):
    return Client().get(url, params, **bearer(token))


def quarter_hours_of(day: date):
    start = datetime.combine(day, datetime.min.time(), tzinfo=CHICAGO).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=CHICAGO).astimezone(UTC)
    moment = start
    while moment < end:
        yield moment
        moment += timedelta(minutes=15)


def load_day(premise, day: date, kwh: str = "0.250", skip: int | None = None, series=Series.CONSUMPTION) -> int:
    readings = [
        IntervalReading(premise_id=premise.pk, interval_start=moment, kwh=Decimal(kwh), series=series)
        for index, moment in enumerate(quarter_hours_of(day))
        if index != skip
    ]
    load_interval_reads(readings=readings)
    return len(readings)


def segments_of(token, kind_code: str, **params) -> list[dict]:
    body = get("/api/v1/cds/usage-segments/", token, **params).json()
    return [item for item in body["usage_segments"] if item["cds_usagesegment_id"].startswith(kind_code)]


def test_a_fall_back_day_holds_100_quarter_hours_aligned_with_formats(client_set):
    billed = billed_customer()
    load_day(billed.premise, FALL_BACK, skip=7)
    token = consent_token(client_set, billed.customer, "cds_usage")

    [segment] = [
        item for item in segments_of(token, "i-") if item["segment_start"].startswith("2026-11-01T00:00:00-05:00")
    ]

    assert segment["interval"] == 900
    assert segment["formats"] == [
        {"id": "eu_forward", "type": "electric_usage", "units": "kWh", "direction": "forward"}
    ]
    assert all(len(row) == len(segment["formats"]) for row in segment["values"])
    assert [row[0] for row in segment["values"][:8]] == [{"eu": "0.250"}] * 7 + [None]  # interval 7 is missing
    assert len(segment["values"]) == 100  # the 25-hour day; segments end where the reads end
    assert segment["values"][99] == [{"eu": "0.250"}]
    assert segment["segment_end"].startswith("2026-11-02T00:00:00-06:00")
    start = datetime.fromisoformat(segment["segment_start"])
    end = datetime.fromisoformat(segment["segment_end"])
    assert (end - start).total_seconds() == 900 * len(segment["values"])
    assert segment["related_servicepoints"] == [str(billed.premise.pk)]
    assert segment["related_meterdevices"] == [str(billed.meter.pk)]


def test_costs_follow_the_tariff_in_force_and_are_null_without_one(client_set):
    billed = billed_customer()
    load_day(billed.premise, FALL_BACK, kwh="0.400")
    token = consent_token(client_set, billed.customer, "cds_usage")
    [before] = [item for item in segments_of(token, "i-") if item["segment_start"].startswith("2026-11-01")]
    TariffFactory(premise=billed.premise, offtake_off_peak=Decimal("0.12345"), valid_from=date(2026, 1, 1))

    [after] = [item for item in segments_of(token, "i-") if item["segment_start"].startswith("2026-11-01")]

    assert [item["type"] for item in before["formats"]] == ["electric_usage"]  # no tariff: no cost
    assert before["values"][0] == [{"eu": "0.400"}]
    assert after["formats"][1] == {
        "id": "c_forward",
        "type": "cost",
        "currency": "USD",
        "indexes": [0],
        "estimated": True,
    }
    assert after["values"][0] == [{"eu": "0.400"}, {"c": "0.04938"}]  # 0.4 kWh x 0.12345 exactly


SPRING_FORWARD = date(2026, 3, 8)  # a 23-hour day in Austin


def interval_segment_of(token, day: date) -> dict:
    [segment] = [item for item in segments_of(token, "i-") if item["segment_start"].startswith(day.isoformat()[:7])]
    return segment


def test_a_fall_back_day_of_daily_reads_is_its_own_90000_second_segment(client_set):
    billed = billed_customer()
    for day in (date(2026, 10, 31), FALL_BACK, date(2026, 11, 2)):
        DailyReadFactory(premise=billed.premise, read_date=day, kwh=Decimal("24.125"))
    token = consent_token(client_set, billed.customer, "cds_usage")

    daily = segments_of(token, "d-")
    dst = [item for item in daily if item["interval"] == 90000]

    assert len(dst) == 1 and dst[0]["segment_start"].startswith("2026-11-01T00:00:00-05:00")
    assert dst[0]["values"] == [[{"eu": "24.125"}]]
    assert all(item["interval"] in (86400, 90000, 82800) for item in daily)
    october = next(item for item in daily if item["segment_start"].startswith("2026-10-31"))
    november = next(item for item in daily if item["segment_start"].startswith("2026-11-02"))
    assert october["values"] == [[{"eu": "24.125"}]] and october["interval"] == 86400
    assert november["values"] == [[{"eu": "24.125"}]]


def test_a_billing_cycle_read_is_one_value_of_the_cycles_length(client_set):
    billed = billed_customer()
    MonthlyReadFactory(
        premise=billed.premise, start_date=date(2026, 9, 15), end_date=date(2026, 10, 14), actual_kwh=Decimal("812.5")
    )
    token = consent_token(client_set, billed.customer, "cds_usage")

    [cycle] = segments_of(token, "m-")

    assert cycle["values"] == [[{"eu": "812.500"}]]
    assert cycle["interval"] == 30 * 86400


def test_usage_before_the_grants_segment_start_is_not_served(client_set):
    billed = billed_customer()
    load_day(billed.premise, FALL_BACK)
    load_day(billed.premise, date(2026, 11, 20))
    token = consent_token(client_set, billed.customer, "cds_usage", segment_start="2026-11-10")

    segments = segments_of(token, "i-")

    assert segments and all(item["segment_start"] >= "2026-11-10" for item in segments)
    assert all(
        value[0] is None or item["segment_start"] >= "2026-11-10" for item in segments for value in item["values"]
    )


def test_another_customers_usage_is_never_in_the_segments(client_set):
    billed, neighbour = billed_customer(), billed_customer()
    load_day(neighbour.premise, FALL_BACK)
    token = consent_token(client_set, billed.customer, "cds_usage")

    segments = get("/api/v1/cds/usage-segments/", token).json()["usage_segments"]

    assert {item["related_servicepoints"][0] for item in segments} <= {str(billed.premise.pk)}
    assert all(value[0] is None for item in segments for value in item["values"])


def test_bill_statements_keep_exact_amounts_and_show_charges_only_when_included(client_set):
    billed = billed_customer()
    statement = BillStatementFactory(account=billed.account, amount_due=Decimal("96.10"))
    plain = consent_token(client_set, billed.customer, "cds_bill_statements")
    charged = consent_token(client_set, billed.customer, "cds_bill_statements", include_bill_statement_charges=True)

    [without] = get("/api/v1/cds/bill-statements/", plain).json()["bill_statements"]
    [with_charges] = get("/api/v1/cds/bill-statements/", charged).json()["bill_statements"]

    assert without["cds_billstatement_id"] == str(statement.pk)
    assert without["amount_due"] == "96.10" and "new_charges" not in without and "file_uri" not in without
    assert with_charges["new_charges"][0]["amount"] == "96.10"


def test_another_accounts_bills_are_never_listed(client_set):
    billed, neighbour = billed_customer(), billed_customer()
    BillStatementFactory(account=neighbour.account)
    BillSectionFactory(statement__account=neighbour.account)
    token = consent_token(client_set, billed.customer, "cds_bill_statements cds_service_bills")

    assert get("/api/v1/cds/bill-statements/", token).json()["bill_statements"] == []
    assert get("/api/v1/cds/bill-sections/", token).json()["bill_sections"] == []


def test_bill_sections_refer_to_their_contract_and_show_line_items_only_when_included(client_set):
    billed = billed_customer()
    statement = BillStatementFactory(account=billed.account)
    section = BillSectionFactory(statement=statement, account=billed.account, service_contract=billed.contract)
    token = consent_token(client_set, billed.customer, "cds_service_bills")

    [item] = get("/api/v1/cds/bill-sections/", token).json()["bill_sections"]

    assert item["cds_billsection_id"] == str(section.pk)
    assert item["related_servicecontracts"] == [str(billed.contract.pk)]
    assert item["related_servicepoints"] == [str(billed.premise.pk)]
    assert item["cds_billstatement_id"] is None  # statements are not in this token's scope
    assert item["usage_details"][0]["value"] == "812.000"
    assert "line_items" not in item


def test_certificates_need_include_eacs(client_set):
    billed = billed_customer()
    certificate = CertificateFactory(premise=billed.premise)
    without = consent_token(client_set, billed.customer, "cds_usage")
    with_eacs = consent_token(client_set, billed.customer, "cds_usage", include_eacs=True)

    refused = get("/api/v1/cds/eacs/", without)
    [item] = get("/api/v1/cds/eacs/", with_eacs).json()["eacs"]

    assert refused.status_code == 403
    assert item["eac_numbers"] == [certificate.eac_number] and item["kwh"] == "123.456"
    assert item["beneficiaries"] == [billed.premise.esiid]


def test_aggregations_list_only_in_scope_service_points(client_set):
    billed, neighbour = billed_customer(), billed_customer()
    aggregation = AggregationFactory(postal_code=billed.premise.postal_code)
    assert neighbour.premise.postal_code == billed.premise.postal_code
    token = consent_token(client_set, billed.customer, "cds_usage", include_aggregations=True)

    [item] = get("/api/v1/cds/aggregations/", token).json()["aggregations"]

    assert item["aggregation_number"] == aggregation.number
    assert item["grouped_servicepoints"] == [str(billed.premise.pk)]


def test_a_section_names_its_statement_when_the_token_reads_statements_whatever_the_filters(client_set):
    billed = billed_customer()
    statement = BillStatementFactory(account=billed.account, statement_date=date(2026, 10, 5))
    BillSectionFactory(statement=statement, account=billed.account, start_date=date(2026, 9, 1))
    token = consent_token(client_set, billed.customer, "cds_bill_statements cds_service_bills")

    [item] = get("/api/v1/cds/bill-sections/", token, after="2026-09-01", before="2026-09-02").json()["bill_sections"]

    assert item["cds_billstatement_id"] == str(statement.pk)


def test_a_usage_segment_names_the_bill_sections_billing_its_days_only_when_the_token_reads_sections(client_set):
    billed = billed_customer()
    section = BillSectionFactory(
        statement__account=billed.account,
        account=billed.account,
        service_contract=billed.contract,
        start_date=date(2026, 9, 1),
        end_date=date(2026, 9, 30),
    )
    load_day(billed.premise, date(2026, 9, 15))
    load_day(billed.premise, FALL_BACK)
    with_bills = consent_token(client_set, billed.customer, "cds_usage cds_service_bills")
    usage_only = consent_token(client_set, billed.customer, "cds_usage")

    september, november = interval_segment_of(with_bills, date(2026, 9, 1)), interval_segment_of(with_bills, FALL_BACK)

    assert september["related_billsections"] == [str(section.pk)]
    assert november["related_billsections"] == []
    assert interval_segment_of(usage_only, date(2026, 9, 1))["related_billsections"] == []


def test_the_billsection_filter_keeps_the_segments_of_the_days_a_section_bills(client_set):
    billed, neighbour = billed_customer(), billed_customer()
    section = BillSectionFactory(
        statement__account=billed.account, account=billed.account, service_contract=billed.contract
    )  # September 2026
    theirs = BillSectionFactory(
        statement__account=neighbour.account, account=neighbour.account, service_contract=neighbour.contract
    )
    load_day(billed.premise, date(2026, 9, 15))
    load_day(billed.premise, FALL_BACK)
    token = consent_token(client_set, billed.customer, "cds_usage cds_service_bills")

    kept = get("/api/v1/cds/usage-segments/", token, cds_billsection_ids=str(section.pk)).json()["usage_segments"]
    other = get("/api/v1/cds/usage-segments/", token, cds_billsection_ids=str(theirs.pk)).json()["usage_segments"]

    assert [item["segment_start"][:7] for item in kept] == ["2026-09"]
    assert other == []


def test_bill_sections_issued_together_for_one_contract_name_each_other(client_set):
    billed, neighbour = billed_customer(), billed_customer()
    statement = BillStatementFactory(account=billed.account)
    delivery = BillSectionFactory(statement=statement, account=billed.account, service_contract=billed.contract)
    supply = BillSectionFactory(
        statement=statement, account=billed.account, service_contract=billed.contract, section_types=["supply"]
    )
    fee = BillSectionFactory(statement=statement, account=billed.account, service_contract=None)
    BillSectionFactory(statement__account=neighbour.account, account=neighbour.account)
    token = consent_token(client_set, billed.customer, "cds_service_bills")

    sections = {
        item["cds_billsection_id"]: item for item in get("/api/v1/cds/bill-sections/", token).json()["bill_sections"]
    }

    assert set(sections) == {str(delivery.pk), str(supply.pk), str(fee.pk)}
    assert sections[str(delivery.pk)]["related_billsections"] == [str(supply.pk)]
    assert sections[str(supply.pk)]["related_billsections"] == [str(delivery.pk)]
    assert sections[str(fee.pk)]["related_billsections"] == []  # no service contract of its own


def test_after_and_before_keep_whole_segments_never_cut_ones(client_set):
    billed = billed_customer()
    for day in (date(2026, 9, 15), date(2026, 10, 15), FALL_BACK, date(2026, 11, 20)):
        load_day(billed.premise, day)
    token = consent_token(client_set, billed.customer, "cds_usage")
    every = {item["cds_usagesegment_id"]: item for item in segments_of(token, "i-")}

    middle = segments_of(token, "i-", after="2026-10-20T00:00:00-05:00", before="2026-11-10T00:00:00-06:00")

    assert [item["segment_start"][:7] for item in middle] == ["2026-10", "2026-11"]
    assert all(item == every[item["cds_usagesegment_id"]] for item in middle)  # the same objects, uncut
    assert middle[0]["segment_start"].startswith("2026-10-01")
