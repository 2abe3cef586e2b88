"""Fixtures shared by every test module."""

import pytest
from rest_framework.test import APIClient

from tests.factories import OAuthClientFactory

pytest_plugins = ["tests.browser"]


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and locks live in the cache (Redis in CI); each test starts clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def issue_token(client, scope: str) -> str:
    """Get a client-credentials token over HTTP, as a real client would."""
    from django.test import Client

    response = Client().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": scope},
        HTTP_AUTHORIZATION=_basic(client.client_id, client.raw_secret),
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def _basic(user: str, password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def utility_token(db):
    """A token of the utility's own provisioning system (scope `provisioning`)."""
    client = OAuthClientFactory(allowed_scopes="provisioning")
    return issue_token(client, "provisioning")
