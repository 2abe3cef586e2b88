"""List paging the CDS way: at most 100 items, with absolute `next` / `previous` links
(WG1-02 §5.3). Filters take space-separated values and combine as an intersection."""

from datetime import datetime

from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode

from .errors import invalid

PAGE_SIZE = 100


def _link(request, param: str, page: int, extra: dict | None = None) -> str:
    query = request.GET.copy()
    query[param] = str(page)
    for key, value in (extra or {}).items():
        query[key] = value
    return request.build_absolute_uri(f"{request.path}?{urlencode(sorted(query.lists()), doseq=True)}")


def page_number(request, param: str = "page") -> int:
    raw = request.GET.get(param, "1")
    if not raw.isdigit() or int(raw) < 1 or int(raw) > 1_000_000:
        raise invalid(param, "Give a page number from 1.")
    return int(raw)


def paginate(request, queryset, *, param: str = "page", page: int | None = None, extra: dict | None = None):
    """(items, next, previous) for one page of `queryset` (already ordered)."""
    page = page or page_number(request, param)
    start = (page - 1) * PAGE_SIZE
    items = list(queryset[start : start + PAGE_SIZE + 1])
    more = len(items) > PAGE_SIZE
    next_link = _link(request, param, page + 1, extra) if more else None
    previous_link = _link(request, param, page - 1, extra) if page > 1 else None
    return items[:PAGE_SIZE], next_link, previous_link


def id_list(request, name: str) -> list[str] | None:
    """A space-separated filter, or None when it is not given."""
    raw = request.GET.get(name)
    return None if raw is None else raw.split()


def moment(request, name: str) -> datetime | None:
    raw = request.GET.get(name)
    if raw is None:
        return None
    try:
        value = parse_datetime(raw.replace(" ", "+"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise invalid(name, "Give a datetime with a time zone, e.g. 2026-01-01T00:00:00Z.")
    return value
