"""The Grants API's list (WG1-02 §8.1): a registration's grants of both kinds as one queryset of
agreements, consent grants (an `OAuthGrant`) and direct-access grants (a `DirectAccessApproval`,
no customer) alike, filtered by the list's parameters and newest change first."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest

from portal.cds import paging

from .models import AggregationSubGrant, Agreement

DIRECT = Q(source=Agreement.Source.DIRECT)


def grants_of(registration) -> QuerySet[Agreement]:
    """Every grant of the registration's clients: consent grants and direct-access grants."""
    return (
        Agreement.objects.filter(
            Q(grant__client__registration=registration) | Q(direct_access__client__registration=registration)
        )
        .select_related("grant__client", "direct_access__client")
        .prefetch_related("direct_access__sub_grants")
        .annotate(modified=Greatest(Coalesce("grant__modified_at", "direct_access__updated_at"), "updated_at"))
    )


def _status_q(status: str, now) -> Q:
    """The Grant status of either kind, as `grants.status_of` and `direct_access.status_of` read it."""
    live = Q(status=Agreement.Status.ACTIVE) & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))
    waiting = Exists(
        AggregationSubGrant.objects.filter(approval_id=OuterRef("pk")).exclude(status=AggregationSubGrant.Status.ACTIVE)
    )
    started = Q(starts_at__lte=now)
    terminated = Q(status=Agreement.Status.TERMINATED)
    customer, third_party = Agreement.EndedBy.CUSTOMER, Agreement.EndedBy.THIRD_PARTY
    return {
        "active": live & ((~DIRECT & Q(grant__requested_scope="")) | (DIRECT & started & ~waiting)),
        "future": live & DIRECT & ~started,
        "needs_sub_grants": live & DIRECT & started & waiting,
        "needs_authorization": live & ~DIRECT & ~Q(grant__requested_scope=""),
        "expired": Q(status=Agreement.Status.EXPIRED) | Q(status=Agreement.Status.ACTIVE, ends_at__lte=now),
        "revoked": terminated & Q(ended_by_role=customer),
        "closed": terminated & Q(ended_by_role=third_party),
        "disabled": terminated & ~Q(ended_by_role__in=[customer, third_party]),
    }.get(status, Q(pk__in=[]))


def _scope_q(scope: str) -> Q:
    condition = Q(pk__in=[])
    for field in ("grant__scope", "direct_access__scope"):
        condition |= (
            Q(**{field: scope})
            | Q(**{f"{field}__startswith": f"{scope} "})
            | Q(**{f"{field}__endswith": f" {scope}"})
            | Q(**{f"{field}__contains": f" {scope} "})
        )
    return condition


def filtered(queryset: QuerySet[Agreement], request, now) -> QuerySet[Agreement]:
    """The list's filters: grant_ids, client_ids, receipt_confirmations, parents, statuses, scopes,
    after and before (creation)."""
    for name, fields in (
        ("grant_ids", ("number__in",)),
        ("client_ids", ("grant__client__client_id__in", "direct_access__client__client_id__in")),
        ("receipt_confirmations", ("grant__receipt_confirmation__in",)),
    ):
        values = paging.id_list(request, name)
        if values is not None:
            condition = Q(pk__in=[])
            for field in fields:
                condition |= Q(**{field: values})
            queryset = queryset.filter(condition)
    if paging.id_list(request, "parents") is not None:
        queryset = queryset.none()  # only sub-grants have a parent; they are read by id
    for name, build in (("statuses", lambda value: _status_q(value, now)), ("scopes", _scope_q)):
        values = paging.id_list(request, name)
        if values is not None:
            condition = Q(pk__in=[])
            for value in values:
                condition |= build(value)
            queryset = queryset.filter(condition)
    after, before = paging.moment(request, "after"), paging.moment(request, "before")
    if after:
        queryset = queryset.filter(created_at__gte=after)
    if before:
        queryset = queryset.filter(created_at__lte=before)
    return queryset.order_by("-modified", "-pk")
