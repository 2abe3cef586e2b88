"""Direct-access grants as the Grants API shows them (WG1-02 §8, WG3-01 §3.7): a staff approval is
the Grant a direct-access token names in `cds_grant_ids` (its agreement's number; status `active`, or
`needs_sub_grants` while customers of a small aggregation have not all consented); its aggregation
sub-grants are its children (`cds_aggregation_consent`, no customer named). Direct grants are listed
with the consent grants and read by id; staff change them, the client may only close one (the
Grants API's PATCH), and a sub-grant is its customer's to answer."""

from django.urls import reverse

from .models import AggregationSubGrant, DirectAccessApproval
from .services import direct_access

SUB_PREFIX = "SUB-"
AGGREGATED = ("cds_query_usage", "cds_query_aggregations")
SUB_STATUSES = {
    AggregationSubGrant.Status.NEEDS_AUTHORIZATION: "needs_authorization",
    AggregationSubGrant.Status.ACTIVE: "active",
    AggregationSubGrant.Status.DECLINED: "revoked",
}


def find(request, *, registration, grant_id: str) -> dict | None:
    """The Grant object of a direct-access approval or sub-grant of this registration's clients."""
    if grant_id.startswith(SUB_PREFIX) and grant_id[len(SUB_PREFIX) :].isdigit():
        sub_grant = (
            AggregationSubGrant.objects.filter(
                pk=int(grant_id[len(SUB_PREFIX) :]), approval__client__registration=registration
            )
            .select_related("approval__client", "approval__agreement")
            .first()
        )
        return sub_grant and _sub_grant_object(request, sub_grant)
    approval = approval_for(registration=registration, grant_id=grant_id)
    return approval and approval_object(request, approval)


def approval_for(*, registration, grant_id: str) -> DirectAccessApproval | None:
    """The direct-access approval of this registration's clients whose agreement has this number."""
    return (
        DirectAccessApproval.objects.filter(agreement__number=grant_id, client__registration=registration)
        .select_related("client", "agreement")
        .prefetch_related("sub_grants")
        .first()
    )


def is_sub_grant_id(grant_id: str) -> bool:
    return grant_id.startswith(SUB_PREFIX)


def _base(request, grant_id: str, client) -> dict:
    return {
        "grant_id": grant_id,
        "uri": request.build_absolute_uri(reverse("cds-grant", args=[grant_id])),
        "replacing": [],
        "replaced_by": [],
        "eta": None,
        "client_id": client.client_id,
        "cds_client_uri": request.build_absolute_uri(reverse("cds-client", args=[client.client_id])),
        "receipt_confirmations": [],
    }


def approval_object(request, approval: DirectAccessApproval) -> dict:
    """The Grant object of a direct-access approval (its sub-grants prefetched keep a list cheap)."""
    agreement = approval.agreement
    status = direct_access.status_of(approval)
    details = [
        {"type": scope, **({"aggregation_numbers": approval.aggregation_numbers} if scope in AGGREGATED else {})}
        for scope in approval.scope.split()
    ]
    live = status in ("active", "needs_sub_grants")
    return _base(request, agreement.number, approval.client) | {
        "parent": None,
        "children": [f"{SUB_PREFIX}{pk}" for pk in sorted(item.pk for item in approval.sub_grants.all())],
        "created": agreement.created_at,
        "modified": max(approval.updated_at, agreement.updated_at),
        "not_before": agreement.starts_at,
        "not_after": agreement.ends_at,
        "expires": agreement.ends_at,
        "status": status,
        "scope": approval.scope,
        "authorization_details": details,
        "enabled_scope": approval.scope if live else "",
        "enabled_authorization_details": details if live else [],
    }


def _sub_grant_object(request, sub_grant: AggregationSubGrant) -> dict:
    approval = sub_grant.approval
    status = SUB_STATUSES[sub_grant.status]
    details = [{"type": "cds_aggregation_consent", "aggregation_numbers": [sub_grant.aggregation_number]}]
    return _base(request, f"{SUB_PREFIX}{sub_grant.pk}", approval.client) | {
        "parent": approval.agreement.number,
        "children": [],
        "created": sub_grant.created_at,
        "modified": sub_grant.answered_at or sub_grant.created_at,
        "not_before": None,
        "not_after": approval.agreement.ends_at,
        "expires": approval.agreement.ends_at,
        "status": status,
        "scope": "cds_aggregation_consent",
        "authorization_details": details,
        "enabled_scope": "cds_aggregation_consent" if status == "active" else "",
        "enabled_authorization_details": details if status == "active" else [],
    }
