"""Registration with e-mail confirmation: the same answer for every address, the mailbox owner
alone decides, activation links work once and carry `next` safely."""

import re
import time

import pytest
from django.conf import settings
from django.core import mail, signing
from django.test import Client

from portal.models import User
from portal.services import REGISTRATION_EMAILS_PER_HOUR
from tests.factories import PASSWORD, CustomerFactory, StaffFactory

NEW_PASSWORD = "quiet-meadow-lantern-42"
INVITATION_URL = "/agreements/invitations/abc123/"

pytestmark = pytest.mark.django_db


def register(client, capture, *, email, password=NEW_PASSWORD, full_name="Rosa Diaz", next_url=None):
    data = {"full_name": full_name, "email": email, "password1": password, "password2": password}
    path = "/register/"
    if next_url is not None:
        data["next"] = next_url
        path = f"/register/?next={next_url}"
    with capture(execute=True):
        return client.post(path, data)


def activation_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/activate/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def can_log_in(email, password) -> bool:
    return Client().login(username=email, password=password)


def test_new_address_gets_an_inactive_account_and_an_activation_email(client, django_capture_on_commit_callbacks):
    response = register(client, django_capture_on_commit_callbacks, email="Rosa@Example.test")

    assert response.status_code == 302
    assert response["Location"] == "/register/done/"
    user = User.objects.get(email="rosa@example.test")
    assert not user.is_active
    assert user.full_name == "Rosa Diaz"
    assert user.check_password(NEW_PASSWORD)
    [message] = mail.outbox
    assert message.to == ["rosa@example.test"]
    assert message.subject == "Confirm your MeterGate account"
    assert "/activate/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert activation_path(message) in html
    assert not can_log_in("rosa@example.test", NEW_PASSWORD)


def test_opening_the_link_changes_nothing_until_confirmed(client, django_capture_on_commit_callbacks):
    register(client, django_capture_on_commit_callbacks, email="rosa@example.test")

    response = Client().get(activation_path(mail.outbox[0]))

    assert response.status_code == 200
    assert b"rosa@example.test" in response.content
    assert not User.objects.get(email="rosa@example.test").is_active


def test_activation_activates_logs_in_and_lands_on_the_dashboard(client, django_capture_on_commit_callbacks):
    register(client, django_capture_on_commit_callbacks, email="rosa@example.test")
    browser = Client()

    response = browser.post(activation_path(mail.outbox[0]), follow=True)

    assert response.redirect_chain[-1][0] == "/dashboard/"
    assert response.status_code == 200
    assert response.context["user"].email == "rosa@example.test"
    assert User.objects.get(email="rosa@example.test").is_active
    assert can_log_in("rosa@example.test", NEW_PASSWORD)


def test_activation_link_works_only_once(client, django_capture_on_commit_callbacks):
    register(client, django_capture_on_commit_callbacks, email="rosa@example.test")
    link = activation_path(mail.outbox[0])
    Client().post(link)

    again_get = Client().get(link)
    again_post = Client().post(link)

    assert again_get.status_code == 400
    assert b"already been used" in again_get.content
    assert again_post.status_code == 400
    assert "_auth_user_id" not in again_post.wsgi_request.session


def test_expired_activation_link_is_refused(client, django_capture_on_commit_callbacks, monkeypatch):
    register(client, django_capture_on_commit_callbacks, email="rosa@example.test")
    link = activation_path(mail.outbox[0])
    later = time.time() + settings.ACCOUNT_ACTIVATION_DAYS * 86400 + 60
    monkeypatch.setattr(time, "time", lambda: later)

    response = Client().post(link)

    assert response.status_code == 400
    assert b"expired" in response.content
    assert not User.objects.get(email="rosa@example.test").is_active


def test_tampered_activation_link_is_refused(client, django_capture_on_commit_callbacks):
    register(client, django_capture_on_commit_callbacks, email="rosa@example.test")
    link = activation_path(mail.outbox[0])
    tampered = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]

    response = Client().post(tampered)

    assert response.status_code == 400
    assert b"not valid" in response.content
    assert not User.objects.get(email="rosa@example.test").is_active


def test_provisioned_customer_claims_the_account_only_through_the_link(client, django_capture_on_commit_callbacks):
    customer = CustomerFactory(email="provisioned@example.test", password=None)
    assert not customer.has_usable_password()

    register(client, django_capture_on_commit_callbacks, email="provisioned@example.test")

    customer.refresh_from_db()
    assert not customer.has_usable_password()
    assert not can_log_in("provisioned@example.test", NEW_PASSWORD)
    [message] = mail.outbox
    assert message.subject == "Set your MeterGate password"
    assert "already created your account" in message.body

    Client().post(activation_path(message))

    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    assert customer.external_account_id  # the same provisioned account, not a new one
    assert User.objects.filter(email="provisioned@example.test").count() == 1
    assert can_log_in("provisioned@example.test", NEW_PASSWORD)


def test_claim_link_does_not_show_the_password_hash(client, django_capture_on_commit_callbacks):
    CustomerFactory(email="provisioned@example.test", password=None)

    register(client, django_capture_on_commit_callbacks, email="provisioned@example.test")

    token = activation_path(mail.outbox[0]).split("/")[2]
    payload = signing.loads(token, salt="portal.services.activation")
    assert "pbkdf2" not in str(payload) and "md5" not in str(payload)


