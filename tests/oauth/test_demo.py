"""seed_demo's OAuth part: test accounts, a client set per demo third party, and an authorization
URL that works as printed."""

import io
import random
import re

import pytest

from agreements import oauth_demo
from portal.cds.models import TestAccount
from portal.management.commands.seed_demo import DemoWorld
from portal.models import OAuthClient
from tests.factories import ThirdPartyFactory, customer_at

from .helpers import logged_in

pytestmark = pytest.mark.django_db


def test_the_demo_registers_clients_and_prints_a_working_authorization_url(settings):
    settings.SITE_URL = "http://testserver"
    world = DemoWorld(rng=random.Random(1), password="metergate-demo", stdout=io.StringIO())
    customers = [customer_at(), customer_at()]
    world.objects["customers"] = customers
    world.objects["third_parties"] = {"brightside": ThirdPartyFactory(), "research": ThirdPartyFactory()}

    oauth_demo.seed(world)

    printed = world.stdout.getvalue()
    assert TestAccount.objects.count() == 2
    for third_party in world.objects["third_parties"].values():
        assert OAuthClient.objects.filter(third_party=third_party, registration__isnull=False).count() == 3
    url = re.search(r"http://testserver(/oauth/authorize/\?\S+)", printed).group(1)
    page = logged_in(customers[0]).get(url)
    assert page.status_code == 200, (url, page.get("Location"))
    assert b"asks to see your energy data" in page.content
