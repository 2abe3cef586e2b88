"""The customer's usage pages: their homes, a home's chart and table (15 minutes, days, months),
estimated cost, CSV links, the on-demand read button, and who may see what."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import (
    CustomerFactory,
    MeterFactory,
    OccupancyFactory,
    PremiseFactory,
    customer_at,
    third_party_user,
)
from usage.models import OnDemandRead, Series, Tariff
from usage.services import IntervalReading, load_interval_reads

pytestmark = pytest.mark.django_db

CENTRAL = ZoneInfo("America/Chicago")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def load_days(premise, first: date, days: int, *, wh: int = 250, series=Series.CONSUMPTION, hours=range(24)):
    """`wh` every quarter hour of the given local hours of `days` local days (DST days included)."""
    readings = []
    moment = datetime.combine(first, time.min, tzinfo=CENTRAL).astimezone(UTC)
    end = datetime.combine(first + timedelta(days=days), time.min, tzinfo=CENTRAL).astimezone(UTC)
    while moment < end:
        if moment.astimezone(CENTRAL).hour in hours:
            readings.append(IntervalReading(premise.pk, moment, Decimal(wh).scaleb(-3), series, revised_at=moment))
        moment += timedelta(minutes=15)
    load_interval_reads(readings=readings)


def page(client, premise, **query):
    return client.get(f"/usage/{premise.esiid}/", query)


@pytest.fixture
def home():
    premise = PremiseFactory()
    MeterFactory(premise=premise)
    customer = customer_at(premise, move_in=date(2024, 1, 1))
    return customer, premise


def test_the_customer_sees_a_chart_and_table_of_every_quarter_hour(home):
    customer, premise = home
    load_days(premise, date(2025, 7, 1), 2)

    response = page(logged_in(customer), premise, view="interval", start="2025-07-01", end="2025-07-02")

    assert response.status_code == 200
    chart = response.context["chart"]
    assert len(chart["x"]) == 192 and set(chart["consumption"]) == {0.25}
    assert chart["generation"] is None and chart["cost"] is None
    assert chart["x"][0] == datetime(2025, 7, 1, tzinfo=CENTRAL).timestamp()
    content = response.content.decode()
    assert 'id="usage-chart-data"' in content and "uPlot.iife.min.js" in content
    assert "Tue Jul 1, 00:00 CDT" in content
    assert "48.000 kWh" in content  # used in the two days
    assert f"/api/v1/usage/{premise.esiid}/intervals/?start=2025-07-01&amp;end=2025-07-02&amp;format=csv" in content


def test_the_daily_and_monthly_views_sum_local_days_and_months(home):
    customer, premise = home
    load_days(premise, date(2025, 6, 30), 3)

    daily = page(logged_in(customer), premise, view="daily", start="2025-06-30", end="2025-07-02")
    monthly = page(logged_in(customer), premise, view="monthly", start="2025-06-01", end="2025-07-31")

    assert daily.context["chart"]["consumption"] == [24.0, 24.0, 24.0]
    assert monthly.context["chart"]["consumption"] == [24.0, 48.0]
    assert monthly.context["chart"]["x"] == [
        datetime(2025, 6, 1, tzinfo=CENTRAL).timestamp(),
        datetime(2025, 7, 1, tzinfo=CENTRAL).timestamp(),
    ]
    assert "June 2025" in monthly.content.decode()


def test_a_fall_back_day_is_25_hours_with_the_repeated_hour_told_apart(home):
    customer, premise = home
    load_days(premise, date(2025, 11, 2), 1)

    intervals = page(logged_in(customer), premise, view="interval", start="2025-11-02", end="2025-11-02")
    daily = page(logged_in(customer), premise, view="daily", start="2025-11-02", end="2025-11-02")

    assert len(intervals.context["chart"]["x"]) == 100
    content = intervals.content.decode()
    assert "Sun Nov 2, 01:00 CDT" in content and "Sun Nov 2, 01:00 CST" in content
    assert daily.context["chart"]["consumption"] == [25.0]


def test_generation_and_the_estimated_cost_show_when_there_are_panels_and_a_tariff(home):
    customer, premise = home
    load_days(premise, date(2025, 7, 1), 1, wh=1000)
    load_days(premise, date(2025, 7, 1), 1, wh=500, series=Series.GENERATION, hours=range(10, 16))
    Tariff.objects.create(
        premise=premise,
        source=Tariff.Source.CUSTOMER,
        offtake_peak=Decimal("0.20000"),
        offtake_off_peak=Decimal("0.10000"),
        injection_peak=Decimal("0.05000"),
        injection_off_peak=Decimal("0.05000"),
        valid_from=date(2025, 1, 1),
    )

    response = page(logged_in(customer), premise, view="daily", start="2025-07-01", end="2025-07-01")

    chart = response.context["chart"]
    assert chart["generation"] == [12.0]  # 6 hours x 4 quarters x 0.5 kWh
    # No TOU map: every hour off-peak. 96 kWh x 0.10 - 12 kWh x 0.05 = 9.00
    assert chart["cost"] == [9.0] and chart["currency"] == "USD"
    content = response.content.decode()
    assert "9.00 USD" in content and "This is not a bill" in content and "Sent back" in content


def test_without_a_tariff_the_page_points_to_the_energy_contract(home):
    customer, premise = home
    load_days(premise, date(2025, 7, 1), 1)

    response = page(logged_in(customer), premise, view="daily", start="2025-07-01", end="2025-07-01")

    assert response.context["chart"]["cost"] is None
    assert "/usage/contract/" in response.content.decode()


def test_without_dates_the_interval_view_shows_the_last_week():
    customer = customer_at(move_in=date(2024, 1, 1))
    premise = customer.occupancies.get().premise
    today = timezone.localdate()
    load_days(premise, today - timedelta(days=10), 10)

    response = page(logged_in(customer), premise)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.cleaned_data["start"] == today - timedelta(days=6) and form.cleaned_data["end"] == today
    assert len(response.context["chart"]["x"]) == 6 * 96  # today has no reads yet
    assert response.context["table"].resolution == "interval"


def test_a_longer_15_minute_view_lists_days_in_its_table(home):
    customer, premise = home
    load_days(premise, date(2025, 7, 1), 10)

    response = page(logged_in(customer), premise, view="interval", start="2025-07-01", end="2025-07-10")

    assert len(response.context["chart"]["x"]) == 960
    assert response.context["table"].resolution == "daily" and len(response.context["table"].rows) == 10


def test_only_the_days_of_the_customers_stay_are_shown():
    premise = PremiseFactory()
    earlier = customer_at(premise, move_in=date(2024, 1, 1), move_out=date(2025, 7, 2))
    later = customer_at(premise, move_in=date(2025, 7, 3))
    load_days(premise, date(2025, 7, 1), 4)

    response = page(logged_in(later), premise, view="daily", start="2025-07-01", end="2025-07-04")
    refused = page(logged_in(earlier), premise, view="daily", start="2025-07-03", end="2025-07-04")

    assert response.context["chart"]["consumption"] == [24.0, 24.0]
    assert refused.status_code == 400
    assert "You did not live here in those days" in refused.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2025-07-05", "end": "2025-07-01"}, "must not be before the first"),
        ({"start": "2024-01-01", "end": "2025-07-01"}, "At most 366 days"),
        ({"start": "yesterday", "end": "2025-07-01"}, "Enter a valid date"),
        ({"start": "2025-07-01", "end": "2025-07-01", "view": "hourly"}, "Select a valid choice"),
    ],
)
def test_a_bad_period_is_a_form_error(home, query, message):
    customer, premise = home

    response = page(logged_in(customer), premise, **{"view": "interval", **query})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["chart"] is None


def test_another_customers_premise_and_an_unknown_esiid_are_not_found(home):
    customer, _premise = home
    other = customer_at()

    client = logged_in(customer)

    assert page(client, other.occupancies.get().premise).status_code == 404
    assert client.get("/usage/10443720999999999/").status_code == 404


def test_a_third_party_user_is_refused(home):
    _customer, premise = home

    response = page(logged_in(third_party_user()), premise)

    assert response.status_code == 403


def test_a_visitor_who_is_not_logged_in_goes_to_the_login_page(home):
    _customer, premise = home

    response = page(Client(), premise)

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_my_usage_goes_straight_to_the_only_home_and_lists_several():
    single = customer_at()
    several = CustomerFactory()
    first, second = OccupancyFactory(customer=several), OccupancyFactory(customer=several)

    straight = logged_in(single).get("/usage/")
    listed = logged_in(several).get("/usage/")

    assert straight.status_code == 302 and straight["Location"] == f"/usage/{single.occupancies.get().premise.esiid}/"
    assert listed.status_code == 200
    assert first.premise.esiid in listed.content.decode() and second.premise.esiid in listed.content.decode()


def test_the_page_queries_stay_bounded_whatever_the_period(home, django_assert_max_num_queries):
    customer, premise = home
    load_days(premise, date(2025, 1, 1), 200)
    Tariff.objects.create(
        premise=premise, offtake_peak=Decimal("0.2"), offtake_off_peak=Decimal("0.1"), valid_from=date(2025, 1, 1)
    )
    client = logged_in(customer)

    with django_assert_max_num_queries(25):
        response = page(client, premise, view="interval", start="2025-01-01", end="2025-07-19")

    assert len(response.context["chart"]["x"]) == 200 * 96 - 4  # March 9 springs forward: 92 quarters


def test_read_my_meter_now_asks_the_meter_and_shows_the_request(home):
    customer, premise = home
    client = logged_in(customer)

    response = client.post(f"/usage/{premise.esiid}/read-now/", {"query": "view=daily&start=2025-07-01"}, follow=True)

    read = OnDemandRead.objects.get(premise=premise)
    assert read.requested_by == customer and read.status == OnDemandRead.Status.PENDING
    assert response.redirect_chain[-1][0] == f"/usage/{premise.esiid}/?view=daily&start=2025-07-01"
    content = response.content.decode()
    assert "Your meter is being read" in content and "waiting for the meter" in content


def test_a_third_read_within_the_hour_is_refused_with_when_to_try_again(home):
    customer, premise = home
    client = logged_in(customer)
    for _ in range(2):
        client.post(f"/usage/{premise.esiid}/read-now/")

    response = client.post(f"/usage/{premise.esiid}/read-now/", follow=True)

    assert OnDemandRead.objects.filter(premise=premise).count() == 2
    assert "Try again after" in response.content.decode()


def test_a_customer_who_moved_out_sees_their_usage_but_no_read_button():
    customer = customer_at(move_in=date(2024, 1, 1), move_out=date(2025, 8, 1))
    premise = customer.occupancies.get().premise
    load_days(premise, date(2025, 7, 1), 1)

    shown = page(logged_in(customer), premise, view="daily", start="2025-07-01", end="2025-07-01")
    refused = logged_in(customer).post(f"/usage/{premise.esiid}/read-now/", follow=True)

    assert shown.status_code == 200 and "Read my meter now" not in shown.content.decode()
    assert "Only the customer living here" in refused.content.decode()
    assert not OnDemandRead.objects.exists()


def test_the_csv_link_downloads_the_periods_reads_with_the_customers_session(home):
    customer, premise = home
    load_days(premise, date(2025, 7, 1), 1)
    client = logged_in(customer)
    [(_label, url), *_others] = page(client, premise, view="daily", start="2025-07-01", end="2025-07-01").context[
        "csv_links"
    ]

    response = client.get(url)

    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert len(b"".join(response.streaming_content).decode().splitlines()) == 1 + 96