def test_a_second_claim_link_makes_the_first_unusable(client, django_capture_on_commit_callbacks):
    CustomerFactory(email="provisioned@example.test", password=None)
    register(client, django_capture_on_commit_callbacks, email="provisioned@example.test", password=NEW_PASSWORD)
    register(
        client, django_capture_on_commit_callbacks, email="provisioned@example.test", password="other-" + NEW_PASSWORD
    )
    first, second = (activation_path(message) for message in mail.outbox)

    Client().post(second)
    response = Client().post(first)

    assert response.status_code == 400
    assert can_log_in("provisioned@example.test", "other-" + NEW_PASSWORD)
    assert not can_log_in("provisioned@example.test", NEW_PASSWORD)


def test_registering_first_with_someone_elses_address_does_not_take_their_account(
    client, django_capture_on_commit_callbacks
):
    register(
        client, django_capture_on_commit_callbacks, email="victim@example.test", password="attacker-" + NEW_PASSWORD
    )
    register(client, django_capture_on_commit_callbacks, email="victim@example.test", password=NEW_PASSWORD)
    victims_link = activation_path(mail.outbox[1])

    Client().post(victims_link)

    assert can_log_in("victim@example.test", NEW_PASSWORD)
    assert not can_log_in("victim@example.test", "attacker-" + NEW_PASSWORD)


def test_existing_account_is_told_by_email_and_left_unchanged(client, django_capture_on_commit_callbacks):
    customer = CustomerFactory(email="known@example.test")

    register(client, django_capture_on_commit_callbacks, email="known@example.test", next_url=INVITATION_URL)

    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    assert not can_log_in("known@example.test", NEW_PASSWORD)
    [message] = mail.outbox
    assert message.subject == "You already have a MeterGate account"
    assert "/activate/" not in message.body
    assert "/login/?next=%2Fagreements%2Finvitations%2Fabc123%2F" in message.body
    assert "/password-reset/" in message.body
    assert "/password-reset/" in message.alternatives[0][0]


def test_the_page_after_registering_is_the_same_for_every_case(django_capture_on_commit_callbacks):
    CustomerFactory(email="provisioned@example.test", password=None)
    CustomerFactory(email="known@example.test")
    pages = []
    for email in ("new@example.test", "provisioned@example.test", "known@example.test"):
        response = register(Client(), django_capture_on_commit_callbacks, email=email)
        page = Client().get(response["Location"])
        pages.append((response.status_code, response["Location"], page.status_code, page.content))

    assert pages[0] == pages[1] == pages[2]
    assert len(mail.outbox) == 3


def test_invalid_input_shows_errors_and_sends_nothing(client, django_capture_on_commit_callbacks):
    data = {"full_name": "Rosa", "email": "rosa@example.test", "password1": "12345678", "password2": "12345678"}
    with django_capture_on_commit_callbacks(execute=True):
        too_simple = client.post("/register/", data)
        mismatch = client.post("/register/", {**data, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})

    assert too_simple.status_code == 200
    assert "password1" in too_simple.context["form"].errors
    assert mismatch.context["form"].errors["password2"] == ["The two passwords differ."]
    assert not User.objects.filter(email="rosa@example.test").exists()
    assert mail.outbox == []


def test_activation_lands_back_on_the_invitation(client, django_capture_on_commit_callbacks):
    form_page = client.get(f"/register/?next={INVITATION_URL}")
    assert f'name="next" value="{INVITATION_URL}"'.encode() in form_page.content

    register(client, django_capture_on_commit_callbacks, email="invited@example.test", next_url=INVITATION_URL)
    response = Client().post(activation_path(mail.outbox[0]))

    assert response.status_code == 302
    assert response["Location"] == INVITATION_URL


def test_provisioned_customer_claiming_also_lands_on_next(client, django_capture_on_commit_callbacks):
    CustomerFactory(email="provisioned@example.test", password=None)
    register(client, django_capture_on_commit_callbacks, email="provisioned@example.test", next_url=INVITATION_URL)

    response = Client().post(activation_path(mail.outbox[0]))

    assert response["Location"] == INVITATION_URL


@pytest.mark.parametrize("unsafe", ["https://evil.example/steal", "//evil.example/", "javascript:alert(1)"])
def test_unsafe_next_is_ignored(client, django_capture_on_commit_callbacks, unsafe):
    register(client, django_capture_on_commit_callbacks, email="rosa@example.test", next_url=unsafe)

    response = Client().post(activation_path(mail.outbox[0]))

    assert response["Location"] == "/"
    assert "evil" not in mail.outbox[0].body


def test_registration_mails_to_one_address_are_capped(client, django_capture_on_commit_callbacks):
    CustomerFactory(email="known@example.test")

    for _ in range(REGISTRATION_EMAILS_PER_HOUR + 3):
        response = register(Client(), django_capture_on_commit_callbacks, email="known@example.test")
        assert response["Location"] == "/register/done/"

    assert len(mail.outbox) == REGISTRATION_EMAILS_PER_HOUR


def test_logged_in_user_opening_register_goes_to_their_start_page(client):
    client.force_login(StaffFactory())

    response = client.get("/register/")

    assert response.status_code == 302
    assert response["Location"] == "/"
