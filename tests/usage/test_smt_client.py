"""The real `smart-meter-texas` client (the library behind Home Assistant's Smart Meter Texas
integration), unchanged but for its module constants, against MeterGate on a live test server:
what a customer's home tool does, end to end over HTTP."""

import asyncio
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import aiohttp
import pytest
import smart_meter_texas as smt
from oauth2_provider.models import AccessToken
from smart_meter_texas.exceptions import (
    SmartMeterTexasAPIError,
    SmartMeterTexasAuthError,
    SmartMeterTexasRateLimitError,
)

from tests.factories import PASSWORD
from tests.usage.smt_support import CHICAGO, FALL_BACK, ORDINARY_DAY, SPRING_FORWARD, day_starts, home, kwh_of, load_day
from usage.models import OnDemandRead, Series

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def metergate(live_server, monkeypatch):
    """Point the client at the live server, as README "Integrations" tells users to."""
    base = live_server.url + "/"
    monkeypatch.setattr(smt.const, "BASE_URL", base)
    # The client copied the endpoints into its own namespace at import: set both copies.
    for module in (smt, smt.const):
        monkeypatch.setattr(module, "BASE_ENDPOINT", base + "api")
        monkeypatch.setattr(module, "AUTH_ENDPOINT", base + "commonapi/user/authenticate")
    monkeypatch.setattr(smt, "OD_READ_RETRY_TIME", 0.05)  # poll the on-demand read quickly
    return live_server


def run(email: str, work, password: str = PASSWORD):
    """Run `work(client)` with a fresh client session, as Home Assistant sets one up."""

    async def session():
        async with aiohttp.ClientSession() as websession:
            ssl_context = smt.ClientSSLContext().create_ssl_context()
            client = smt.Client(websession, smt.Account(email, password), ssl_context)
            return await work(client)

    # In a thread of its own: when the browser tests ran first, Playwright's event loop is running
    # in this thread, and asyncio.run() refuses to start inside it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, session()).result()


def days_ago(day: dt.date) -> int:
    return (dt.date.today() - day).days  # the client counts back from its own today


def expected_reads(day: dt.date, values: list[str]) -> list[list[str]]:
    """What the client should give for a day: [MM/DD/YYYY H:MM, kWh] in time order, the local
    wall time of each interval (1:xx twice on the fall-back day, no 2:xx in spring)."""
    local = [start.astimezone(CHICAGO) for start in day_starts(day)]
    return [
        [f"{day:%m/%d/%Y} {moment.hour}:{moment.minute:02d}", value]
        for moment, value in zip(local, values, strict=True)
    ]


def test_the_client_logs_in_and_lists_the_customers_meters(metergate):
    place = home(service_address="12 Elm St")
    home()  # a neighbour, never listed

    meters = run(place.customer.email, lambda client: smt.Account.fetch_meters(client.account, client))

    assert [(meter.esiid, meter.meter, meter.address) for meter in meters] == [
        (place.premise.esiid, place.meter.meter_number, "12 Elm St")
    ]


def test_the_client_reads_the_meter_on_demand_through_the_simulated_head_end(metergate):
    place = home()

    async def read(client):
        [meter] = await client.account.fetch_meters(client)
        await meter.read_meter(client)
        return meter

    meter = run(place.customer.email, read)

    stored = OnDemandRead.objects.get(premise=place.premise)
    assert stored.status == OnDemandRead.Status.COMPLETED
    assert meter.reading == float(stored.register_kwh)
    assert meter.reading_datetime == stored.read_at.replace(microsecond=0)


@pytest.mark.parametrize(
    "day", [ORDINARY_DAY, FALL_BACK, SPRING_FORWARD], ids=["ordinary", "fall_back", "spring_forward"]
)
def test_the_client_reads_a_day_of_15_minute_data(metergate, day):
    place = home()
    count = load_day(place.premise, day)
    load_day(place.premise, day, series=Series.GENERATION)

    async def read(client):
        meter = smt.Meter(place.meter.meter_number, place.premise.esiid, place.premise.service_address)
        await meter.get_15min(client, prevdays=days_ago(day))
        return meter

    meter = run(place.customer.email, read)

    values = [str(kwh_of(index)) for index in range(count)]
    assert meter.read_15min_consumption == expected_reads(day, values)
    assert meter.read_15min == expected_reads(day, values)  # surplus generation
    assert len(meter.read_15min_consumption) == {ORDINARY_DAY: 96, FALL_BACK: 100, SPRING_FORWARD: 92}[day]


def test_the_client_logs_in_again_once_its_token_lapsed(metergate, monkeypatch, settings):
    # Both sides' 15 idle minutes made one second, and waited out for real.
    settings.SMT_TOKEN_IDLE = timedelta(seconds=1)
    monkeypatch.setattr(smt, "TOKEN_EXPRIATION", timedelta(seconds=1))
    place = home()

    async def twice(client):
        first = await smt.Account.fetch_meters(client.account, client)
        first_token = client.token
        await asyncio.sleep(1.5)
        second = await smt.Account.fetch_meters(client.account, client)
        return first, first_token, second, client.token

    first, first_token, second, second_token = run(place.customer.email, twice)

    assert [meter.esiid for meter in first] == [meter.esiid for meter in second] == [place.premise.esiid]
    assert first_token != second_token
    assert AccessToken.objects.filter(user=place.customer).count() == 2


def test_a_wrong_password_is_an_auth_error_and_a_locked_account_a_rate_limit_error(metergate, settings):
    settings.LOGIN_LOCK_MAX_FAILURES = 2
    place = home()
    fetch = lambda client: smt.Account.fetch_meters(client.account, client)  # noqa: E731

    for _ in range(2):
        with pytest.raises(SmartMeterTexasAuthError):
            run(place.customer.email, fetch, password="not-the-password")
    with pytest.raises(SmartMeterTexasRateLimitError):
        run(place.customer.email, fetch)


def test_another_customers_esiid_gives_the_client_nothing(metergate):
    place, neighbour = home(), home()
    load_day(neighbour.premise, ORDINARY_DAY)

    async def read(client):
        meter = smt.Meter(neighbour.meter.meter_number, neighbour.premise.esiid, "")
        await meter.get_15min(client, prevdays=days_ago(ORDINARY_DAY))
        return meter

    with pytest.raises(SmartMeterTexasAPIError):
        run(place.customer.email, read)
