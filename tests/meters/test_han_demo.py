"""The demo's HAN part: devices in every status, requests with every outcome and messages with
every delivery status, made through the services and the simulated head-end."""

import io
import random

import pytest

from agreements import demo as agreements_demo
from meters import demo as meters_demo
from meters.han_demo import seed_han
from meters.models import HanDeviceEvent, HanMessage, InHomeDevice
from portal import demo as portal_demo
from portal.management.commands.seed_demo import DemoWorld

from .han_support import committed

pytestmark = pytest.mark.django_db


def test_seed_han_makes_devices_in_every_status_with_requests_and_messages():
    world = DemoWorld(rng=random.Random(2026), password="demo-password", stdout=io.StringIO())

    with committed():  # the on-commit tasks run after seeding, as in seed_demo, and change nothing
        for module in (portal_demo, meters_demo, agreements_demo):
            module.seed(world)
        seed_han(world)

    made = InHomeDevice.objects.filter(mac__startswith="00:0D:6F:00:02")
    assert set(made.values_list("status", flat=True)) == set(InHomeDevice.Status.values)
    requests = HanDeviceEvent.objects.filter(device__in=made)
    assert set(requests.values_list("status", flat=True)) == set(HanDeviceEvent.Status.values)
    assert requests.filter(action="remove", reason="device_returned", status="succeeded").exists()
    assert set(HanMessage.objects.filter(device__in=made).values_list("status", flat=True)) == {
        "delivered",
        "failed",
        "sent",
    }
    assert any(role == "customer (in-home devices)" for role, _, _ in world.logins)
