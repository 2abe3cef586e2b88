"""The shared machinery of the CDS customer-data list APIs (WG3-01 §3.5): Bearer-token GET lists
answering `{<key>: [...], next, previous}` at most 100 a page, space-separated filters that
intersect, `cds_created` / `cds_modified` / `cds_synced` on every object, exact decimals.

What a token reaches is decided above this layer (`agreements.cds_reach`); a view here gets it from
`reach_for(request)` and asks it whether its API is open. Subclasses say which objects (`objects`)
and how each one reads (`represent`)."""

from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from . import paging
from .api import BearerHeaderAuthentication
from .errors import CdsError, invalid

TAG = "cds customer data"


def decimal_text(value) -> str | None:
    """Decimals as JSON strings: a float would lose their exact precision."""
    return None if value is None else str(value if isinstance(value, Decimal) else Decimal(value))


def stamps(instance, synced: datetime | None = None) -> dict:
    """The three CDS timestamps: when the row was made, changed, and last brought in from the
    utility's systems (provisioning or ingestion; the change time when we know no better)."""
    modified = getattr(instance, "updated_at", None) or instance.created_at
    return {"cds_created": instance.created_at, "cds_modified": modified, "cds_synced": synced or modified}


def ids_parameter(name: str, noun: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, description=f"Space-separated {noun} to keep; several filters intersect.")


PAGE = OpenApiParameter("page", int, description="Page number (at most 100 objects per page).")
Q_PARAMETER = OpenApiParameter("q", str, description="Free-text search.")


def date_filter(request, name: str) -> date | None:
    raw = request.GET.get(name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise invalid(name, "Give a date (YYYY-MM-DD) or a datetime.") from None


def numeric(values: list[str]) -> list[int]:
    """The values that can be our ids (ASCII digits that fit a bigint); others match nothing."""
    return [int(value) for value in values if value.isascii() and value.isdigit() and len(value) < 19]


def numeric_ids(request, name: str) -> list[int] | None:
    """A `cds_*_ids` filter: our ids are numbers, so any other value matches nothing."""
    values = paging.id_list(request, name)
    return None if values is None else numeric(values)


def filter_by(queryset: QuerySet, request, filters: dict[str, str]) -> QuerySet:
    """Apply each `param -> field` filter given (ids as numbers when the field is a primary key)."""
    for param, field in filters.items():
        values = numeric_ids(request, param) if param.startswith("cds_") or field.endswith("id") else None
        if values is None:
            values = paging.id_list(request, param)
        if values is not None:
            queryset = queryset.filter(**{f"{field}__in": values})
    return queryset


def search(queryset: QuerySet, request, fields: list[str]) -> QuerySet:
    text = (request.GET.get("q") or "").strip()
    if not text:
        return queryset
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": text})
    return queryset.filter(condition)


class HasToken(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.auth is not None


class CustomerDataListView(APIView):
    """One CDS customer-data list. Subclasses set `api` (the reach's key), `response_key`, and
    implement `reach_for`, `objects` (already limited to the reach, filtered, ordered) and
    `represent`."""

    authentication_classes = [BearerHeaderAuthentication]
    permission_classes = [HasToken]
    api = ""
    response_key = ""

    def reach_for(self, request):
        raise NotImplementedError

    def objects(self, request, reach):
        raise NotImplementedError

    def represent(self, request, item, reach) -> dict:
        raise NotImplementedError

    def prepare(self, request, items: list, reach) -> None:
        """Load what the page's objects refer to, once per page (override when needed)."""

    def record(self, request, items: list, reach) -> None:
        """Log the page's read in the access logs (the layer above knows who read under what)."""

    def get(self, request, *args, **kwargs):
        for name, values in request.GET.lists():
            if any("\x00" in value for value in values):  # no database takes NUL in a string
                raise invalid(name, "Remove the NUL character.")
        reach = self.reach_for(request)
        if not reach.opens(self.api):
            raise CdsError(
                "insufficient_scope", f"This token's grants give no access to {self.response_key}.", status_code=403
            )
        items, next_link, previous_link = paging.paginate(request, self.objects(request, reach))
        self.prepare(request, items, reach)
        self.record(request, items, reach)
        return Response(
            {
                self.response_key: [self.represent(request, item, reach) for item in items],
                "next": next_link,
                "previous": previous_link,
            }
        )
