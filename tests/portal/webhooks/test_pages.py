"""The webhook pages: an admin adds an endpoint and sees the secret once, sends a test event and
reads the log with response codes; an agent only looks; another company's endpoint is a 404."""

import pytest
from django.urls import reverse

from portal.webhooks.models import WebhookEndpoint
from tests.factories import CustomerFactory, ThirdPartyFactory, third_party_user

from .conftest import register

pytestmark = pytest.mark.django_db


def test_an_admin_adds_an_endpoint_and_sees_the_secret_only_once(client, admin, third_party, receiver):
    client.force_login(admin)

    page = client.post(
        reverse("webhooks:create"),
        {"url": receiver.url, "description": "Main", "events": ["report.delivered", "device.joined"]},
    )

    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    endpoint = WebhookEndpoint.objects.get(third_party=third_party)
    secret = page.context["secret"]
    assert secret.startswith("whsec_") and secret in page.content.decode()
    detail = client.get(reverse("webhooks:detail", args=[endpoint.pk]))
    assert detail.status_code == 200 and secret not in detail.content.decode()


def test_an_http_url_is_a_form_error_in_production(client, admin, settings):
    settings.WEBHOOK_ALLOW_LOCAL = False
    client.force_login(admin)

    page = client.post(reverse("webhooks:create"), {"url": "http://hooks.example.test/in", "events": ["device.joined"]})

    assert page.status_code == 200 and "url" in page.context["form"].errors
    assert not WebhookEndpoint.objects.exists()


def test_send_test_event_shows_the_answer_in_the_log(
    client, admin, third_party, receiver, django_capture_on_commit_callbacks
):
    endpoint = register(third_party, receiver)
    receiver.status = 500
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("webhooks:test", args=[endpoint.pk]))
    page = client.get(reverse("webhooks:detail", args=[endpoint.pk]))

    assert len(receiver.requests) == 1
    html = page.content.decode()
    assert "webhook.test" in html and "HTTP 500" in html and "pending" in html
    delivery = endpoint.deliveries.get()
    log = client.get(reverse("webhooks:delivery", args=[endpoint.pk, delivery.pk]))
    assert log.status_code == 200 and "HTTP 500" in log.content.decode()


def test_rotate_disable_edit_and_delete(client, admin, third_party, receiver):
    endpoint = register(third_party, receiver)
    client.force_login(admin)

    rotated = client.post(reverse("webhooks:rotate", args=[endpoint.pk]))
    assert rotated.status_code == 200 and rotated.context["secret"] != receiver.secret
    client.post(reverse("webhooks:toggle", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    client.post(reverse("webhooks:edit", args=[endpoint.pk]), {"url": receiver.url, "events": ["device.failed"]})
    endpoint.refresh_from_db()
    assert endpoint.events == ["device.failed"]
    client.post(reverse("webhooks:delete", args=[endpoint.pk]))
    assert not WebhookEndpoint.objects.exists()


def test_an_agent_sees_the_endpoints_and_log_but_no_buttons_and_cannot_change(client, agent, third_party, receiver):
    endpoint = register(third_party, receiver)
    client.force_login(agent)

    listing = client.get(reverse("webhooks:list"))
    detail = client.get(reverse("webhooks:detail", args=[endpoint.pk]))
    assert listing.status_code == 200 and endpoint.url in listing.content.decode()
    assert detail.status_code == 200 and "Send test event" not in detail.content.decode()

    attempts = [
        client.get(reverse("webhooks:create")),
        client.post(reverse("webhooks:create"), {"url": receiver.url, "events": ["device.joined"]}),
        client.post(reverse("webhooks:test", args=[endpoint.pk])),
        client.post(reverse("webhooks:rotate", args=[endpoint.pk])),
        client.post(reverse("webhooks:toggle", args=[endpoint.pk])),
        client.post(reverse("webhooks:delete", args=[endpoint.pk])),
    ]
    assert [response.status_code for response in attempts] == [403] * 6
    endpoint.refresh_from_db()
    assert endpoint.is_active and WebhookEndpoint.objects.count() == 1 and not endpoint.deliveries.exists()


def test_another_companys_endpoint_is_not_found(client, third_party, receiver):
    endpoint = register(third_party, receiver)
    client.force_login(third_party_user(ThirdPartyFactory()))

    assert endpoint.url not in client.get(reverse("webhooks:list")).content.decode()
    for name in ("webhooks:detail", "webhooks:edit", "webhooks:delete"):
        assert client.get(reverse(name, args=[endpoint.pk])).status_code == 404
    for name in ("webhooks:test", "webhooks:rotate", "webhooks:toggle", "webhooks:delete"):
        assert client.post(reverse(name, args=[endpoint.pk])).status_code == 404
    assert WebhookEndpoint.objects.get().is_active


def test_customers_and_visitors_do_not_get_in(client):
    assert client.get(reverse("webhooks:list")).status_code == 302  # to the login page
    client.force_login(CustomerFactory())
    assert client.get(reverse("webhooks:list")).status_code == 403


def test_the_log_page_keeps_its_queries_bounded(client, admin, third_party, receiver, django_assert_max_num_queries):
    from portal.webhooks import services

    endpoint = register(third_party, receiver)
    for _ in range(30):
        services.emit("device.joined", third_party=third_party, payload={})  # tasks never run here
    client.force_login(admin)

    with django_assert_max_num_queries(12):
        page = client.get(reverse("webhooks:detail", args=[endpoint.pk]))
    assert page.status_code == 200 and page.context["page"].paginator.count == 30
