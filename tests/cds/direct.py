"""Helpers of the direct-access tests: a staff approval for the client set's direct-access client,
and a client-credentials token under it."""

import json
from datetime import timedelta

from django.utils import timezone

from agreements.models import DirectAccessApproval
from agreements.services import direct_access
from portal.cds import scopes
from tests.factories import StaffFactory


def approve(client_set, scope: str, *, premises=(), **fields) -> DirectAccessApproval:
    """Staff approve `scope` for the direct-access client, for a year from now unless told."""
    client = client_set.client(scopes.DIRECT)
    now = timezone.now()
    values = {
        "coverage": DirectAccessApproval.Coverage.PREMISES if premises else DirectAccessApproval.Coverage.ALL,
        "purpose": "Load research for the 2026 rate case.",
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=365),
    } | fields
    return direct_access.save_approval(
        by=StaffFactory(),
        approval=direct_access.new_approval(third_party=client.third_party, client=client, scope=scope, **values),
        premises=premises,
    )


def direct_token(client_set, scope: str, details: list | None = None, **entry) -> dict:
    """A client-credentials token for `scope`; `entry` fields go in a cds_query_usage entry, or
    `details` are the authorization details as given."""
    if details is None:
        details = [{"type": item, **entry} for item in scope.split() if item == "cds_query_usage"]
    return client_set.token(
        client_set.client(scopes.DIRECT), scope, **({"authorization_details": json.dumps(details)} if details else {})
    )
