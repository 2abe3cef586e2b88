"""The Messages API (WG1-02 §6) and the production request's way to staff in the admin."""

import base64
import json

import pytest
from django.test import Client

from portal.cds.models import ClientMessage
from portal.models import OAuthClient
from tests.factories import StaffFactory, cds_client_set

from .helpers import ClientSet, basic

pytestmark = pytest.mark.django_db


def _post(headers, body):
    return Client().post("/api/v1/cds/messages/", json.dumps(body), content_type="application/json", **headers)


def _production_request(client_set, headers=None):
    return _post(
        headers or client_set.admin_headers(),
        {
            "type": "production_request",
            "previous_uri": None,
            "name": "Go live",
            "description": "We are ready.",
            "related_uri": f"http://testserver/api/v1/cds/clients/{client_set.consent.client_id}",
        },
    )


def test_the_list_comes_in_three_parts(client_set):
    headers = client_set.admin_headers()
    _production_request(client_set, headers)

    body = Client().get("/api/v1/cds/messages/", **headers).json()

    assert [message["type"] for message in body["outstanding"]] == ["production_request"]
    assert {"private_message"} <= {message["type"] for message in body["unread"]}
    assert [message["type"] for message in body["read"]] == ["production_request"]
    for part in ("outstanding", "unread", "read"):
        assert body[f"{part}_next"] is None and body[f"{part}_previous"] is None


def test_a_client_message_gets_the_server_set_fields(client_set):
    response = _post(
        client_set.admin_headers(),
        {"type": "private_message", "previous_uri": None, "name": "Hello", "description": "Hello World!"},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["read"] is True
    assert body["creator"] == client_set.admin.client_id
    assert body["status"] == "complete"
    assert body["created"] == body["modified"]
    assert body["uri"].endswith(f"/api/v1/cds/messages/{body['message_id']}")


def test_a_reply_names_the_message_it_answers(client_set):
    headers = client_set.admin_headers()
    first = _post(headers, {"type": "support_request", "previous_uri": None, "name": "Help", "description": "?"}).json()

    reply = _post(
        headers, {"type": "private_message", "previous_uri": first["uri"], "name": "More", "description": "!"}
    )

    assert reply.json()["previous_uri"] == first["uri"]
    assert first["status"] == "pending"


def test_bad_messages_are_refused_with_400(client_set):
    headers = client_set.admin_headers()
    other = ClientSet(cds_client_set(cds_company_name="Other Co"))
    foreign = _post(
        other.admin_headers(), {"type": "private_message", "previous_uri": None, "name": "x", "description": "y"}
    )

    cases = [
        {"type": "notification", "previous_uri": None, "name": "x", "description": "y"},
        {"type": "private_message", "name": "x", "description": "y"},
        {"type": "private_message", "previous_uri": foreign.json()["uri"], "name": "x", "description": "y"},
        {"type": "client_submission", "previous_uri": None, "name": "", "description": ""},
        {"type": "grant_request", "previous_uri": None, "name": "x", "description": "y"},
        {"type": "production_request", "previous_uri": None, "name": "x", "description": "y"},
    ]
    for body in cases:
        assert _post(headers, body).status_code == 400, body


def test_attachments_above_ten_megabytes_are_refused_with_413(client_set):
    data = base64.b64encode(b"x" * (10 * 1024 * 1024 + 1)).decode()

    response = _post(
        client_set.admin_headers(),
        {
            "type": "support_request",
            "previous_uri": None,
            "name": "Big",
            "description": "file",
            "attachments": [{"filename": "big.bin", "mime_type": "application/octet-stream", "data": data}],
        },
    )

    assert response.status_code == 413


def test_patch_changes_read_only(client_set):
    headers = client_set.admin_headers()
    message = ClientMessage.objects.filter(registration=client_set.admin.registration, read=False).first()
    path = f"/api/v1/cds/messages/{message.message_id}"

    response = Client().patch(
        path, json.dumps({"read": True, "name": "changed"}), content_type="application/json", **headers
    )

    assert response.status_code == 200
    message.refresh_from_db()
    assert message.read is True
    assert message.name != "changed"


def test_another_registrations_message_is_not_found(client_set):
    other = ClientSet(cds_client_set(cds_company_name="Other Co"))
    message = ClientMessage.objects.filter(registration=other.admin.registration).first()

    response = Client().get(f"/api/v1/cds/messages/{message.message_id}", **client_set.admin_headers())

    assert response.status_code == 404


def test_a_second_production_request_for_the_same_client_is_refused(client_set):
    headers = client_set.admin_headers()
    _production_request(client_set, headers)

    assert _production_request(client_set, headers).status_code == 409


def test_staff_approve_a_production_request_in_the_admin(client_set):
    request_message = _production_request(client_set).json()
    staff = Client()
    staff.force_login(StaffFactory())

    listing = staff.get(
        "/admin/portal/clientmessage/", {"type__exact": "production_request", "status__exact": "pending"}
    )
    message = ClientMessage.objects.get(message_id=request_message["message_id"])
    response = staff.post(
        "/admin/portal/clientmessage/",
        {"action": "approve_production_requests", "_selected_action": [message.pk]},
    )

    assert listing.status_code == 200 and message.name in listing.content.decode()
    assert response.status_code == 302
    twin = OAuthClient.objects.get(production_of=client_set.consent)
    assert twin.environment == twin.cds_status == "production"
    assert twin.allowed_scopes == client_set.consent.allowed_scopes
    assert OAuthClient.objects.filter(
        registration=client_set.admin.registration, allowed_scopes="cds_grant_admin_1", environment="production"
    ).exists()
    message.refresh_from_db()
    assert message.status == "complete"
    update = ClientMessage.objects.get(previous=message)
    assert update.type == "request_update" and update.status == "complete"
    body = Client().get(f"/api/v1/cds/messages/{update.message_id}", **client_set.admin_headers()).json()
    assert body["related_type"] == "client"
    assert body["related_uri"].endswith(f"/api/v1/cds/clients/{twin.client_id}")


def test_the_production_twins_secret_is_listed_once_and_works(client_set):
    _production_request(client_set)
    message = ClientMessage.objects.get(type="production_request")
    staff = Client()
    staff.force_login(StaffFactory())
    staff.post(
        "/admin/portal/clientmessage/", {"action": "approve_production_requests", "_selected_action": [message.pk]}
    )
    twin = OAuthClient.objects.get(production_of=client_set.consent)
    headers = client_set.admin_headers()

    listed = Client().get("/api/v1/cds/credentials/", {"client_ids": twin.client_id}, **headers).json()["credentials"]
    again = Client().get("/api/v1/cds/credentials/", {"client_ids": twin.client_id}, **headers).json()["credentials"]

    secret = listed[0]["client_secret"]
    assert "client_secret" not in again[0]
    response = Client().post(
        "/oauth/token/",
        {"grant_type": "refresh_token", "refresh_token": "nothing"},
        HTTP_AUTHORIZATION=basic(twin.client_id, secret),
    )
    # Authenticated (the refresh token is what is wrong), not invalid_client.
    assert response.json()["error"] == "invalid_grant"


def test_staff_reject_a_production_request(client_set):
    _production_request(client_set)
    message = ClientMessage.objects.get(type="production_request")
    staff = Client()
    staff.force_login(StaffFactory())

    staff.post("/admin/portal/clientmessage/", {"action": "reject_requests", "_selected_action": [message.pk]})

    message.refresh_from_db()
    assert message.status == "rejected"
    assert ClientMessage.objects.get(previous=message).status == "rejected"
    assert not OAuthClient.objects.filter(production_of=client_set.consent).exists()
