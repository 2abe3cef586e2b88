"""On-demand reads through the Smart Meter Texas customer API (`/api/ondemandread`,
`/api/usage/latestodrread`), answered by the simulated head-end (Celery runs eagerly here)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import MeterFactory, OccupancyFactory
from tests.usage.smt_support import home
from tests.usage.test_smt_customer_api import post, token_of
from usage.models import OnDemandRead

pytestmark = pytest.mark.django_db


def ask(token, premise, meter_number=None):
    body = {"ESIID": premise.esiid, "MeterNumber": meter_number if meter_number is not None else ""}
    return post("/api/ondemandread", body, token)


def latest(token, premise):
    return post("/api/usage/latestodrread", {"ESIID": premise.esiid}, token)


def test_an_on_demand_read_completes_through_the_simulated_head_end(django_capture_on_commit_callbacks):
    place = home()
    token = token_of(place.customer)

    with django_capture_on_commit_callbacks(execute=True):  # the head-end tasks run once it commits
        started = ask(token, place.premise, place.meter.meter_number)
    answer = latest(token, place.premise)

    assert started.status_code == 200
    assert started.json()["data"]["statusCode"] == "0"
    data = answer.json()["data"]
    assert data["odrstatus"] == "COMPLETED"
    read = OnDemandRead.objects.get(premise=place.premise)
    assert read.requested_by == place.customer
    assert data["odrread"] == str(read.register_kwh)
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", data["odrdate"])


def test_before_any_read_the_status_is_none():
    place = home()

    data = latest(token_of(place.customer), place.premise).json()["data"]

    assert data == {"odrstatus": "NONE", "odrread": None, "odrusage": None, "odrdate": None, "responseMessage": ""}


@pytest.mark.parametrize(
    ("meter_number", "status"),
    [("M-SILENT-1", "PENDING"), ("M-NOREAD-1", "FAILED")],  # the simulator: never answered, failed
    ids=["never_answered", "failed"],
)
def test_a_read_the_meter_does_not_complete_shows_its_status(django_capture_on_commit_callbacks, meter_number, status):
    place = home()
    place.meter.meter_number = meter_number
    place.meter.save()
    token = token_of(place.customer)

    with django_capture_on_commit_callbacks(execute=True):
        ask(token, place.premise)

    assert latest(token, place.premise).json()["data"]["odrstatus"] == status


def test_a_third_read_within_the_hour_is_refused_with_429_and_retry_after():
    place = home()
    token = token_of(place.customer)
    assert [ask(token, place.premise).status_code for _ in range(2)] == [200, 200]

    response = ask(token, place.premise)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 3600


def test_a_meter_number_not_at_the_premise_is_a_400():
    place = home()
    elsewhere = MeterFactory()

    response = ask(token_of(place.customer), place.premise, elsewhere.meter_number)

    assert response.status_code == 400
    assert "MeterNumber" in response.json()["error"]["fields"]
    assert not OnDemandRead.objects.exists()


@pytest.mark.parametrize("endpoint", ["/api/ondemandread", "/api/usage/latestodrread"])
def test_another_customers_esiid_is_refused(endpoint):
    place, neighbour = home(), home()

    response = post(endpoint, {"ESIID": neighbour.premise.esiid}, token_of(place.customer))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_your_premise"
    assert not OnDemandRead.objects.exists()


def test_the_previous_tenants_last_read_is_not_shown_to_the_newcomer(django_capture_on_commit_callbacks):
    previous = home()
    ask(token_of(previous.customer), previous.premise)
    OnDemandRead.objects.update(requested_at=timezone.now() - timedelta(days=3))
    today = timezone.localdate()
    previous.premise.occupancies.update(move_out=today)
    newcomer = OccupancyFactory(premise=previous.premise, move_in=today).customer

    token = token_of(newcomer)

    assert latest(token, previous.premise).json()["data"]["odrstatus"] == "NONE"
    with django_capture_on_commit_callbacks(execute=True):
        ask(token, previous.premise)
    assert latest(token, previous.premise).json()["data"]["odrstatus"] == "COMPLETED"
