"""Demo world, OAuth part: the demo customers become CDS test accounts, each demo third party gets
a registered client set, and the command prints a ready authorization URL to try the consent
flow by hand. Runs after agreements.demo (seed_demo's DEMO_MODULES)."""

import base64
import hashlib
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from portal.cds import registration, scopes
from portal.cds.models import ClientRegistration, TestAccount

DEMO_SCOPE = "cds_client_admin cds_usage cds_meters cds_accounts"
TEST_ACCOUNTS = 12


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def seed(world) -> None:
    customers = world.objects.get("customers", [])[:TEST_ACCOUNTS]
    TestAccount.objects.bulk_create(
        [TestAccount(customer=customer, note=f"demo customer, password {world.password}") for customer in customers],
        ignore_conflicts=True,
    )

    def out(text: str) -> None:
        world.stdout.write(f"{text}\n")  # a Django OutputWrapper adds no second newline

    site = settings.SITE_URL
    out("\nOAuth (CDS) demo clients — secrets shown this once:")
    first_url = None
    for key, third_party in world.objects.get("third_parties", {}).items():
        registered = registration.register(
            scope=DEMO_SCOPE,
            submitted={"client_name": f"{third_party.name} app", "contacts": [third_party.contact_email]},
            source=ClientRegistration.Source.STAFF,
            site=site,
            third_party=third_party,
            reveal_all=True,
        )
        for client in registered.clients:
            secret = registered.secrets.get(client.client_id)
            out(f"  {key:<12} {client.allowed_scopes:<32} {client.client_id}  {secret}")
        consent_client = next(client for client in registered.clients if client.default_redirect_uri)
        grant_admin = next(client for client in registered.clients if client.allowed_scopes == scopes.GRANT_ADMIN)
        verifier, challenge = _pkce()
        query = urlencode(
            {
                "client_id": consent_client.client_id,
                "response_type": "code",
                "scope": "cds_usage cds_meters",
                "state": "demo",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        url = f"{site}{reverse('oauth-authorize')}?{query}"
        first_url = first_url or (key, url, consent_client, grant_admin, registered.secrets[grant_admin.client_id])
    if first_url and customers:
        key, url, consent_client, grant_admin, secret = first_url
        out(f"\nTry the consent flow ({key}, sandbox client): log in as {customers[0].email} and open")
        out(f"  {url}")
        out("Approving lands on MeterGate's default redirect page, which shows the receipt (grant AGR-…).")
        out("Then read the grant's data through Grant Admin:")
        details = f'[{{"type":"{scopes.GRANT_ADMIN}","client_id":"{consent_client.client_id}","grant_id":"AGR-……"}}]'
        out(
            f"  curl -u {grant_admin.client_id}:{secret} -d grant_type=client_credentials "
            f"-d scope={scopes.GRANT_ADMIN} --data-urlencode 'authorization_details={details}' {site}/oauth/token/"
        )
        out(f"Discovery: {site}/.well-known/cds-server-metadata.json · test accounts: {site}/oauth/test-accounts/")
