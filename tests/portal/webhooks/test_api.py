"""The webhook API (scope `webhooks`): register with the secret shown once, change, rotate, test,
read the log; every denial (no scope, another company, an agent's token)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken

from portal.webhooks.models import WebhookEndpoint
from tests.conftest import issue_token
from tests.factories import OAuthClientFactory, ThirdPartyFactory

from .conftest import register

pytestmark = pytest.mark.django_db
ENDPOINTS = "/api/v1/webhooks/endpoints/"


def client_for(api_client, third_party, scope="webhooks"):
    client = OAuthClientFactory(third_party=third_party, allowed_scopes=scope)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(client, scope)}")
    return api_client


def user_token(api_client, user, third_party):
    """A token a user of the company got for its client (authorization code), acting as that user."""
    client = OAuthClientFactory(third_party=third_party, allowed_scopes="webhooks")
    token = AccessToken.objects.create(
        user=user,
        application=client,
        token=f"user-token-{user.pk}",
        scope="webhooks",
        expires=timezone.now() + timedelta(minutes=10),
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.token}")
    return api_client


def test_a_client_registers_an_endpoint_and_gets_the_secret_once(api_client, third_party, receiver):
    api = client_for(api_client, third_party)

    created = api.post(
        ENDPOINTS, {"url": receiver.url, "events": ["report.delivered", "agreement.terminated"]}, format="json"
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["agreement.terminated", "report.delivered"]  # catalogue order
    read = api.get(f"{ENDPOINTS}{body['id']}")
    assert read.status_code == 200 and "secret" not in read.json()
    assert [item["id"] for item in api.get(ENDPOINTS).json()["results"]] == [body["id"]]


def test_plain_http_and_unknown_events_are_refused(api_client, third_party, settings):
    settings.WEBHOOK_ALLOW_LOCAL = False
    api = client_for(api_client, third_party)

    insecure = api.post(
        ENDPOINTS, {"url": "http://hooks.example.test/in", "events": ["report.delivered"]}, format="json"
    )
    unknown = api.post(ENDPOINTS, {"url": "https://hooks.example.test/in", "events": ["meter.exploded"]}, format="json")
    private = api.post(ENDPOINTS, {"url": "https://10.1.2.3/in", "events": ["report.delivered"]}, format="json")

    assert insecure.status_code == 400 and insecure.json()["error"]["code"] == "invalid_url"
    assert "url" in insecure.json()["error"]["fields"]
    assert unknown.status_code == 400 and "events" in unknown.json()["error"]["fields"]
    assert private.status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_the_test_event_reaches_the_receiver_and_shows_in_the_log(
    api_client, third_party, receiver, django_capture_on_commit_callbacks
):
    endpoint = register(third_party, receiver, events=["report.delivered"])
    api = client_for(api_client, third_party)

    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(f"{ENDPOINTS}{endpoint.pk}/test")

    assert sent.status_code == 202
    (request,) = receiver.requests
    assert request.verified and request.headers["MeterGate-Event"] == "webhook.test"
    log = api.get(f"{ENDPOINTS}{endpoint.pk}/deliveries/").json()["results"]
    assert [(item["event"], item["status"], item["last_status_code"]) for item in log] == [
        ("webhook.test", "succeeded", 200)
    ]
    detail = api.get(f"{ENDPOINTS}{endpoint.pk}/deliveries/{log[0]['id']}").json()
    assert [attempt["status_code"] for attempt in detail["attempt_log"]] == [200]


def test_rotating_the_secret_returns_a_new_one(api_client, third_party, receiver):
    endpoint = register(third_party, receiver)
    api = client_for(api_client, third_party)

    rotated = api.post(f"{ENDPOINTS}{endpoint.pk}/rotate-secret")

    assert rotated.status_code == 200
    assert rotated.json()["secret"] not in ("", receiver.secret)
    assert rotated.json()["previous_secret_expires_at"] is not None


def test_patch_changes_events_and_disables_and_enables(api_client, third_party, receiver):
    endpoint = register(third_party, receiver)
    api = client_for(api_client, third_party)

    changed = api.patch(f"{ENDPOINTS}{endpoint.pk}", {"events": ["device.joined"], "is_active": False}, format="json")
    assert changed.status_code == 200
    assert changed.json()["events"] == ["device.joined"] and changed.json()["is_active"] is False
    test_refused = api.post(f"{ENDPOINTS}{endpoint.pk}/test")
    assert test_refused.status_code == 409 and test_refused.json()["error"]["code"] == "endpoint_disabled"
    assert api.patch(f"{ENDPOINTS}{endpoint.pk}", {"is_active": True}, format="json").json()["is_active"] is True


def test_delete_removes_the_endpoint(api_client, third_party, receiver):
    endpoint = register(third_party, receiver)
    api = client_for(api_client, third_party)

    assert api.delete(f"{ENDPOINTS}{endpoint.pk}").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_another_companys_endpoint_is_not_found(api_client, third_party, receiver):
    endpoint = register(third_party, receiver)
    api = client_for(api_client, ThirdPartyFactory())

    assert api.get(f"{ENDPOINTS}{endpoint.pk}").status_code == 404
    assert api.post(f"{ENDPOINTS}{endpoint.pk}/test").status_code == 404
    assert api.post(f"{ENDPOINTS}{endpoint.pk}/rotate-secret").status_code == 404
    assert api.delete(f"{ENDPOINTS}{endpoint.pk}").status_code == 404
    assert api.get(f"{ENDPOINTS}{endpoint.pk}/deliveries/").status_code == 404
    assert api.get(ENDPOINTS).json()["results"] == []
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_a_token_without_the_webhooks_scope_is_refused(api_client, third_party):
    api = client_for(api_client, third_party, scope="reports")
    assert api.get(ENDPOINTS).status_code == 403


def test_no_token_is_refused(api_client):
    assert api_client.get(ENDPOINTS).status_code == 401


def test_an_agents_token_reads_but_changes_nothing(api_client, third_party, agent, receiver):
    endpoint = register(third_party, receiver)
    api = user_token(api_client, agent, third_party)

    assert api.get(f"{ENDPOINTS}{endpoint.pk}").status_code == 200
    assert api.get(f"{ENDPOINTS}{endpoint.pk}/deliveries/").status_code == 200
    refused = [
        api.post(ENDPOINTS, {"url": receiver.url, "events": ["report.delivered"]}, format="json"),
        api.patch(f"{ENDPOINTS}{endpoint.pk}", {"is_active": False}, format="json"),
        api.post(f"{ENDPOINTS}{endpoint.pk}/rotate-secret"),
        api.post(f"{ENDPOINTS}{endpoint.pk}/test"),
        api.delete(f"{ENDPOINTS}{endpoint.pk}"),
    ]
    assert [response.status_code for response in refused] == [403] * 5
    assert refused[0].json()["error"]["code"] == "forbidden"
    endpoint.refresh_from_db()
    assert endpoint.is_active and WebhookEndpoint.objects.count() == 1


def test_an_admins_token_may_change(api_client, third_party, admin, receiver):
    endpoint = register(third_party, receiver)
    api = user_token(api_client, admin, third_party)

    assert api.patch(f"{ENDPOINTS}{endpoint.pk}", {"description": "Main"}, format="json").status_code == 200


def test_a_token_of_someone_outside_the_company_is_refused(api_client, third_party, receiver):
    from tests.factories import CustomerFactory, third_party_user

    register(third_party, receiver)
    for outsider in (CustomerFactory(), third_party_user(ThirdPartyFactory())):
        api = user_token(api_client, outsider, third_party)
        assert api.get(ENDPOINTS).status_code == 403


def test_the_event_catalogue_is_listed(api_client, third_party):
    events = client_for(api_client, third_party).get("/api/v1/webhooks/events/").json()
    assert "usage.available" in [item["event"] for item in events]
    assert "webhook.test" not in [item["event"] for item in events]


def test_at_most_the_configured_number_of_endpoints(api_client, third_party, receiver, settings):
    settings.WEBHOOK_MAX_ENDPOINTS = 1
    api = client_for(api_client, third_party)
    body = {"url": receiver.url, "events": ["report.delivered"]}

    assert api.post(ENDPOINTS, body, format="json").status_code == 201
    second = api.post(ENDPOINTS, body, format="json")
    assert second.status_code == 409 and second.json()["error"]["code"] == "too_many_endpoints"
