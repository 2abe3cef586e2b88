"""Helpers of the CDS customer-data tests: a client set holding every consent scope, and a consent
token obtained through the real authorization-code flow (consent page, code, token endpoint)."""

import json

from portal.cds import scopes
from portal.cds.models import TestAccount
from tests.factories import SandboxAccountFactory, cds_client_set
from tests.oauth.helpers import ClientSet, consent, exchange, logged_in, use_redirect

ALL_CONSENT = " ".join(scopes.CONSENT_SCOPES)
DIRECT = " ".join(scopes.scope_ids(scopes.DIRECT))


def every_scope_client_set() -> ClientSet:
    client_set = ClientSet(cds_client_set(scope=f"cds_client_admin {ALL_CONSENT} {DIRECT}"))
    use_redirect(client_set.consent)
    return client_set


def consent_token(client_set: ClientSet, customer, scope: str = "cds_accounts", premises=None, **fields) -> str:
    """The customer approves `scope` (each entry with `fields`); the access token the code buys."""
    if not TestAccount.objects.filter(customer=customer).exists():
        SandboxAccountFactory(customer=customer)  # the new client set is a sandbox: test accounts only
    details = [{"type": item, **fields} for item in scope.split()]
    result = consent(
        logged_in(customer),
        client_set.consent,
        premises=premises,
        scope=scope,
        authorization_details=json.dumps(details),
    )
    assert result.response.status_code == 302, result.response.content[:500]
    assert "code" in result.query, result.query
    tokens = exchange(client_set, result.query["code"], result.verifier)
    assert tokens["status"] == 200, tokens
    return tokens["access_token"]


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
