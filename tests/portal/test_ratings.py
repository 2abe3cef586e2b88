"""Customers rate third parties 1–5 on a page; rating again replaces; nobody else may rate."""

import pytest
from django.test import Client

from portal.models import ThirdPartyRating
from tests.factories import (
    CustomerFactory,
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


def rate_path(third_party) -> str:
    return f"/third-parties/{third_party.pk}/rate/"


def test_customer_rates_a_third_party():
    customer = CustomerFactory()
    company = ThirdPartyFactory()

    response = logged_in(customer).post(rate_path(company), {"stars": "4", "comment": "Clear and helpful."})

    assert response.status_code == 302
    assert response["Location"] == rate_path(company)
    rating = ThirdPartyRating.objects.get(customer=customer, third_party=company)
    assert (rating.stars, rating.comment) == (4, "Clear and helpful.")


def test_rating_again_replaces_the_earlier_rating():
    customer = CustomerFactory()
    company = ThirdPartyFactory()
    client = logged_in(customer)
    client.post(rate_path(company), {"stars": "2", "comment": "Slow."})

    client.post(rate_path(company), {"stars": "5", "comment": "Fixed it."})

    [rating] = ThirdPartyRating.objects.filter(customer=customer, third_party=company)
    assert (rating.stars, rating.comment) == (5, "Fixed it.")


def test_rating_page_shows_the_average_and_the_customers_own_rating():
    customer = CustomerFactory()
    company = ThirdPartyFactory(name="Texas Retail Power")
    ThirdPartyRatingFactory(third_party=company, stars=5)
    ThirdPartyRatingFactory(third_party=company, stars=2)
    ThirdPartyRatingFactory(third_party=company, customer=customer, stars=3)

    response = logged_in(customer).get(rate_path(company))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Texas Retail Power" in page
    assert "3.3 / 5" in page
    assert "(3 ratings)" in page
    assert "You rated this company 3 / 5" in page
    assert response.context["form"]["stars"].value() == 3


def test_rating_page_queries_stay_bounded(django_assert_max_num_queries):
    customer = CustomerFactory()
    company = ThirdPartyFactory()
    ThirdPartyRatingFactory.create_batch(20, third_party=company)
    client = logged_in(customer)

    with django_assert_max_num_queries(6):
        client.get(rate_path(company))


def test_rating_outside_one_to_five_is_refused():
    customer = CustomerFactory()
    company = ThirdPartyFactory()

    response = logged_in(customer).post(rate_path(company), {"stars": "6"})

    assert response.status_code == 200
    assert "stars" in response.context["form"].errors
    assert not ThirdPartyRating.objects.exists()


def test_rating_redirects_to_a_safe_next_only():
    customer = CustomerFactory()
    company = ThirdPartyFactory()
    client = logged_in(customer)

    safe = client.post(rate_path(company), {"stars": "4", "next": "/agreements/invitations/abc/"})
    unsafe = client.post(rate_path(company), {"stars": "4", "next": "https://evil.example/"})

    assert safe["Location"] == "/agreements/invitations/abc/"
    assert unsafe["Location"] == rate_path(company)


@pytest.mark.parametrize("make_user", [third_party_user, StaffFactory], ids=["third_party", "staff"])
def test_only_customers_may_rate(make_user):
    company = ThirdPartyFactory()
    client = logged_in(make_user())

    page = client.get(rate_path(company))
    submit = client.post(rate_path(company), {"stars": "5"})

    assert page.status_code == 403
    assert submit.status_code == 403
    assert not ThirdPartyRating.objects.exists()


def test_third_party_user_cannot_rate_their_own_company():
    user = third_party_user()

    response = logged_in(user).post(rate_path(user.third_party), {"stars": "5"})

    assert response.status_code == 403
    assert not ThirdPartyRating.objects.exists()


def test_anonymous_visitor_is_sent_to_login(client):
    company = ThirdPartyFactory()

    response = client.post(rate_path(company), {"stars": "5"})

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert not ThirdPartyRating.objects.exists()


def test_inactive_or_unknown_third_party_is_not_found():
    customer = CustomerFactory()
    inactive = ThirdPartyFactory(is_active=False)
    client = logged_in(customer)

    assert client.get(rate_path(inactive)).status_code == 404
    assert client.get("/third-parties/999999/rate/").status_code == 404
