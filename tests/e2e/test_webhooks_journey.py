"""A third party's admin registers a webhook endpoint in a real browser, copies the secret shown
once, sends a test event and reads its answer in the delivery log."""

import pytest

from portal.models import ThirdPartyMembership
from tests.factories import PASSWORD, ThirdPartyFactory, UserFactory
from tests.portal.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_registers_an_endpoint_and_sends_a_test_event(page, settings):
    settings.WEBHOOK_ALLOW_LOCAL = True  # the receiver listens on plain http on loopback
    admin = UserFactory(email="hooks-admin@example.test")
    ThirdPartyMembership.objects.create(user=admin, third_party=ThirdPartyFactory(), role="admin")
    receiver = Receiver().start()
    try:
        page.goto("/")
        page.fill("input[name=username]", admin.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("form [type=submit]")
        page.click("nav >> text=Webhooks")
        page.click("text=Add an endpoint")
        page.fill("input[name=url]", receiver.url)
        page.check("input[value='report.delivered']")
        page.click("form.card [type=submit]")

        receiver.secret = page.inner_text("#webhook-secret").strip()
        assert receiver.secret.startswith("whsec_")
        page.click("text=Back to the endpoint")
        page.click("text=Send test event")

        assert page.is_visible("text=A test event is on its way")
        page.reload()
        assert page.is_visible("td >> text=HTTP 200")
        (request,) = receiver.requests
        assert request.verified and request.headers["MeterGate-Event"] == "webhook.test"
    finally:
        receiver.stop()
