"""Webhook test fixtures: a real receiver on loopback, and plain http to it allowed."""

import pytest

from portal.models import ThirdPartyMembership
from portal.webhooks import services
from portal.webhooks.events import SUBSCRIBABLE
from tests.factories import ThirdPartyFactory, third_party_user

from .receiver import Receiver


@pytest.fixture(autouse=True)
def _local_receivers(settings):
    settings.WEBHOOK_ALLOW_LOCAL = True


@pytest.fixture
def receiver():
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def third_party(db):
    return ThirdPartyFactory()


@pytest.fixture
def admin(third_party):
    return third_party_user(third_party, role=ThirdPartyMembership.Role.ADMIN)


@pytest.fixture
def agent(third_party):
    return third_party_user(third_party, role=ThirdPartyMembership.Role.AGENT)


def register(third_party, receiver, *, events=None, by=None):
    """An endpoint at the receiver, which is told the secret (as the third party would be)."""
    endpoint, secret = services.register_endpoint(
        by=by, third_party=third_party, url=receiver.url, events=events or [event.value for event in SUBSCRIBABLE]
    )
    receiver.secret = secret
    return endpoint


@pytest.fixture
def endpoint(third_party, receiver):
    return register(third_party, receiver)
