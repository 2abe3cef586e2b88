"""The consent flow through the authorization endpoint: approve creates an agreement (source
OAuth) with its event and receipt e-mail and redirects with a code; the code buys tokens that
carry the grant; decline returns access_denied."""

from django.core import mail
from django.test import Client

from agreements.models import Agreement, AgreementEvent, OAuthGrant
from tests.factories import PremiseFactory, customer_at

from .helpers import REDIRECT, consent, exchange, logged_in, query_of, use_redirect


def test_approving_creates_an_oauth_agreement_and_redirects_with_a_code(client_set, test_customer):
    use_redirect(client_set.consent)

    result = consent(logged_in(test_customer), client_set.consent)

    assert result.response.status_code == 302
    assert result.response["Location"].startswith(REDIRECT)
    assert result.query["state"] == "state-123"
    assert "code" in result.query and "iss" in result.query
    agreement = Agreement.objects.get(customer=test_customer)
    assert agreement.source == Agreement.Source.OAUTH
    assert agreement.third_party == client_set.consent.third_party
    assert agreement.data_kinds == ["daily", "interval", "monthly"]
    assert list(agreement.premises.all()) == [test_customer.occupancies.get().premise]
    assert AgreementEvent.objects.filter(agreement=agreement, action=AgreementEvent.Action.AGREEMENT_CREATED).exists()
    assert agreement.grant.scope == "cds_usage"


def test_the_customer_gets_a_receipt_e_mail_with_a_revoke_link(
    client_set, test_customer, django_capture_on_commit_callbacks
):
    use_redirect(client_set.consent)

    with django_capture_on_commit_callbacks(execute=True):
        consent(logged_in(test_customer), client_set.consent)

    grant = OAuthGrant.objects.get()
    receipt = next(message for message in mail.outbox if message.to == [test_customer.email])
    assert grant.receipt_confirmation in receipt.subject
    assert f"/oauth/receipts/{grant.receipt_token}/revoke/" in receipt.body


def test_the_code_buys_tokens_that_name_the_grant(client_set, test_customer):
    use_redirect(client_set.consent)
    result = consent(logged_in(test_customer), client_set.consent)

    tokens = exchange(client_set, result.query["code"], result.verifier)

    assert tokens["status"] == 200
    grant = OAuthGrant.objects.get()
    assert tokens["cds_grant_ids"] == [grant.agreement.number]
    assert tokens["scope"] == "cds_usage"
    assert tokens["authorization_details"][0]["type"] == "cds_usage"
    assert "servicepoint_numbers" not in tokens["authorization_details"][0]
    assert tokens["authorization_details"][0]["expires"].startswith(str(grant.agreement.ends_at.year))
    assert tokens["expires_in"] <= 900


def test_declining_returns_access_denied_and_creates_nothing(client_set, test_customer):
    use_redirect(client_set.consent)

    result = consent(logged_in(test_customer), client_set.consent, approve=False)

    assert result.response.status_code == 302
    assert result.query["error"] == "access_denied"
    assert result.query["state"] == "state-123"
    assert not Agreement.objects.exists()


def test_the_request_is_checked_before_login(client_set):
    use_redirect(client_set.consent)

    page = Client().get("/oauth/authorize/", {"client_id": client_set.consent.client_id, "response_type": "code"})

    # No PKCE: refused before anybody is asked to log in, back to the client's default redirect
    # URI (no redirect_uri was given), which is MeterGate's own page.
    assert page.status_code == 302
    assert page["Location"].startswith(client_set.consent.default_redirect_uri)
    assert query_of(page["Location"])["error"] == "invalid_request"


def test_a_valid_request_asks_an_anonymous_visitor_to_log_in(client_set):
    from .helpers import authorization_parameters, pkce_pair

    use_redirect(client_set.consent)
    parameters = authorization_parameters(client_set.consent, pkce_pair()[1])

    page = Client().get("/oauth/authorize/", parameters)

    assert page.status_code == 302
    assert page["Location"].startswith("/login/?next=/oauth/authorize/")


def test_the_form_offers_only_the_customers_current_premises(client_set, test_customer):
    use_redirect(client_set.consent)
    other = customer_at()
    PremiseFactory()

    from .helpers import authorization_parameters, pkce_pair

    page = logged_in(test_customer).get(
        "/oauth/authorize/", authorization_parameters(client_set.consent, pkce_pair()[1])
    )

    offered = [row["number"] for row in page.context["premises"]]
    assert offered == [test_customer.occupancies.get().premise.esiid]
    assert other.occupancies.get().premise.esiid not in page.content.decode()


def test_choosing_a_premise_not_offered_is_refused(client_set, test_customer):
    use_redirect(client_set.consent)
    stranger_premise = customer_at().occupancies.get().premise

    result = consent(logged_in(test_customer), client_set.consent, premises=[stranger_premise.pk])

    assert result.response.status_code == 400
    assert not Agreement.objects.exists()
