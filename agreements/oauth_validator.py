"""The OAuth request validator MeterGate runs (OAUTH2_VALIDATOR_CLASS): the CDS credential rules
of `portal.oauth_validators`, plus grants.

* The consent page passes the grant it created with the authorization code; exchanging the code
  ties the tokens to the grant, refreshing keeps the tie, and token responses carry
  `cds_grant_ids` and the consented `authorization_details` (and, for one usage grant, the
  Green Button `resourceURI` of its Batch/Subscription).
* A token (or a refresh) of a grant that is no longer live stops working at once, whoever ended
  the agreement (customer, third party, utility, expiry, move-out).
* Direct access (`cds_query_*`, client credentials): issued only within the client's live staff
  approvals (`agreements.access.live_approvals`), and a token stops working once none holds it.
* Grant Admin (WG1-02 §3.3.2): client credentials with `cds_grant_admin_1` and one
  authorization-details entry {client_id, grant_id} get a token for that grant's enabled scope.
"""

import json
from collections import OrderedDict

from django.conf import settings
from django.urls import reverse
from oauthlib.oauth2.rfc6749 import errors

from portal.cds import rar, scopes
from portal.cds.errors import CdsError
from portal.cds.metadata import ESPI_CONSENT_SCOPE
from portal.oauth_validators import CredentialValidator

from . import access
from .models import DirectAccessToken, OAuthGrant
from .services import grants

DIRECT_SCOPES = frozenset(scopes.scope_ids(scopes.DIRECT))


def _grant_admin_error(description: str):
    return errors.CustomOAuth2Error(error="invalid_authorization_details", description=description, status_code=400)


