"""The whole flow over HTTP against a live server, driven by an independent OAuth client library
(Authlib, PKCE S256): discovery, PAR, the customer's login and consent form, approve, code
exchange, a protected read, refresh, revoke. `requests` plays the customer's browser."""

import re
from urllib.parse import urlencode

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from agreements.models import Agreement
from tests.factories import PASSWORD, SandboxAccountFactory, cds_client_set, customer_at

from .helpers import REDIRECT, ClientSet, use_redirect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def plain_http_cookies(settings):
    """The live server speaks http; let the browser stand-in keep its session cookie."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def _log_in(browser: requests.Session, base: str, email: str, next_url: str) -> requests.Response:
    page = browser.get(f"{base}/login/", params={"next": next_url})
    return browser.post(
        f"{base}/login/",
        data={"username": email, "password": PASSWORD, "csrfmiddlewaretoken": _csrf(page.text), "next": next_url},
        headers={"Referer": f"{base}/login/"},
        allow_redirects=False,
    )


def test_par_consent_code_refresh_read_and_revoke_with_authlib(live_server, plain_http_cookies):
    base = live_server.url
    clients = ClientSet(cds_client_set(site=base))
    consent_client = clients.consent
    use_redirect(consent_client)
    customer = customer_at()
    SandboxAccountFactory(customer=customer)
    esiid = customer.occupancies.get().premise.esiid

    # Discovery, as any CDS client starts.
    server = requests.get(f"{base}/.well-known/cds-server-metadata.json", timeout=10).json()
    metadata = requests.get(server["oauth_metadata"], timeout=10).json()
    assert metadata["code_challenge_methods_supported"] == ["S256"]

    # PAR (RFC 9126) with PKCE S256 made by Authlib.
    verifier = generate_token(64)
    state = generate_token(16)
    pushed = requests.post(
        metadata["pushed_authorization_request_endpoint"],
        data={
            "client_id": consent_client.client_id,
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "scope": "cds_usage",
            "state": state,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        },
        auth=(consent_client.client_id, clients.secret(consent_client)),
        timeout=10,
    )
    assert pushed.status_code == 201, pushed.text
    authorize_url = (
        f"{metadata['authorization_endpoint']}?"
        f"{urlencode({'client_id': consent_client.client_id, 'request_uri': pushed.json()['request_uri']})}"
    )

    # The customer's browser: sent to log in first, then the consent form, then approve.
    browser = requests.Session()
    first = browser.get(authorize_url, allow_redirects=False, timeout=10)
    assert first.status_code == 302 and "/login/" in first.headers["Location"]
    next_url = authorize_url.removeprefix(base)
    logged_in = _log_in(browser, base, customer.email, next_url)
    assert logged_in.status_code == 302, logged_in.text[:500]
    form = browser.get(authorize_url, timeout=10)
    assert form.status_code == 200 and esiid in form.text
    consent_id = re.search(r'name="consent_id" value="([^"]+)"', form.text).group(1)
    premise_ids = re.findall(r'name="premise" value="(\d+)"', form.text)
    approved = browser.post(
        metadata["authorization_endpoint"],
        data={
            "consent_id": consent_id,
            "premise": premise_ids,
            "action": "approve",
            "csrfmiddlewaretoken": _csrf(form.text),
        },
        headers={"Referer": authorize_url},
        allow_redirects=False,
        timeout=10,
    )
    assert approved.status_code == 302, approved.text[:500]
    callback = approved.headers["Location"]
    assert callback.startswith(REDIRECT)

    # The client: Authlib exchanges the code with the verifier (client_secret_basic).
    session = OAuth2Session(
        consent_client.client_id,
        clients.secret(consent_client),
        token_endpoint_auth_method="client_secret_basic",
        redirect_uri=REDIRECT,
        state=state,
    )
    token = session.fetch_token(metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    assert token["scope"] == "cds_usage"
    grant_id = token["cds_grant_ids"][0]
    assert Agreement.objects.get(number=grant_id).source == Agreement.Source.OAUTH

    read = session.get(f"{base}/api/v1/cds/authorized-service-points/", timeout=10)
    assert read.status_code == 200
    assert [row["servicepoint_number"] for row in read.json()["service_points"]] == [esiid]

    refreshed = session.refresh_token(metadata["token_endpoint"])
    assert refreshed["access_token"] != token["access_token"]
    assert refreshed["cds_grant_ids"] == [grant_id]
    assert session.get(f"{base}/api/v1/cds/authorized-service-points/{esiid}", timeout=10).status_code == 200

    revoked = session.revoke_token(
        metadata["revocation_endpoint"], token=refreshed["refresh_token"], token_type_hint="refresh_token"
    )
    assert revoked.status_code == 200
    assert session.get(f"{base}/api/v1/cds/authorized-service-points/", timeout=10).status_code == 401

    introspected = requests.post(
        metadata["introspection_endpoint"],
        data={"token": refreshed["access_token"]},
        auth=(consent_client.client_id, clients.secret(consent_client)),
        timeout=10,
    ).json()
    assert introspected == {"active": False}
