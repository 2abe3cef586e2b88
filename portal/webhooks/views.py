"""Webhook pages of a third party: its endpoints, the secret shown once, the delivery log with
response codes, "send test event". Every member of the third party may look; only its admins
change anything (an agent sees no buttons and gets 403 on any change). Another company's
endpoint is a 404."""

import json
from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ..models import ThirdPartyMembership, User
from ..views import role_required
from . import delivery, selectors, services
from .forms import EndpointForm
from .models import WebhookDelivery, WebhookEndpoint
from .services import WebhookError
from .signing import TOLERANCE_SECONDS

LOG_PAGE_SIZE = 25


def _is_admin(user) -> bool:
    return user.third_party_membership.role == ThirdPartyMembership.Role.ADMIN


def admin_only(view):
    @wraps(view)
    @role_required(User.Role.THIRD_PARTY)
    def wrapper(request, *args, **kwargs):
        if not _is_admin(request.user):
            return render(request, "portal/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _endpoint(request, endpoint_id: int) -> WebhookEndpoint:
    return get_object_or_404(selectors.endpoints_for(request.user.third_party), pk=endpoint_id)


def _form_errors(form, error: WebhookError) -> None:
    for field, problems in error.fields.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)
    if not error.fields:
        form.add_error(None, error.message)


@role_required(User.Role.THIRD_PARTY)
def endpoint_list(request):
    context = {
        "endpoints": selectors.endpoints_for(request.user.third_party),
        "is_admin": _is_admin(request.user),
    }
    return render(request, "portal/webhooks/list.html", context)


@admin_only
@require_http_methods(["GET", "POST"])
def endpoint_create(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.register_endpoint(
                by=request.user, third_party=request.user.third_party, **form.cleaned_data
            )
        except WebhookError as error:
            _form_errors(form, error)
        else:
            return _show_secret(request, endpoint, secret, created=True)
    return render(request, "portal/webhooks/form.html", {"form": form})


def _show_secret(request, endpoint, secret: str, *, created: bool):
    # Rendered in the POST's answer, never stored where it could be shown again.
    context = {"endpoint": endpoint, "secret": secret, "created": created, "tolerance": TOLERANCE_SECONDS}
    response = render(request, "portal/webhooks/secret.html", context)
    response["Cache-Control"] = "no-store"
    return response


@role_required(User.Role.THIRD_PARTY)
def endpoint_detail(request, endpoint_id: int):
    endpoint = _endpoint(request, endpoint_id)
    page = Paginator(selectors.delivery_log(endpoint), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "endpoint": endpoint,
        "page": page,
        "is_admin": _is_admin(request.user),
        "backoff_first": int(delivery.BACKOFF_BASE.total_seconds()),
    }
    return render(request, "portal/webhooks/detail.html", context)


@admin_only
@require_http_methods(["GET", "POST"])
def endpoint_edit(request, endpoint_id: int):
    endpoint = _endpoint(request, endpoint_id)
    initial = {"url": endpoint.url, "description": endpoint.description, "events": endpoint.events}
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_endpoint(by=request.user, endpoint=endpoint, **form.cleaned_data)
        except WebhookError as error:
            _form_errors(form, error)
        else:
            messages.success(request, "The endpoint is saved.")
            return redirect("webhooks:detail", endpoint.pk)
    return render(request, "portal/webhooks/form.html", {"form": form, "endpoint": endpoint})


@admin_only
@require_POST
def endpoint_rotate(request, endpoint_id: int):
    endpoint, secret = services.rotate_secret(by=request.user, endpoint=_endpoint(request, endpoint_id))
    return _show_secret(request, endpoint, secret, created=False)


@admin_only
@require_POST
def endpoint_test(request, endpoint_id: int):
    endpoint = _endpoint(request, endpoint_id)
    try:
        services.send_test_event(by=request.user, endpoint=endpoint)
    except WebhookError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "A test event is on its way; its outcome appears in the log below.")
    return redirect("webhooks:detail", endpoint.pk)


@admin_only
@require_POST
def endpoint_toggle(request, endpoint_id: int):
    endpoint = _endpoint(request, endpoint_id)
    if endpoint.is_active:
        services.disable_endpoint(by=request.user, endpoint=endpoint)
        messages.success(request, "The endpoint is disabled: no events are sent to it.")
    else:
        services.enable_endpoint(by=request.user, endpoint=endpoint)
        messages.success(request, "The endpoint is enabled again.")
    return redirect("webhooks:detail", endpoint.pk)


@admin_only
@require_http_methods(["GET", "POST"])
def endpoint_delete(request, endpoint_id: int):
    endpoint = _endpoint(request, endpoint_id)
    if request.method == "POST":
        services.delete_endpoint(by=request.user, endpoint=endpoint)
        messages.success(request, f"The endpoint {endpoint.url} is deleted.")
        return redirect("webhooks:list")
    return render(request, "portal/webhooks/delete.html", {"endpoint": endpoint})


@role_required(User.Role.THIRD_PARTY)
def delivery_detail(request, endpoint_id: int, delivery_id):
    endpoint = _endpoint(request, endpoint_id)
    sent = get_object_or_404(WebhookDelivery, endpoint=endpoint, pk=delivery_id)
    context = {
        "endpoint": endpoint,
        "delivery": sent,
        "body": json.dumps(json.loads(delivery.body_of(sent)), indent=2, ensure_ascii=False),
        "attempts": sent.attempt_log.order_by("number"),
    }
    return render(request, "portal/webhooks/delivery.html", context)
