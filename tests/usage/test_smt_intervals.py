"""`/api/adhoc/intervalsynch` of the Smart Meter Texas customer API: 100 slots per local day and
series, the DST days, the customer's own windows only, bad input."""

from datetime import date, timedelta

import pytest

from tests.factories import OccupancyFactory
from tests.usage.smt_support import FALL_BACK, ORDINARY_DAY, SPRING_FORWARD, home, kwh_of, load_day
from tests.usage.test_smt_customer_api import post, token_of
from usage.models import Series

pytestmark = pytest.mark.django_db


def intervals(token: str, esiids, first: date, last: date | None = None, **extra):
    body = {
        "startDate": f"{first:%m/%d/%Y}",
        "endDate": f"{last or first:%m/%d/%Y}",
        "reportFormat": "JSON",
        "ESIID": esiids,
        **extra,
    }
    return post("/api/adhoc/intervalsynch", body, token)


def slots(entry: dict) -> list[str]:
    values = entry["RD"].split(",")
    assert len(values) == 100
    return values


def test_an_ordinary_day_fills_slots_0_to_7_and_12_to_99_and_leaves_8_to_11_empty():
    place = home()
    load_day(place.premise, ORDINARY_DAY, estimated_every=10)

    response = intervals(token_of(place.customer), [place.premise.esiid], ORDINARY_DAY)

    assert response.status_code == 200
    [entry] = response.json()["data"]["energyData"]
    assert (entry["DT"], entry["RT"], entry["ESIID"]) == ("07/15/2025", "C", place.premise.esiid)
    values = slots(entry)
    assert values[8:12] == ["", "", "", ""]
    filled = values[:8] + values[12:]
    assert filled == [f"{kwh_of(index)}-{'E' if index % 10 == 0 else 'A'}" for index in range(96)]
    assert values[0] == "0.100-E" and values[12] == "0.108-A"  # 02:00 is the 9th interval of the day


def test_the_fall_back_day_puts_the_repeated_1_am_hour_in_slots_8_to_11():
    place = home()
    load_day(place.premise, FALL_BACK)

    [entry] = intervals(token_of(place.customer), [place.premise.esiid], FALL_BACK).json()["data"]["energyData"]

    values = slots(entry)
    assert values == [f"{kwh_of(index)}-A" for index in range(100)]  # 100 intervals in time order


def test_the_spring_forward_day_leaves_the_skipped_hour_empty():
    place = home()
    load_day(place.premise, SPRING_FORWARD)

    [entry] = intervals(token_of(place.customer), [place.premise.esiid], SPRING_FORWARD).json()["data"]["energyData"]

    values = slots(entry)
    assert values[8:16] == [""] * 8  # no repeated hour; 02:00-02:45 does not exist
    assert values[:8] == [f"{kwh_of(index)}-A" for index in range(8)]
    assert values[16:] == [f"{kwh_of(index)}-A" for index in range(8, 92)]


def test_consumption_and_surplus_generation_are_one_entry_each_per_day_in_day_order():
    place = home()
    for day in (ORDINARY_DAY, ORDINARY_DAY + timedelta(days=1)):
        load_day(place.premise, day, series=Series.GENERATION)
        load_day(place.premise, day)

    response = intervals(token_of(place.customer), place.premise.esiid, ORDINARY_DAY, ORDINARY_DAY + timedelta(days=1))

    entries = response.json()["data"]["energyData"]
    assert [(entry["DT"], entry["RT"]) for entry in entries] == [
        ("07/15/2025", "C"),
        ("07/15/2025", "G"),
        ("07/16/2025", "C"),
        ("07/16/2025", "G"),
    ]
    assert entries[0]["RevTS"] == "12/01/2025 06:00:00"  # the revision, in the premise's local time


def test_a_day_without_reads_gives_an_empty_energy_data():
    place = home()
    load_day(place.premise, ORDINARY_DAY)

    response = intervals(token_of(place.customer), [place.premise.esiid], ORDINARY_DAY + timedelta(days=1))

    assert response.status_code == 200
    assert response.json() == {"data": {"energyData": []}}


def test_days_before_the_customer_moved_in_stay_empty():
    previous_day, move_in = ORDINARY_DAY, ORDINARY_DAY + timedelta(days=1)
    place = home()
    place.premise.occupancies.update(move_out=move_in)
    newcomer = OccupancyFactory(premise=place.premise, move_in=move_in).customer
    load_day(place.premise, previous_day)
    load_day(place.premise, move_in)

    response = intervals(token_of(newcomer), [place.premise.esiid], previous_day, move_in)

    assert [entry["DT"] for entry in response.json()["data"]["energyData"]] == [f"{move_in:%m/%d/%Y}"]


def test_several_esiids_of_the_customer_come_in_the_order_asked():
    first = home()
    second = home(customer=first.customer)
    load_day(first.premise, ORDINARY_DAY)
    load_day(second.premise, ORDINARY_DAY)

    response = intervals(token_of(first.customer), [second.premise.esiid, f"'{first.premise.esiid}"], ORDINARY_DAY)

    assert [entry["ESIID"] for entry in response.json()["data"]["energyData"]] == [
        second.premise.esiid,
        first.premise.esiid,
    ]


def test_another_customers_esiid_is_refused_and_nothing_of_it_is_sent():
    place, neighbour = home(), home()
    load_day(neighbour.premise, ORDINARY_DAY)

    response = intervals(token_of(place.customer), [place.premise.esiid, neighbour.premise.esiid], ORDINARY_DAY)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_your_premise"
    assert "energyData" not in response.content.decode()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"startDate": "2025-07-15"}, "startDate"),
        ({"endDate": "07/14/2025"}, "endDate"),
        ({"endDate": "08/16/2025"}, "endDate"),
        ({"ESIID": []}, "ESIID"),
        ({"reportFormat": "CSV"}, "reportFormat"),
    ],
    ids=["iso_date", "end_before_start", "over_31_days", "no_esiid", "csv"],
)
def test_bad_input_is_a_400_naming_the_field(change, field):
    place = home()

    response = intervals(token_of(place.customer), [place.premise.esiid], ORDINARY_DAY, **change)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
