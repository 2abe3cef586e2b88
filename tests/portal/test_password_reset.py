"""Password reset by e-mail: mailed through the Celery task with our templates, the link sets a
new password once; addresses without a usable password get nothing (they register instead)."""

import re

import pytest
from django.core import mail
from django.test import Client

from tests.factories import PASSWORD, CustomerFactory

NEW_PASSWORD = "brisk-harbor-violet-77"

pytestmark = pytest.mark.django_db


def ask_reset(client, capture, email):
    with capture(execute=True):
        return client.post("/password-reset/", {"email": email})


def reset_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_reset_email_is_sent_with_text_and_html(client, django_capture_on_commit_callbacks):
    customer = CustomerFactory(email="rosa@example.test", full_name="Rosa Diaz")

    response = ask_reset(client, django_capture_on_commit_callbacks, "rosa@example.test")

    assert response.status_code == 302
    assert response["Location"] == "/password-reset/sent/"
    [message] = mail.outbox
    assert message.to == [customer.email]
    assert message.subject == "Reset your MeterGate password"
    assert "Hello Rosa Diaz" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert reset_path(message) in html


def test_reset_link_sets_a_new_password(client, django_capture_on_commit_callbacks):
    customer = CustomerFactory(email="rosa@example.test")
    ask_reset(client, django_capture_on_commit_callbacks, "rosa@example.test")
    browser = Client()

    form_page = browser.get(reset_path(mail.outbox[0]), follow=True)
    response = browser.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert form_page.context["validlink"]
    assert response.status_code == 302
    assert response["Location"] == "/reset/done/"
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    assert not customer.check_password(PASSWORD)


def test_reset_link_works_once(client, django_capture_on_commit_callbacks):
    CustomerFactory(email="rosa@example.test")
    ask_reset(client, django_capture_on_commit_callbacks, "rosa@example.test")
    link = reset_path(mail.outbox[0])
    browser = Client()
    form_page = browser.get(link, follow=True)
    browser.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().get(link, follow=True)

    assert not again.context["validlink"]
    assert b"not valid" in again.content


def test_unknown_address_gets_the_same_page_and_no_email(client, django_capture_on_commit_callbacks):
    response = ask_reset(client, django_capture_on_commit_callbacks, "nobody@example.test")

    assert response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []


def test_provisioned_customer_without_password_is_not_mailed(client, django_capture_on_commit_callbacks):
    CustomerFactory(email="provisioned@example.test", password=None)

    response = ask_reset(client, django_capture_on_commit_callbacks, "provisioned@example.test")
    sent_page = client.get(response["Location"])

    assert mail.outbox == []
    assert b'href="/register/"' in sent_page.content
