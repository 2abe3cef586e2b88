"""Provisioning API: move-ins and move-outs recorded by the utility's systems."""

from datetime import date

import pytest

from meters.models import Occupancy
from tests.factories import CustomerFactory, OccupancyFactory, PremiseFactory, agreement_at

pytestmark = pytest.mark.django_db

MOVE_INS_URL = "/api/v1/provisioning/move-ins"
MOVE_OUTS_URL = "/api/v1/provisioning/move-outs"

ESIID = "10443720000123456"


@pytest.fixture
def api(api_client, utility_token):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {utility_token}")
    return api_client


def move_in_body(**overrides) -> dict:
    return {
        "external_account_id": "ACC-2001",
        "esiid": ESIID,
        "account_number": "0012345678",
        "authorization_code": "AUTH-778899",
        "move_in": "2025-02-01",
        **overrides,
    }


def test_a_move_in_starts_an_occupancy_and_repeating_it_changes_nothing(api):
    customer = CustomerFactory(external_account_id="ACC-2001")
    premise = PremiseFactory(esiid=ESIID)

    first = api.post(MOVE_INS_URL, move_in_body(), format="json")
    second = api.post(MOVE_INS_URL, move_in_body(), format="json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    occupancy = Occupancy.objects.get()
    assert (occupancy.customer, occupancy.premise, occupancy.move_in, occupancy.move_out) == (
        customer,
        premise,
        date(2025, 2, 1),
        None,
    )
    assert occupancy.authorization_code == "AUTH-778899"
    assert "authorization_code" not in first.json()


def test_a_move_in_to_an_occupied_premise_is_a_409(api):
    premise = PremiseFactory(esiid=ESIID)
    OccupancyFactory(premise=premise)
    CustomerFactory(external_account_id="ACC-2001")

    response = api.post(MOVE_INS_URL, move_in_body(), format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "premise_occupied"
    assert Occupancy.objects.count() == 1


def test_a_move_in_of_an_unknown_customer_to_an_unknown_premise_is_refused_per_field(api):
    response = api.post(MOVE_INS_URL, move_in_body(move_in="01/02/2025", account_number=""), format="json")

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"external_account_id", "esiid", "move_in", "account_number"}
    assert "ACC-2001" in fields["external_account_id"][0]


def test_a_move_in_before_the_previous_occupants_move_out_is_refused(api):
    premise = PremiseFactory(esiid=ESIID)
    OccupancyFactory(premise=premise, move_in=date(2024, 1, 1), move_out=date(2025, 3, 1))
    CustomerFactory(external_account_id="ACC-2001")

    response = api.post(MOVE_INS_URL, move_in_body(move_in="2025-02-01"), format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "overlapping_occupancy"


def test_move_in_then_move_out_ends_the_occupancy_with_its_reason(api):
    CustomerFactory(external_account_id="ACC-2001")
    PremiseFactory(esiid=ESIID)
    api.post(MOVE_INS_URL, move_in_body(), format="json")

    response = api.post(
        MOVE_OUTS_URL, {"esiid": ESIID, "move_out": "2025-08-31", "reason": "Moved to Dallas"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["move_out"] == "2025-08-31"
    occupancy = Occupancy.objects.get()
    assert (occupancy.move_out, occupancy.move_out_reason) == (date(2025, 8, 31), "Moved to Dallas")


def test_a_move_out_through_the_api_ends_the_customers_agreements_on_the_premise(api):
    agreement = agreement_at(PremiseFactory(esiid=ESIID))

    response = api.post(MOVE_OUTS_URL, {"esiid": ESIID, "move_out": "2025-08-31", "reason": "Moved"}, format="json")

    assert response.status_code == 200
    agreement.refresh_from_db()
    assert agreement.status == "terminated"


def test_the_same_move_out_twice_changes_nothing(api):
    OccupancyFactory(premise=PremiseFactory(esiid=ESIID), move_in=date(2024, 1, 1))
    body = {"esiid": ESIID, "move_out": "2025-08-31", "reason": "Moved away"}

    first = api.post(MOVE_OUTS_URL, body, format="json")
    state_after_first = Occupancy.objects.values().get()
    second = api.post(MOVE_OUTS_URL, body, format="json")

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json()
    assert Occupancy.objects.values().get() == state_after_first


def test_a_move_out_of_an_empty_premise_is_a_409(api):
    PremiseFactory(esiid=ESIID)

    response = api.post(MOVE_OUTS_URL, {"esiid": ESIID, "move_out": "2025-08-31"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_occupied"


def test_a_move_out_before_the_move_in_is_refused(api):
    OccupancyFactory(premise=PremiseFactory(esiid=ESIID), move_in=date(2025, 1, 1))

    response = api.post(MOVE_OUTS_URL, {"esiid": ESIID, "move_out": "2024-12-31"}, format="json")

    assert response.status_code == 400
    assert "move_out" in response.json()["error"]["fields"]
    assert Occupancy.objects.get().move_out is None


def test_a_new_occupant_may_move_in_after_the_move_out(api):
    OccupancyFactory(premise=PremiseFactory(esiid=ESIID), move_in=date(2024, 1, 1))
    CustomerFactory(external_account_id="ACC-2001")
    api.post(MOVE_OUTS_URL, {"esiid": ESIID, "move_out": "2025-01-31"}, format="json")

    response = api.post(MOVE_INS_URL, move_in_body(move_in="2025-01-31"), format="json")

    assert response.status_code == 201
    assert Occupancy.objects.current().get().customer.external_account_id == "ACC-2001"


@pytest.mark.parametrize("include_future", [True, False])
def test_a_move_in_extends_only_grants_that_asked_for_future_premises(api, include_future):
    from agreements.models import OAuthGrant
    from tests.factories import OAuthClientFactory

    agreement = agreement_at()
    OAuthGrant.objects.create(
        agreement=agreement, client=OAuthClientFactory(), scope="cds_usage", include_future_premises=include_future
    )
    customer = agreement.customer
    customer.external_account_id = "ACC-2001"
    customer.save()
    new_premise = PremiseFactory(esiid=ESIID)

    assert api.post(MOVE_INS_URL, move_in_body(), format="json").status_code == 201

    assert agreement.premises.filter(pk=new_premise.pk).exists() is include_future
