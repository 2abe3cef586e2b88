"""The /devices/ pages: the customer's device list per premise, add, remove with the question about
the In-Home Device agreement, history; the third party's device list, resend, remove with a reason,
history with filters, send a message, message history. Someone else's device is a 404."""

import pytest
from django.test import Client
from django.urls import reverse

from agreements.models import Agreement
from meters.models import HanDeviceEvent, HanMessage, InHomeDevice
from tests.factories import PASSWORD, HanMessageFactory, StaffFactory, ThirdPartyFactory, third_party_user

from .han_support import add_form, committed, device_agreement, device_at, home, mac

pytestmark = pytest.mark.django_db


def _logged_in(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


@pytest.fixture
def customer_home():
    """A customer at home with a joined device that a third party serves (both agreement kinds)."""
    customer, premise = home()
    device = device_at(premise, description="Hall thermostat", device_type="thermostat")
    third_party = ThirdPartyFactory(name="Bright Energy")
    device_agreement(device, third_party, "in_home_device")
    device_agreement(device, third_party)
    return customer, premise, device, third_party


# --- Customer ------------------------------------------------------------------------------------


def test_the_customer_sees_each_premise_devices_with_status_and_agreement(customer_home):
    customer, premise, device, _ = customer_home
    stranger_device = device_at(home()[1], description="Not mine")

    page = _logged_in(customer).get("/devices/")

    assert page.status_code == 200
    body = page.content.decode()
    for shown in (premise.esiid, "Hall thermostat", "Programmable communicating thermostat", device.mac, "Joined"):
        assert shown in body
    assert "Bright Energy" in body and "In-Home Device Services" in body
    assert stranger_device.mac not in body and "Not mine" not in body


def test_the_customer_device_list_keeps_a_bound_on_its_queries(customer_home, django_assert_max_num_queries):
    customer, premise, _, third_party = customer_home
    for _ in range(10):
        device_agreement(device_at(premise), third_party)
    client = _logged_in(customer)

    with django_assert_max_num_queries(12):
        assert client.get("/devices/").status_code == 200


def test_the_customer_adds_a_device_through_the_form_and_it_joins(customer_home):
    customer, premise, _, _ = customer_home
    client = _logged_in(customer)
    device_mac = mac()

    with committed():
        response = client.post("/devices/add/", add_form(premise, device_mac))

    device = InHomeDevice.objects.get(mac=device_mac)
    assert response.status_code == 302 and response["Location"] == reverse("devices:detail", args=[device.pk])
    assert device.status == "joined"
    assert "Joined the meter" in client.get(response["Location"]).content.decode()


def test_the_add_form_shows_what_is_wrong(customer_home):
    customer, premise, device, _ = customer_home

    response = _logged_in(customer).post("/devices/add/", add_form(premise, device.mac))

    assert response.status_code == 200
    assert "already on your list" in response.content.decode()


def test_the_add_form_offers_only_the_customer_premises(customer_home):
    customer, _, _, _ = customer_home
    _, other_premise = home()

    response = _logged_in(customer).post("/devices/add/", add_form(other_premise))

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not InHomeDevice.objects.filter(premise=other_premise).exists()


def test_removing_asks_whether_the_in_home_device_agreement_stays(customer_home):
    customer, _, device, _ = customer_home
    client = _logged_in(customer)

    question = client.get(f"/devices/{device.pk}/remove/")
    unanswered = client.post(f"/devices/{device.pk}/remove/", {})
    with committed():
        answered = client.post(f"/devices/{device.pk}/remove/", {"keep_device_agreement": "yes"})

    assert "Should the In-Home Device agreement for this device stay active?" in question.content.decode()
    assert unanswered.status_code == 200 and "This field is required" in unanswered.content.decode()
    assert answered.status_code == 302
    device.refresh_from_db()
    assert device.status == "removed"
    statuses = dict(Agreement.objects.values_list("agreement_type", "status"))
    assert statuses == {"in_home_device": "active", "in_home_device_services": "terminated"}


def test_a_device_without_an_in_home_device_agreement_is_removed_without_a_question():
    customer, premise = home()
    device = device_at(premise)
    client = _logged_in(customer)

    assert "stay active" not in client.get(f"/devices/{device.pk}/remove/").content.decode()
    with committed():
        assert client.post(f"/devices/{device.pk}/remove/").status_code == 302

    device.refresh_from_db()
    assert device.status == "removed"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/devices/{pk}/"),
        ("get", "/devices/{pk}/remove/"),
        ("post", "/devices/{pk}/remove/"),
        ("post", "/devices/{pk}/resend/"),
    ],
)
def test_a_customer_cannot_see_or_touch_another_premise_device(customer_home, method, path):
    _, _, device, _ = customer_home
    neighbour, _ = home()
    InHomeDevice.objects.filter(pk=device.pk).update(status="failed")

    response = getattr(_logged_in(neighbour), method)(path.format(pk=device.pk), {"keep_device_agreement": "no"})

    assert response.status_code == 404
    assert InHomeDevice.objects.get(pk=device.pk).status == "failed"


def test_the_customer_sees_their_own_history_only(customer_home):
    customer, _, device, _ = customer_home
    HanDeviceEvent.objects.create(device=device, action="add", status="failed", detail="Refused by the meter")
    HanDeviceEvent.objects.create(device=device_at(home()[1]), action="add", detail="Somebody else's")

    body = _logged_in(customer).get("/devices/history/").content.decode()

    assert "Refused by the meter" in body
    assert "Somebody else" not in body


def test_customers_cannot_open_the_message_pages(customer_home):
    customer, _, device, _ = customer_home
    client = _logged_in(customer)

    assert client.get("/devices/messages/").status_code == 403
    assert client.post(f"/devices/{device.pk}/message/", {"text": "Hi"}).status_code == 403