class GrantValidator(CredentialValidator):
    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        super().save_authorization_code(client_id, code, request, *args, **kwargs)
        grant_ids = getattr(request, "cds_grant_ids", None)
        if grant_ids:
            grants.link_code(code=code["code"], grant_ids=grant_ids)

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            return False
        linked = grants.code_grants(code)
        if any(not grants.is_live(grant) for grant in linked):
            return False
        request.cds_grant_ids = [grant.pk for grant in linked]
        return True

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        previous = request.refresh_token_instance.access_token
        linked = grants.token_grants(previous) if previous is not None else []
        if any(not grants.is_live(grant) for grant in linked):
            return False
        request.cds_grant_ids = [grant.pk for grant in linked]
        return True

    def validate_scopes(self, client_id, scopes_asked, client, request, *args, **kwargs):
        if not super().validate_scopes(client_id, scopes_asked, client, request, *args, **kwargs):
            return False
        direct = set(scopes_asked) & DIRECT_SCOPES
        if request.grant_type == "client_credentials" and direct:
            approvals = self._approvals_for(client, direct)
            request.cds_direct_grant_ids = [
                approval.agreement.number for approval in approvals if approval.scope_set & direct
            ]
            request.cds_direct_details = self._direct_details(request, scopes_asked)
            if "cds_query_usage" in direct:
                self._check_query_usage(request.cds_direct_details, approvals)
        if request.grant_type == "client_credentials" and scopes.GRANT_ADMIN in scopes_asked:
            grant = self._grant_for_admin(client, request)
            request.cds_grant_ids = [grant.pk]
            request.cds_grant_admin_scope = grant.scope
        return True

    @staticmethod
    def _approvals_for(client, direct: set) -> list:
        """Live staff approvals must hold every direct scope asked; else the standard refusal."""
        approvals = list(access.live_approvals(client=client))
        if not approvals:
            raise errors.InvalidScopeError(description="Direct access needs a live approval by MeterGate staff.")
        held = set().union(*(approval.scope_set for approval in approvals))
        if not direct <= held:
            missing = " ".join(sorted(direct - held))
            raise errors.InvalidScopeError(description=f"Your direct-access approval does not cover {missing}.")
        return approvals

    @staticmethod
    def _direct_details(request, scopes_asked) -> list[dict]:
        """The token's own preselections (checked against the scope catalogue); kept with the token."""
        try:
            return rar.parse(getattr(request, "authorization_details", None), allowed_types=set(scopes_asked))
        except CdsError as error:
            raise _grant_admin_error(error.message) from error

    @staticmethod
    def _check_query_usage(details: list[dict], approvals) -> None:
        """A direct-access usage token names the aggregations it reads (WG3-01 §3.7): without
        `aggregation_numbers`, or with one no approval lists, the token request is refused."""
        entry = next((item for item in details if item["type"] == "cds_query_usage"), None)
        if entry is None or not entry.get("aggregation_numbers"):
            raise _grant_admin_error(
                "cds_query_usage needs an authorization_details entry with aggregation_numbers: usage is "
                "only ever served summed over an aggregation."
            )
        approved = {
            number
            for approval in approvals
            if "cds_query_usage" in approval.scope_set
            for number in approval.aggregation_numbers
        }
        outside = sorted(set(map(str, entry["aggregation_numbers"])) - approved)
        if outside:
            raise _grant_admin_error(f"Your direct-access approval does not cover {' '.join(outside)}.")

    def _grant_for_admin(self, client, request) -> OAuthGrant:
        try:
            details = json.loads(getattr(request, "authorization_details", None) or "[]")
        except ValueError:
            details = None
        if not isinstance(details, list) or len(details) != 1 or not isinstance(details[0], dict):
            raise _grant_admin_error("Grant Admin needs exactly one authorization_details entry.")
        entry = details[0]
        if entry.get("type") != scopes.GRANT_ADMIN or not all(
            isinstance(entry.get(key), str) for key in ("client_id", "grant_id")
        ):
            raise _grant_admin_error(f"The entry needs type {scopes.GRANT_ADMIN}, client_id and grant_id.")
        grant = (
            OAuthGrant.objects.select_related("agreement", "client")
            .filter(agreement__number=entry["grant_id"], client__client_id=entry["client_id"])
            .first()
        )
        if (
            grant is None
            or grant.client.registration_id is None
            or grant.client.registration_id != client.registration_id
            or grant.client.environment != client.environment
        ):
            raise _grant_admin_error("No such grant of your clients.")
        if not grants.is_live(grant) or any(
            scopes.SCOPES.get(item) is None or scopes.SCOPES[item].grant_admin_scope != scopes.GRANT_ADMIN
            for item in grant.scope.split()
        ):
            raise _grant_admin_error("This grant gives no access through Grant Admin.")
        return grant

    def validate_bearer_token(self, token, scopes_required, request):
        if not super().validate_bearer_token(token, scopes_required, request):
            return False
        linked = grants.token_grants(request.access_token)
        if linked and not any(grants.is_live(grant) for grant in linked):
            request.oauth2_error = OrderedDict(
                [("error", "invalid_token"), ("error_description", "The grant behind this token has ended.")]
            )
            return False
        direct = set((request.access_token.scope or "").split()) & DIRECT_SCOPES
        if direct and not linked and not access.live_approvals(client=request.access_token.application).exists():
            request.oauth2_error = OrderedDict(
                [("error", "invalid_token"), ("error_description", "The direct-access approval has ended.")]
            )
            return False
        return True

    def _save_bearer_token(self, token, request, *args, **kwargs):
        admin_scope = getattr(request, "cds_grant_admin_scope", None)
        if admin_scope:
            # A Grant Admin token reaches the grant's enabled scope (WG1-02 §3.3.2).
            token["scope"] = admin_scope
        super()._save_bearer_token(token, request, *args, **kwargs)
        direct_grant_ids = getattr(request, "cds_direct_grant_ids", None)
        if direct_grant_ids:
            # The staff approvals are the grants a direct-access token reads under (WG1-02 fork).
            token["cds_grant_ids"] = direct_grant_ids
            details = request.cds_direct_details
            access_token = self.issued_access_token(token)
            if access_token is not None:
                DirectAccessToken.objects.create(access_token=access_token, authorization_details=details)
            token["authorization_details"] = details
        grant_ids = getattr(request, "cds_grant_ids", None)
        if not grant_ids:
            return
        access_token = self.issued_access_token(token)
        if access_token is not None:
            grants.link_tokens(grant_ids=grant_ids, access_token=access_token)
        linked = OAuthGrant.objects.filter(pk__in=grant_ids).select_related("agreement")
        token["cds_grant_ids"] = [grant.agreement.number for grant in linked]
        token["authorization_details"] = [entry for grant in linked for entry in grants.echoed_details(grant)]
        usage_grants = [grant for grant in linked if ESPI_CONSENT_SCOPE in grant.scope.split()]
        if len(usage_grants) == 1:
            # Green Button Connect My Data (FB_3): where this token's data is, as ESPI clients expect.
            path = reverse("espi-batch-subscription", args=[usage_grants[0].agreement.number])
            token["resourceURI"] = settings.SITE_URL + path
