"""Pushed authorization requests (RFC 9126), rich authorization requests with the CDS fields
(RFC 9396, WG3-01 §3.3), client defaults, prompt=login and cds_grant_id."""

import json

import pytest
from django.test import Client

from agreements.models import Agreement, OAuthGrant
from tests.factories import MeterFactory, OccupancyFactory, PremiseFactory

from .helpers import REDIRECT, authorization_parameters, basic, consent, logged_in, pkce_pair, query_of, use_redirect

pytestmark = pytest.mark.django_db


def _push(client_set, **overrides):
    client = client_set.consent
    parameters = authorization_parameters(client, pkce_pair()[1], **overrides)
    return Client().post(
        "/oauth/par/", parameters, HTTP_AUTHORIZATION=basic(client.client_id, client_set.secret(client))
    )


def _details(**fields):
    return json.dumps([{"type": "cds_usage", **fields}])


# --- PAR -----------------------------------------------------------------------------------------------


def test_a_pushed_request_gets_a_request_uri_for_the_browser(client_set, test_customer):
    use_redirect(client_set.consent)

    pushed = _push(client_set)
    page = logged_in(test_customer).get(
        "/oauth/authorize/", {"client_id": client_set.consent.client_id, "request_uri": pushed.json()["request_uri"]}
    )

    assert pushed.status_code == 201
    assert pushed.json()["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    assert pushed.json()["expires_in"] == 600
    assert page.status_code == 200
    assert page.context["client"] == client_set.consent


def test_a_request_uri_works_once(client_set, test_customer):
    use_redirect(client_set.consent)
    request_uri = _push(client_set).json()["request_uri"]
    browser = logged_in(test_customer)
    page = browser.get("/oauth/authorize/", {"client_id": client_set.consent.client_id, "request_uri": request_uri})
    browser.post(
        "/oauth/authorize/",
        {
            "consent_id": page.context["consent_id"],
            "action": "approve",
            "premise": [row["id"] for row in page.context["premises"]],
        },
    )

    again = browser.get("/oauth/authorize/", {"client_id": client_set.consent.client_id, "request_uri": request_uri})

    assert again.status_code == 400
    assert b"already used" in again.content


def test_a_request_uri_of_another_client_is_refused(client_set):
    use_redirect(client_set.consent)
    request_uri = _push(client_set).json()["request_uri"]

    page = Client().get("/oauth/authorize/", {"client_id": client_set.admin.client_id, "request_uri": request_uri})

    assert page.status_code == 400


def test_par_needs_client_authentication(client_set):
    response = Client().post("/oauth/par/", authorization_parameters(client_set.consent, pkce_pair()[1]))

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_par_refuses_plain_pkce_and_unknown_redirects_at_once(client_set):
    use_redirect(client_set.consent)

    plain = _push(client_set, code_challenge_method="plain")
    elsewhere = _push(client_set, redirect_uri="https://evil.example.test/")

    assert plain.status_code == 400 and plain.json()["error"] == "invalid_request"
    assert elsewhere.status_code == 400


def test_par_refuses_invalid_authorization_details(client_set):
    use_redirect(client_set.consent)

    response = _push(client_set, authorization_details=_details(expires="P5Y"))

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_authorization_details"


# --- authorization_details --------------------------------------------------------------------------


def test_unknown_fields_and_types_are_invalid_authorization_details(client_set, test_customer):
    use_redirect(client_set.consent)
    browser = logged_in(test_customer)

    for details in (
        _details(colour="blue"),
        json.dumps([{"type": "cds_accounts"}]),
        _details(error_if_no_preselections="yes"),
        _details(jwk={"kty": "EC"}),
        _details(purpose="unknown"),
        _details(merge_selection_with=["cds_meters"]),
        "not json",
    ):
        response = browser.get(
            "/oauth/authorize/",
            authorization_parameters(client_set.consent, pkce_pair()[1], authorization_details=details),
        )
        assert response.status_code == 302, details
        assert query_of(response["Location"])["error"] == "invalid_authorization_details", details


def test_preselections_narrow_the_premises_offered(client_set, test_customer):
    use_redirect(client_set.consent)
    second = PremiseFactory()
    OccupancyFactory(customer=test_customer, premise=second)
    MeterFactory(premise=second, meter_number="M-CHOSEN")

    page = logged_in(test_customer).get(
        "/oauth/authorize/",
        authorization_parameters(
            client_set.consent, pkce_pair()[1], authorization_details=_details(meter_numbers=["M-CHOSEN"])
        ),
    )

    assert [row["number"] for row in page.context["premises"]] == [second.esiid]


def test_no_matching_preselection_returns_no_preselections_when_asked(client_set, test_customer):
    use_redirect(client_set.consent)

    response = logged_in(test_customer).get(
        "/oauth/authorize/",
        authorization_parameters(
            client_set.consent,
            pkce_pair()[1],
            authorization_details=_details(servicepoint_numbers=["99999999999999999"], error_if_no_preselections=True),
        ),
    )

    assert response.status_code == 302
    assert query_of(response["Location"])["error"] == "no_preselections"


def test_no_matching_preselection_otherwise_shows_the_preselection_error_page(client_set, test_customer):
    use_redirect(client_set.consent)

    page = logged_in(test_customer).get(
        "/oauth/authorize/",
        authorization_parameters(
            client_set.consent,
            pkce_pair()[1],
            authorization_details=_details(servicepoint_numbers=["99999999999999999"]),
        ),
    )

    assert page.status_code == 200
    assert b"Nothing to share" in page.content


def test_a_read_only_request_cannot_drop_a_premise(client_set, test_customer):
    use_redirect(client_set.consent)
    second = PremiseFactory()
    OccupancyFactory(customer=test_customer, premise=second)

    result = consent(
        logged_in(test_customer),
        client_set.consent,
        authorization_details=_details(allow_scope_modifications=False),
        premises=[second.pk],
    )

    # The form sends every preselected premise; one alone is not what was offered read-only.
    assert result.response.status_code == 400
    assert not Agreement.objects.exists()


def test_durations_are_consented_as_absolute_dates(client_set, test_customer):
    use_redirect(client_set.consent)

    consent(
        logged_in(test_customer), client_set.consent, authorization_details=_details(expires="P3M", segment_start="P1M")
    )

    grant = OAuthGrant.objects.get()
    agreement = grant.agreement
    assert 85 <= (agreement.ends_at - agreement.starts_at).days <= 93
    assert 27 <= (agreement.starts_at - agreement.data_from).days <= 32
    assert grant.authorization_details[0]["expires"].startswith(str(agreement.ends_at.astimezone().year))
    assert grant.authorization_details[0]["segment_start"] == agreement.data_from.date().isoformat()


def test_the_form_shows_durations_in_plain_words(client_set, test_customer):
    use_redirect(client_set.consent)

    page = logged_in(test_customer).get(
        "/oauth/authorize/",
        authorization_parameters(client_set.consent, pkce_pair()[1], authorization_details=_details(expires="P6M")),
    )

    html = page.content.decode()
    form = html[html.index('<form method="post" action="/oauth/authorize/"') : html.index("</form>")]
    assert "about 6 months from today" in form
    assert "P6M" not in form and "P12M" not in form


def test_the_clients_purpose_is_shown_as_written_by_the_client(client_set, test_customer):
    client = client_set.consent
    client.purposes = {
        "save": {"id": "save", "name": "Save energy", "content": "We compare your use\nwith neighbours."}
    }
    client.save()
    use_redirect(client)

    page = logged_in(test_customer).get(
        "/oauth/authorize/",
        authorization_parameters(client, pkce_pair()[1], authorization_details=_details(purpose="save")),
    )

    assert b"Written by" in page.content
    assert b"We compare your use\nwith neighbours." in page.content


def test_missing_parameters_fall_back_to_the_clients_defaults(client_set, test_customer):
    client = client_set.consent
    client.default_scope = "cds_meters"
    client.save()

    page = logged_in(test_customer).get(
        "/oauth/authorize/", authorization_parameters(client, pkce_pair()[1], scope=None, redirect_uri=None)
    )

    assert page.status_code == 200
    assert [section["id"] for section in page.context["sections"]] == ["cds_meters"]


# --- prompt=login and cds_grant_id ----------------------------------------------------------------------


def test_prompt_login_asks_a_logged_in_customer_to_log_in_again(client_set, test_customer):
    use_redirect(client_set.consent)
    browser = logged_in(test_customer)
    parameters = authorization_parameters(client_set.consent, pkce_pair()[1], prompt="login")

    first = browser.get("/oauth/authorize/", parameters)
    browser.login(email=test_customer.email, password="correct-horse-battery")
    second = browser.get("/oauth/authorize/", parameters)

    assert first.status_code == 302 and first["Location"].startswith("/login/")
    assert second.status_code == 200


def test_an_unknown_cds_grant_id_is_refused_before_login(client_set):
    use_redirect(client_set.consent)

    response = Client().get(
        "/oauth/authorize/", authorization_parameters(client_set.consent, pkce_pair()[1], cds_grant_id="AGR-424242")
    )

    assert response.status_code == 302
    assert query_of(response["Location"])["error"] == "cds_grant_id_invalid_value"


def test_another_customers_grant_is_refused_after_login(client_set, test_customer):
    from tests.factories import SandboxAccountFactory, customer_at

    use_redirect(client_set.consent)
    consent(logged_in(test_customer), client_set.consent)
    grant = OAuthGrant.objects.get()
    someone_else = customer_at()
    SandboxAccountFactory(customer=someone_else)

    response = logged_in(someone_else).get(
        "/oauth/authorize/",
        authorization_parameters(client_set.consent, pkce_pair()[1], cds_grant_id=grant.agreement.number),
    )

    assert response.status_code == 302
    assert query_of(response["Location"])["error"] == "cds_grant_id_invalid_user"


def test_approving_with_cds_grant_id_updates_that_grant(client_set, test_customer):
    use_redirect(client_set.consent)
    browser = logged_in(test_customer)
    consent(browser, client_set.consent)
    grant = OAuthGrant.objects.get()
    grant.requested_scope = "cds_usage cds_meters"
    grant.save()

    result = consent(browser, client_set.consent, scope="cds_usage cds_meters", cds_grant_id=grant.agreement.number)

    assert result.response["Location"].startswith(REDIRECT)
    grant.refresh_from_db()
    assert OAuthGrant.objects.count() == 1
    assert grant.scope == "cds_usage cds_meters" and grant.requested_scope == ""
