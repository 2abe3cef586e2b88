"""The HAN API under /api/v1/han/ (scope `han`, third-party clients only): list devices, resend
add, remove with a reason, list history, send a message, list messages. The owner is allowed, a
member of the same company acts for it, an outsider gets 404 or an empty list, the utility's
clients and tokens without the scope get 403."""

import pytest
from rest_framework.test import APIClient

from meters.models import HanDeviceEvent, HanMessage, InHomeDevice
from tests.conftest import issue_token
from tests.factories import HanMessageFactory, OAuthClientFactory, ThirdPartyFactory

from .han_support import committed, device_agreement, device_at, home

pytestmark = pytest.mark.django_db


def api_for(third_party, scope="han") -> APIClient:
    oauth_client = OAuthClientFactory(third_party=third_party, allowed_scopes=scope)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(oauth_client, scope)}")
    return api


@pytest.fixture
def served():
    """A joined device under the third party's In-Home Device Services agreement; its API client."""
    device = device_at(home()[1], description="Hall display")
    third_party = ThirdPartyFactory()
    agreement = device_agreement(device, third_party)
    return device, agreement, api_for(third_party)


@pytest.fixture
def outsider():
    return api_for(ThirdPartyFactory())


def test_list_devices(served, django_assert_max_num_queries):
    device, agreement, api = served
    device_agreement(device_at(home()[1]), ThirdPartyFactory())  # another company's device

    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/han/devices/")

    assert response.status_code == 200
    [listed] = response.json()["results"]
    assert listed == {
        "id": device.pk,
        "mac": device.mac,
        "device_type": "in_home_display",
        "description": "Hall display",
        "esiid": device.premise.esiid,
        "status": "joined",
        "status_changed_at": listed["status_changed_at"],
        "created_at": listed["created_at"],
        "agreements": [{"number": agreement.number, "agreement_type": "in_home_device_services"}],
    }


def test_list_devices_filters_by_status_and_mac(served):
    device, agreement, api = served
    failed = device_at(device.premise, status="failed")
    device_agreement(failed, agreement.third_party, "in_home_device")

    by_status = api.get("/api/v1/han/devices/", {"status": "failed"}).json()["results"]
    by_mac = api.get("/api/v1/han/devices/", {"mac": device.mac.replace(":", "-")}).json()["results"]
    by_nonsense = api.get("/api/v1/han/devices/", {"mac": "nope"}).json()["results"]

    assert [row["id"] for row in by_status] == [failed.pk]
    assert [row["id"] for row in by_mac] == [device.pk]
    assert by_nonsense == []


def test_an_outsider_sees_no_device_and_can_do_nothing_with_one(served, outsider):
    device, _, _ = served
    HanDeviceEvent.objects.create(device=device, action="add", status="failed")
    InHomeDevice.objects.filter(pk=device.pk).update(status="failed")

    assert outsider.get("/api/v1/han/devices/").json()["results"] == []
    assert outsider.get(f"/api/v1/han/devices/{device.pk}/").status_code == 404
    assert outsider.post(f"/api/v1/han/devices/{device.pk}/resend/").status_code == 404
    removal = outsider.post(f"/api/v1/han/devices/{device.pk}/remove/", {"reason": "device_faulty"}, format="json")
    assert removal.status_code == 404 and removal.json()["error"]["code"] == "not_found"
    assert outsider.post(f"/api/v1/han/devices/{device.pk}/messages/", {"text": "Hi"}).status_code == 404
    assert outsider.get("/api/v1/han/history/").json()["results"] == []
    assert InHomeDevice.objects.get(pk=device.pk).status == "failed"
    assert HanDeviceEvent.objects.count() == 1 and not HanMessage.objects.exists()


def test_a_utility_client_and_a_token_without_the_scope_are_refused(served):
    device, agreement, _ = served
    utility = api_for(None)
    wrong_scope = api_for(agreement.third_party, scope="agreements")

    for api in (utility, wrong_scope):
        assert api.get("/api/v1/han/devices/").status_code == 403
        assert api.post(f"/api/v1/han/devices/{device.pk}/messages/", {"text": "Hi"}).status_code == 403
    assert APIClient().get("/api/v1/han/devices/").status_code == 401
    assert not HanMessage.objects.exists()


def test_another_client_of_the_same_company_acts_for_it(served):
    device, agreement, _ = served

    colleague = api_for(agreement.third_party)

    assert colleague.get(f"/api/v1/han/devices/{device.pk}/").json()["id"] == device.pk


