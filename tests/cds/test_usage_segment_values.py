"""The values of CDS usage segments: surplus generation as reverse and net usage with its cost,
DST days, Value Sets aligned with their formats, and the JSON they are written as."""

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer

from tests.factories import DailyReadFactory
from tests.usage.tariff_factories import TariffFactory
from usage.models import Series
from usage.services.segment_values import Reads
from usage.services.segments import in_time_order

from .factories import billed_customer
from .helpers import consent_token, every_scope_client_set
from .test_usage_lists import FALL_BACK, SPRING_FORWARD, get, interval_segment_of, load_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_set(db):
    return every_scope_client_set()


def test_surplus_generation_is_reverse_usage_with_net_and_injection_priced_on_a_fall_back_day(client_set):
    billed = billed_customer()
    load_day(billed.premise, FALL_BACK, kwh="0.400")
    load_day(billed.premise, FALL_BACK, kwh="0.150", skip=7, series=Series.GENERATION)
    TariffFactory(
        premise=billed.premise,
        offtake_off_peak=Decimal("0.12"),
        injection_off_peak=Decimal("0.05"),
        valid_from=date(2026, 1, 1),
    )
    token = consent_token(client_set, billed.customer, "cds_usage")

    segment = interval_segment_of(token, FALL_BACK)

    assert [(item["id"], item["type"]) for item in segment["formats"]] == [
        ("eu_forward", "electric_usage"),
        ("eu_reverse", "electric_usage"),
        ("eu_net", "electric_usage"),
        ("c_forward", "cost"),
        ("c_reverse", "cost"),
    ]
    assert [item["direction"] for item in segment["formats"][:3]] == ["forward", "reverse", "net"]
    assert [item["indexes"] for item in segment["formats"][3:]] == [[0], [1]]
    assert len(segment["values"]) == 100  # the 25-hour day
    # Energy back to the grid is negative (WG3-01); net = consumption - generation; the injection
    # is priced at the injection price, a credit.
    assert segment["values"][0] == [
        {"eu": "0.400"},
        {"eu": "-0.150"},
        {"eu": "0.250"},
        {"c": "0.048"},
        {"c": "-0.0075"},
    ]
    assert segment["values"][7] == [{"eu": "0.400"}, None, None, {"c": "0.048"}, None]  # generation missing
    assert segment["values"][99] == segment["values"][0]


def test_generation_on_a_spring_forward_day_fills_92_quarter_hours(client_set):
    billed = billed_customer()
    load_day(billed.premise, SPRING_FORWARD, kwh="0.200")
    load_day(billed.premise, SPRING_FORWARD, kwh="0.300", series=Series.GENERATION)
    token = consent_token(client_set, billed.customer, "cds_usage")

    segment = interval_segment_of(token, SPRING_FORWARD)

    filled = [row for row in segment["values"] if row[0] is not None]
    assert len(filled) == 92
    assert filled[0] == [{"eu": "0.200"}, {"eu": "-0.300"}, {"eu": "-0.100"}]  # no tariff: no cost formats
    assert len(segment["formats"]) == 3


def test_a_month_without_generation_keeps_the_consumption_formats(client_set):
    billed = billed_customer()
    load_day(billed.premise, FALL_BACK)
    load_day(billed.premise, date(2026, 10, 20))
    load_day(billed.premise, date(2026, 10, 20), kwh="0.000", series=Series.GENERATION)
    token = consent_token(client_set, billed.customer, "cds_usage")

    october, november = interval_segment_of(token, date(2026, 10, 1)), interval_segment_of(token, FALL_BACK)

    assert [item["direction"] for item in october["formats"]] == ["forward", "reverse", "net"]
    assert [row for row in october["values"] if row[0] is not None][0] == [
        {"eu": "0.250"},
        {"eu": "0.000"},
        {"eu": "0.250"},
    ]
    assert [item["direction"] for item in november["formats"]] == ["forward"]


def test_usage_segments_are_written_byte_for_byte_as_the_plain_json_renderer_writes_them(client_set):
    billed = billed_customer()
    load_day(billed.premise, FALL_BACK, kwh="0.400", skip=3)
    load_day(billed.premise, FALL_BACK, kwh="0.150", skip=9, series=Series.GENERATION)
    load_day(billed.premise, date(2026, 10, 20))
    DailyReadFactory(premise=billed.premise, read_date=date(2026, 10, 20), kwh=Decimal("24.125"))
    TariffFactory(premise=billed.premise, valid_from=date(2026, 1, 1))
    token = consent_token(client_set, billed.customer, "cds_usage")

    response = get("/api/v1/cds/usage-segments/", token)

    assert response["Content-Type"] == "application/json"
    assert response.content == JSONRenderer().render(response.json())
    assert len(response.json()["usage_segments"]) == 3  # quarter hours of October and of November, one day


def test_reads_arriving_out_of_order_are_put_in_time_order():
    reads = Reads(epochs=[1800, 0, 900, 0], series=[1, 2, 1, 1], whs=[3, 20, 2, 1], revisions=[7, 8, 9, 6])

    ordered = in_time_order(reads)

    assert ordered == Reads(epochs=[0, 0, 900, 1800], series=[1, 2, 1, 1], whs=[1, 20, 2, 3], revisions=[6, 8, 9, 7])
