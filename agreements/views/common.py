"""What the agreement pages share: who may see them and how a list is paged."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator

PAGE_SIZE = 50


def third_party_required(view):
    """Logged-in users of an active third party; the company is passed to the view."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        third_party = request.user.third_party
        if third_party is None or not third_party.is_active:
            raise PermissionDenied("Only users of an active third party may see this page.")
        return view(request, third_party, *args, **kwargs)

    return wrapper


def customer_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.user.is_staff or request.user.third_party is not None:
            raise PermissionDenied("Only customers may see this page.")
        return view(request, *args, **kwargs)

    return wrapper


def page_of(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