# --- Third party ---------------------------------------------------------------------------------


def test_the_third_party_lists_the_devices_of_its_agreements(customer_home):
    _, premise, device, third_party = customer_home
    device_agreement(device_at(home()[1], description="Elsewhere"), ThirdPartyFactory())

    body = _logged_in(third_party_user(third_party)).get("/devices/").content.decode()

    assert device.mac in body and premise.esiid in body and "Hall thermostat" in body
    assert "Elsewhere" not in body


def test_a_third_party_without_an_agreement_sees_no_device_and_cannot_open_one(customer_home):
    _, _, device, _ = customer_home
    outsider = _logged_in(third_party_user())

    assert "No devices" in outsider.get("/devices/").content.decode()
    assert outsider.get(f"/devices/{device.pk}/").status_code == 404
    assert outsider.post(f"/devices/{device.pk}/remove/", {"reason": "device_faulty"}).status_code == 404
    assert outsider.post(f"/devices/{device.pk}/resend/").status_code == 404
    assert outsider.post(f"/devices/{device.pk}/message/", {"text": "Hi"}).status_code == 404
    assert device.mac not in outsider.get("/devices/history/").content.decode()
    InHomeDevice.objects.get(pk=device.pk, status="joined")
    assert not HanMessage.objects.exists()


def test_the_third_party_removes_with_a_reason_from_the_dropdown(customer_home):
    _, _, device, third_party = customer_home
    client = _logged_in(third_party_user(third_party))

    form = client.get(f"/devices/{device.pk}/remove/").content.decode()
    refused = client.post(f"/devices/{device.pk}/remove/", {"reason": ""})
    other_without_text = client.post(f"/devices/{device.pk}/remove/", {"reason": "other", "reason_text": ""})
    with committed():
        removed = client.post(f"/devices/{device.pk}/remove/", {"reason": "device_faulty"})

    assert '<option value="device_returned">Device returned</option>' in form
    assert "move_out" not in form
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    assert "Say why the device is removed." in other_without_text.content.decode()
    assert removed.status_code == 302
    request = HanDeviceEvent.objects.get(device=device, action="remove")
    assert (request.reason, request.status) == ("device_faulty", "succeeded")


def test_the_third_party_resends_a_failed_add(customer_home):
    _, _, device, third_party = customer_home
    InHomeDevice.objects.filter(pk=device.pk).update(status="failed")
    client = _logged_in(third_party_user(third_party))

    assert "Send the add request again" in client.get(f"/devices/{device.pk}/").content.decode()
    with committed():
        response = client.post(f"/devices/{device.pk}/resend/")

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.status == "joined"


def test_the_third_party_sends_a_message_and_sees_it_delivered_on_the_device_page(customer_home):
    _, _, device, third_party = customer_home
    client = _logged_in(third_party_user(third_party))

    with committed():
        response = client.post(f"/devices/{device.pk}/message/", {"text": "Peak pricing 4-7 pm"})
    page = client.get(f"/devices/{device.pk}/").content.decode()

    assert response.status_code == 302
    assert "Peak pricing 4-7 pm" in page and "Delivered" in page


def test_an_empty_message_is_refused_on_the_page(customer_home):
    _, _, device, third_party = customer_home

    response = _logged_in(third_party_user(third_party)).post(f"/devices/{device.pk}/message/", {"text": ""})

    assert response.status_code == 400
    assert not HanMessage.objects.exists()


def test_the_message_history_filters_by_device_and_status(customer_home):
    _, premise, device, third_party = customer_home
    other = device_at(premise)
    device_agreement(other, third_party)
    HanMessageFactory(device=device, third_party=third_party, text="First hello", status="delivered")
    HanMessageFactory(device=other, third_party=third_party, text="Second hello", status="failed")
    HanMessageFactory(device=device, third_party=ThirdPartyFactory(), text="Not ours")
    client = _logged_in(third_party_user(third_party))

    everything = client.get("/devices/messages/").content.decode()
    failed = client.get("/devices/messages/", {"status": "failed"}).content.decode()
    by_device = client.get("/devices/messages/", {"mac": device.mac.replace(":", "").lower()}).content.decode()

    assert "First hello" in everything and "Second hello" in everything and "Not ours" not in everything
    assert "Second hello" in failed and "First hello" not in failed
    assert "First hello" in by_device and "Second hello" not in by_device


def test_the_third_party_history_filters_by_outcome(customer_home):
    _, _, device, third_party = customer_home
    HanDeviceEvent.objects.create(device=device, action="add", status="failed", detail="Refused once")
    HanDeviceEvent.objects.create(device=device, action="add", status="succeeded", detail="Joined at last")
    client = _logged_in(third_party_user(third_party))

    failed = client.get("/devices/history/", {"status": "failed"}).content.decode()

    assert "Refused once" in failed and "Joined at last" not in failed


def test_the_third_party_pages_keep_a_bound_on_their_queries(customer_home, django_assert_max_num_queries):
    _, _, _, third_party = customer_home
    for _ in range(10):
        device = device_at(home()[1])
        device_agreement(device, third_party)
        HanDeviceEvent.objects.create(device=device, action="add", status="succeeded")
        HanMessageFactory(device=device, third_party=third_party)
    client = _logged_in(third_party_user(third_party))

    for path in ("/devices/", "/devices/history/", "/devices/messages/"):
        with django_assert_max_num_queries(12):
            assert client.get(path).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in_and_staff_use_the_admin():
    assert Client().get("/devices/")["Location"].startswith("/login/")
    assert _logged_in(StaffFactory()).get("/devices/").status_code == 403