def test_resend_the_add_of_a_failed_device(served):
    device, agreement, api = served
    InHomeDevice.objects.filter(pk=device.pk).update(status="failed")

    with committed():
        response = api.post(f"/api/v1/han/devices/{device.pk}/resend/")

    assert response.status_code == 202
    body = response.json()
    assert (body["action"], body["status"], body["requested_by"], body["mac"]) == ("add", "pending", "you", device.mac)
    device.refresh_from_db()
    assert device.status == "joined"


def test_resending_a_joined_device_is_a_conflict(served):
    device, _, api = served

    response = api.post(f"/api/v1/han/devices/{device.pk}/resend/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_resendable"


def test_remove_with_a_reason(served):
    device, agreement, api = served

    with committed():
        response = api.post(
            f"/api/v1/han/devices/{device.pk}/remove/",
            {"reason": "other", "reason_text": "Upgraded to a new display"},
            format="json",
        )

    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["action"], body["reason"], body["reason_text"]) == ("remove", "other", "Upgraded to a new display")
    device.refresh_from_db()
    agreement.refresh_from_db()
    assert device.status == "removed"
    assert agreement.status == "terminated"


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({}, "reason_required", "reason"),
        ({"reason": "move_out"}, "invalid", "reason"),
        ({"reason": "other"}, "reason_text_required", "reason_text"),
    ],
)
def test_removal_without_a_valid_reason_is_refused(served, payload, code, field):
    device, _, api = served

    response = api.post(f"/api/v1/han/devices/{device.pk}/remove/", payload, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code and field in error["fields"]
    assert InHomeDevice.objects.get(pk=device.pk).status == "joined"


def test_send_a_message_and_list_it_with_its_delivery_status(served):
    device, _, api = served

    with committed():
        sent = api.post(f"/api/v1/han/devices/{device.pk}/messages/", {"text": "Peak 4-7 pm"}, format="json")
    listed = api.get("/api/v1/han/messages/", {"device": device.pk, "status": "delivered"})

    assert sent.status_code == 202
    assert sent.json()["text"] == "Peak 4-7 pm"
    [message] = listed.json()["results"]
    assert (message["id"], message["status"], message["mac"]) == (sent.json()["id"], "delivered", device.mac)


def test_a_message_to_a_device_not_joined_is_a_conflict(served):
    device, _, api = served
    InHomeDevice.objects.filter(pk=device.pk).update(status="pending")

    response = api.post(f"/api/v1/han/devices/{device.pk}/messages/", {"text": "Hi"}, format="json")

    assert response.status_code == 409 and response.json()["error"]["code"] == "device_not_joined"


def test_a_too_long_message_is_refused(served):
    device, _, api = served

    response = api.post(f"/api/v1/han/devices/{device.pk}/messages/", {"text": "x" * 161}, format="json")

    assert response.status_code == 400 and "text" in response.json()["error"]["fields"]


def test_list_messages_shows_only_the_company_own(served):
    device, agreement, api = served
    HanMessageFactory(device=device, third_party=agreement.third_party, text="Ours")
    HanMessageFactory(device=device, third_party=ThirdPartyFactory(), text="Theirs")

    texts = [row["text"] for row in api.get("/api/v1/han/messages/").json()["results"]]

    assert texts == ["Ours"]


def test_list_history_with_filters(served, django_assert_max_num_queries):
    device, _, api = served
    HanDeviceEvent.objects.create(device=device, action="add", status="succeeded")
    failed = HanDeviceEvent.objects.create(device=device, action="remove", status="failed", detail="Refused")

    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/han/history/", {"status": "failed", "mac": device.mac})

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["id"], row["action"], row["status"], row["detail"], row["requested_by"]) == (
        failed.pk,
        "remove",
        "failed",
        "Refused",
        "system",
    )


def test_history_filters_are_validated(served):
    _, _, api = served

    response = api.get("/api/v1/han/history/", {"since": "yesterday", "status": "maybe"})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"since", "status"}


def test_the_schema_documents_the_han_tag(api_client):
    schema = api_client.get("/api/schema/?format=json").json()

    han_paths = {
        path
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        if "han" in operation.get("tags", [])
    }
    assert han_paths == {
        "/api/v1/han/devices/",
        "/api/v1/han/devices/{id}/",
        "/api/v1/han/devices/{id}/resend/",
        "/api/v1/han/devices/{id}/remove/",
        "/api/v1/han/devices/{id}/messages/",
        "/api/v1/han/history/",
        "/api/v1/han/messages/",
    }
