"""The admin for in-home devices: searchable by MAC (however it is typed) and ESIID; their
requests and the HAN messages are read-only."""

import pytest
from django.test import Client

from tests.factories import HanDeviceEventFactory, HanMessageFactory, StaffFactory

from .han_support import device_at, home

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    client = Client()
    client.force_login(StaffFactory())
    return client


@pytest.mark.parametrize("typed", ["{mac}", "{bare}", "{dashed}", "{esiid}"])
def test_devices_are_found_by_mac_however_typed_and_by_esiid(staff, typed):
    wanted = device_at(home()[1], description="Wanted display")
    device_at(home()[1], description="Other display")
    term = typed.format(
        mac=wanted.mac,
        bare=wanted.mac.replace(":", "").lower(),
        dashed=wanted.mac.replace(":", "-"),
        esiid=wanted.premise.esiid,
    )

    body = staff.get("/admin/meters/inhomedevice/", {"q": term}).content.decode()

    assert "Wanted display" in body and "Other display" not in body


def test_device_requests_and_messages_are_read_only(staff):
    event = HanDeviceEventFactory()
    message = HanMessageFactory()

    for path in (f"/admin/meters/handeviceevent/{event.pk}/change/", f"/admin/meters/hanmessage/{message.pk}/change/"):
        page = staff.get(path)
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
    assert staff.get("/admin/meters/handeviceevent/add/").status_code == 403
    assert staff.post(f"/admin/meters/hanmessage/{message.pk}/delete/", {"post": "yes"}).status_code == 403
