"""The consent form in a real browser (Playwright + Debian chromium) on a phone-sized screen:
the customer logs in, sees the requester, the scope sections in plain words and the premises,
searches and selects in a long list, approves, and lands on the client with a code."""

import pytest

from agreements.models import Agreement
from tests.factories import PASSWORD, OccupancyFactory, SandboxAccountFactory, cds_client_set, customer_at

from .helpers import REDIRECT, ClientSet, authorization_parameters, pkce_pair, use_redirect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def consent_setup(live_server):
    clients = ClientSet(cds_client_set(site=live_server.url))
    use_redirect(clients.consent)
    customer = customer_at()
    SandboxAccountFactory(customer=customer)
    return clients, customer


def _open(page, clients, **overrides):
    from urllib.parse import urlencode

    parameters = authorization_parameters(clients.consent, pkce_pair()[1], **overrides)
    page.goto(f"/oauth/authorize/?{urlencode(parameters)}")


def _log_in(page, customer):
    page.fill("input[name=username]", customer.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form [type=submit]")


def test_the_customer_logs_in_reads_the_form_and_approves(page, consent_setup):
    clients, customer = consent_setup
    esiid = customer.occupancies.get().premise.esiid
    captured = []
    page.route(f"{REDIRECT}**", lambda route: (captured.append(route.request.url), route.fulfill(body="ok")))

    _open(page, clients, authorization_details='[{"type": "cds_usage", "expires": "P6M"}]')
    _log_in(page, customer)
    page.wait_for_selector("text=asks to see your energy data")

    text = page.inner_text("main")
    assert "Solar Insights LLC" in text
    assert "how much electricity you used" in text
    assert "about 6 months from today" in text
    assert "P6M" not in text
    assert esiid in text
    page.click("button[value=approve]")
    page.wait_for_url(f"{REDIRECT}**")

    assert "code=" in captured[0] and "state=state-123" in captured[0]
    assert Agreement.objects.get(customer=customer).source == Agreement.Source.OAUTH


def test_decline_returns_access_denied(page, consent_setup):
    clients, customer = consent_setup
    captured = []
    page.route(f"{REDIRECT}**", lambda route: (captured.append(route.request.url), route.fulfill(body="ok")))

    _open(page, clients)
    _log_in(page, customer)
    page.click("button[value=decline]")
    page.wait_for_url(f"{REDIRECT}**")

    assert "error=access_denied" in captured[0]
    assert not Agreement.objects.exists()


def test_a_long_list_has_search_select_all_and_a_live_count(page, consent_setup):
    clients, customer = consent_setup
    for _ in range(11):
        OccupancyFactory(customer=customer)
    captured = []
    page.route(f"{REDIRECT}**", lambda route: (captured.append(route.request.url), route.fulfill(body="ok")))

    _open(page, clients)
    _log_in(page, customer)
    page.wait_for_selector("[data-premise-search]")
    assert page.inner_text("[data-selected-count]") == "12"

    page.uncheck("[data-select-all]")
    assert page.inner_text("[data-selected-count]") == "0"
    target = customer.occupancies.order_by("premise__esiid").last().premise
    page.fill("[data-premise-search]", target.esiid)
    visible = page.locator("[data-premise]:visible")
    assert visible.count() == 1
    visible.locator("input[type=checkbox]").check()
    assert page.inner_text("[data-selected-count]") == "1"
    page.check("input[name=include_future]")
    page.click("button[value=approve]")
    page.wait_for_url(f"{REDIRECT}**")

    agreement = Agreement.objects.get(customer=customer)
    assert list(agreement.premises.values_list("esiid", flat=True)) == [target.esiid]
    assert agreement.grant.include_future_premises is True
