"""Helpers of the OAuth / CDS tests: a registered client set, PKCE pairs, and the consent flow
run through the Django test client."""

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

from django.test import Client

from portal.cds import scopes
from tests.factories import PASSWORD


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query_of(url: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}


@dataclass
class ClientSet:
    registered: object

    def client(self, group: str):
        return next(client for client in self.registered.clients if _group(client) == group)

    def secret(self, client) -> str:
        return self.registered.secrets[client.client_id]

    @property
    def admin(self):
        return self.registered.admin_client

    @property
    def consent(self):
        return self.client(scopes.CONSENT)

    @property
    def grant_admin(self):
        return self.client(scopes.GRANT_ADMIN_GROUP)

    def token(self, client, scope: str, **extra) -> dict:
        response = Client().post(
            "/oauth/token/",
            {"grant_type": "client_credentials", "scope": scope, **extra},
            HTTP_AUTHORIZATION=basic(client.client_id, self.secret(client)),
        )
        return response.json() | {"status": response.status_code}

    def admin_headers(self) -> dict:
        token = self.token(self.admin, scopes.CLIENT_ADMIN)
        assert token["status"] == 200, token
        return {"HTTP_AUTHORIZATION": f"Bearer {token['access_token']}"}


def _group(client):
    from portal.cds.clients import group_of

    return group_of(client)


REDIRECT = "https://app.example.test/callback"


def use_redirect(client, uri: str = REDIRECT) -> None:
    client.redirect_uris = f"{client.redirect_uris} {uri}".strip()
    client.save(update_fields=["redirect_uris"])


@dataclass
class Consent:
    """One run of the flow up to the code."""

    verifier: str
    response: object

    @property
    def query(self) -> dict:
        return query_of(self.response["Location"])


def authorization_parameters(client, challenge: str, **overrides) -> dict:
    parameters = {
        "client_id": client.client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "cds_usage",
        "state": "state-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    parameters.update(overrides)
    return {key: value for key, value in parameters.items() if value is not None}


def consent(browser: Client, client, *, approve: bool = True, premises=None, **overrides) -> Consent:
    """GET the authorization endpoint as the logged-in `browser`, then approve or decline."""
    verifier, challenge = pkce_pair()
    page = browser.get("/oauth/authorize/", authorization_parameters(client, challenge, **overrides))
    assert page.status_code == 200, page.content.decode()[:2000]
    form = {"consent_id": page.context["consent_id"], "action": "approve" if approve else "decline"}
    chosen = premises if premises is not None else [row["id"] for row in page.context["premises"]]
    response = browser.post("/oauth/authorize/", {**form, "premise": chosen})
    return Consent(verifier=verifier, response=response)


def exchange(client_set: ClientSet, code: str, verifier: str, client=None) -> dict:
    client = client or client_set.consent
    response = Client().post(
        "/oauth/token/",
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier},
        HTTP_AUTHORIZATION=basic(client.client_id, client_set.secret(client)),
    )
    return json.loads(response.content) | {"status": response.status_code}


def logged_in(customer) -> Client:
    browser = Client()
    assert browser.login(email=customer.email, password=PASSWORD)
    return browser
