"""Dashboards: each shows its owner's data only and refuses every other role."""

from datetime import date

import pytest
from django.test import Client

from meters.models import Meter
from portal.models import ThirdPartyMembership
from tests.factories import (
    CustomerFactory,
    MeterFactory,
    OccupancyFactory,
    PremiseFactory,
    StaffFactory,
    ThirdPartyFactory,
    ThirdPartyRatingFactory,
    third_party_user,
)

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_customer_dashboard_shows_current_premises_with_meters_and_move_in():
    customer = CustomerFactory()
    premise = PremiseFactory(service_address="12 Pecan St", postal_code="78704")
    MeterFactory(premise=premise, meter_number="E-1001", commodity=Meter.Commodity.ELECTRIC)
    MeterFactory(premise=premise, meter_number="G-2002", commodity=Meter.Commodity.GAS)
    OccupancyFactory(customer=customer, premise=premise, move_in=date(2024, 3, 15))

    response = logged_in(customer).get("/dashboard/")

    assert response.status_code == 200
    [current] = response.context["current_occupancies"]
    assert current.premise == premise
    assert response.context["past_occupancies"] == []
    page = response.content.decode()
    for expected in (premise.esiid, "12 Pecan St", "78704", "E-1001", "Electricity", "G-2002", "Gas", "March 15, 2024"):
        assert expected in page


def test_customer_dashboard_lists_moved_out_premises_apart():
    customer = CustomerFactory()
    old_premise = PremiseFactory(service_address="9 Old Mill Rd")
    OccupancyFactory(customer=customer, premise=old_premise, move_in=date(2021, 1, 1), move_out=date(2023, 6, 30))
    OccupancyFactory(customer=customer, move_in=date(2023, 7, 1))

    response = logged_in(customer).get("/dashboard/")

    [past] = response.context["past_occupancies"]
    assert past.premise == old_premise
    assert len(response.context["current_occupancies"]) == 1
    page = response.content.decode()
    assert page.index("Premises you moved out of") < page.index("9 Old Mill Rd")
    assert "June 30, 2023" in page


def test_customer_dashboard_shows_no_other_customers_premise():
    customer = CustomerFactory()
    OccupancyFactory(customer=customer)
    neighbour_premise = PremiseFactory(service_address="77 Neighbour Ln")
    OccupancyFactory(premise=neighbour_premise)

    response = logged_in(customer).get("/dashboard/")

    assert "77 Neighbour Ln" not in response.content.decode()
    assert neighbour_premise.esiid not in response.content.decode()


def test_customer_dashboard_queries_stay_bounded(django_assert_max_num_queries):
    customer = CustomerFactory()
    for index in range(8):
        occupancy = OccupancyFactory(
            customer=customer,
            move_in=date(2020, 1, 1),
            move_out=date(2020, 12, 31) if index % 2 else None,
        )
        MeterFactory.create_batch(3, premise=occupancy.premise)
    client = logged_in(customer)

    with django_assert_max_num_queries(6):  # 6th: the count of signed-in home tools
        response = client.get("/dashboard/")

    assert len(response.context["current_occupancies"]) == 4
    assert len(response.context["past_occupancies"]) == 4


@pytest.mark.parametrize("make_user", [third_party_user, StaffFactory], ids=["third_party", "staff"])
def test_customer_dashboard_refuses_other_roles(make_user):
    response = logged_in(make_user()).get("/dashboard/")

    assert response.status_code == 403


def test_customer_dashboard_sends_anonymous_visitors_to_login(client):
    response = client.get("/dashboard/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/dashboard/"


def test_third_party_dashboard_shows_the_company_members_and_rating():
    company = ThirdPartyFactory(
        name="Brightside Energy Apps",
        registration_number="TX-REG-100234",
        website="https://brightside.example",
        privacy_policy_url="https://brightside.example/privacy",
        privacy_seal_attested=True,
    )
    admin = third_party_user(company, role=ThirdPartyMembership.Role.ADMIN)
    agent = third_party_user(company, role=ThirdPartyMembership.Role.AGENT)
    ThirdPartyRatingFactory(third_party=company, stars=5)
    ThirdPartyRatingFactory(third_party=company, stars=4)

    response = logged_in(agent).get("/third-party/dashboard/")

    assert response.status_code == 200
    page = response.content.decode()
    for expected in (
        "Brightside Energy Apps",
        "TX-REG-100234",
        "https://brightside.example",
        "https://brightside.example/privacy",
        "Attested",
        "4.5 / 5",
        "(2 ratings)",
        admin.email,
        agent.email,
        "Admin",
        "Agent",
    ):
        assert expected in page


def test_third_party_dashboard_without_ratings_says_so():
    response = logged_in(third_party_user()).get("/third-party/dashboard/")

    assert "Not rated yet" in response.content.decode()


def test_third_party_dashboard_shows_no_other_company_members():
    user = third_party_user()
    stranger = third_party_user()

    response = logged_in(user).get("/third-party/dashboard/")

    assert stranger.email not in response.content.decode()
    assert stranger.third_party.name not in response.content.decode()


def test_third_party_dashboard_queries_stay_bounded(django_assert_max_num_queries):
    company = ThirdPartyFactory()
    members = [third_party_user(company) for _ in range(10)]
    ThirdPartyRatingFactory.create_batch(5, third_party=company)
    client = logged_in(members[0])

    with django_assert_max_num_queries(6):
        response = client.get("/third-party/dashboard/")

    assert all(member.email in response.content.decode() for member in members)


@pytest.mark.parametrize("make_user", [CustomerFactory, StaffFactory], ids=["customer", "staff"])
def test_third_party_dashboard_refuses_other_roles(make_user):
    response = logged_in(make_user()).get("/third-party/dashboard/")

    assert response.status_code == 403


def test_third_party_dashboard_sends_anonymous_visitors_to_login(client):
    response = client.get("/third-party/dashboard/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
