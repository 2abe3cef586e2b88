"""The order of the usage-segments list (WG3-01 §10.8.8: aggregation number, account number,
contract number, segment_start), stable across pages, and `related_aggregations`: the aggregations
holding the segment's service point that the token reads."""

from datetime import date, timedelta

import pytest
from django.test import Client

from tests.factories import DailyReadFactory
from usage.models import Aggregation

from .factories import AggregationFactory, billed_customer
from .helpers import bearer, consent_token, every_scope_client_set
from .test_usage_lists import FALL_BACK, get, load_day

pytestmark = pytest.mark.django_db

URL = "/api/v1/cds/usage-segments/"


@pytest.fixture
def client_set(db):
    return every_scope_client_set()


@pytest.fixture
def two_homes(db):
    """One customer, two service points: the first (lower id) on account BA-2 in aggregation A-GROUP,
    the second on account BA-1 in aggregation Z-GROUP; each with daily reads over two months and a
    day of quarter hours, so each has several segments."""
    first = billed_customer(account_number="BA-2")
    second = billed_customer(customer=first.customer, account_number="BA-1")
    for billed in (first, second):
        for offset in range(40):
            DailyReadFactory(premise=billed.premise, read_date=FALL_BACK - timedelta(days=20) + timedelta(days=offset))
        load_day(billed.premise, FALL_BACK)
    for number, billed in (("A-GROUP", first), ("Z-GROUP", second)):
        AggregationFactory(number=number, kind=Aggregation.Kind.LIST, postal_code="").premises.add(billed.premise)
    return first, second


def walk(token: str, url: str = URL) -> list[list[dict]]:
    pages = []
    while url:
        body = Client().get(url, **bearer(token)).json()
        pages.append(body["usage_segments"])
        url = body["next"]
    return pages


def starts(segments: list[dict]) -> list[str]:
    return [item["segment_start"] for item in segments]


def test_segments_are_ordered_by_account_then_start_and_pages_keep_that_order(client_set, two_homes, monkeypatch):
    first, second = two_homes
    token = consent_token(client_set, first.customer, "cds_usage")
    everything = get(URL, token).json()["usage_segments"]
    monkeypatch.setattr("portal.cds.paging.PAGE_SIZE", 3)

    pages = walk(token)

    assert len(pages) > 2
    listed = [item for page in pages for item in page]
    assert [item["cds_usagesegment_id"] for item in listed] == [item["cds_usagesegment_id"] for item in everything]
    by_home = [item["related_servicepoints"] for item in listed]
    count = by_home.count([str(second.premise.pk)])
    # The aggregations are not the token's to read: account BA-1's home first, then BA-2's.
    assert by_home == [[str(second.premise.pk)]] * count + [[str(first.premise.pk)]] * (len(listed) - count)
    for home in (listed[:count], listed[count:]):
        assert starts(home) == sorted(starts(home), key=lambda text: date.fromisoformat(text[:10]))
    # Going back gives the same page again.
    second_page = Client().get(URL, {"page": 2}, **bearer(token)).json()
    back = Client().get(second_page["previous"], **bearer(token)).json()
    assert back["usage_segments"] == pages[0]


def test_segments_starting_together_keep_one_order_however_often_asked(client_set, two_homes):
    first, _second = two_homes
    token = consent_token(client_set, first.customer, "cds_usage")

    answers = [get(URL, token).json()["usage_segments"] for _ in range(2)]

    november = [
        item["cds_usagesegment_id"]
        for item in answers[0]
        if item["segment_start"].startswith("2026-11-01T00:00:00")
        and item["related_servicepoints"][0] == str(first.premise.pk)
    ]
    # A month of quarter hours and a month of days start together: 15-minute first, then daily.
    assert [segment_id[0] for segment_id in november] == ["i", "d"]
    assert [item["cds_usagesegment_id"] for item in answers[1]] == [item["cds_usagesegment_id"] for item in answers[0]]


def test_the_aggregation_number_comes_first_when_the_token_reads_aggregations(client_set, two_homes):
    first, second = two_homes
    token = consent_token(client_set, first.customer, "cds_usage", include_aggregations=True)

    listed = get(URL, token).json()["usage_segments"]

    # A-GROUP (the BA-2 home) sorts before Z-GROUP (the BA-1 home), whatever the accounts say.
    assert listed[0]["related_servicepoints"] == [str(first.premise.pk)]
    assert listed[-1]["related_servicepoints"] == [str(second.premise.pk)]


def test_a_segment_names_the_aggregations_of_its_service_point_the_token_reads(client_set, two_homes):
    first, second = two_homes
    with_aggregations = consent_token(client_set, first.customer, "cds_usage", include_aggregations=True)
    without = consent_token(client_set, first.customer, "cds_usage")

    listed = get(URL, with_aggregations).json()["usage_segments"]
    aggregations = get("/api/v1/cds/aggregations/", with_aggregations).json()["aggregations"]

    ids = {item["aggregation_number"]: item["cds_aggregation_id"] for item in aggregations}
    for item in listed:
        home = item["related_servicepoints"][0]
        assert item["related_aggregations"] == [ids["A-GROUP" if home == str(first.premise.pk) else "Z-GROUP"]]
    assert all(item["related_aggregations"] == [] for item in get(URL, without).json()["usage_segments"])


def test_an_aggregation_of_a_service_point_out_of_the_grant_is_never_named(client_set, two_homes):
    first, second = two_homes
    token = consent_token(
        client_set, first.customer, "cds_usage", include_aggregations=True, servicepoint_numbers=[first.premise.esiid]
    )

    listed = get(URL, token).json()["usage_segments"]

    assert {item["related_servicepoints"][0] for item in listed} == {str(first.premise.pk)}
    assert {aggregation for item in listed for aggregation in item["related_aggregations"]} == {
        str(Aggregation.objects.get(number="A-GROUP").pk)
    }


def test_a_building_aggregation_holds_its_address_whatever_its_case(client_set, two_homes):
    first, _second = two_homes
    building = AggregationFactory(
        kind=Aggregation.Kind.BUILDING, postal_code="", building_address=first.premise.service_address.upper()
    )
    token = consent_token(
        client_set, first.customer, "cds_usage", include_aggregations=True, servicepoint_numbers=[first.premise.esiid]
    )

    listed = get(URL, token).json()["usage_segments"]
    aggregations = get("/api/v1/cds/aggregations/", token).json()["aggregations"]

    assert str(building.pk) in {item["cds_aggregation_id"] for item in aggregations}
    assert all(str(building.pk) in item["related_aggregations"] for item in listed)
