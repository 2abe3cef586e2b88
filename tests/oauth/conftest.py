"""Fixtures of the OAuth / CDS tests: http redirect URIs allowed (as while developing), a
registered client set and a test-account customer."""

import pytest

from tests.factories import SandboxAccountFactory, cds_client_set, customer_at

from .helpers import ClientSet


@pytest.fixture(autouse=True)
def _loopback_redirects(settings):
    """The tests' redirect URIs are http (as while developing); production keeps https only."""
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"]}


@pytest.fixture
def client_set(db) -> ClientSet:
    return ClientSet(cds_client_set())


@pytest.fixture
def test_customer(db):
    """A customer who lives at one premise and is a test account (sandbox clients may ask)."""
    customer = customer_at()
    SandboxAccountFactory(customer=customer)
    return customer
