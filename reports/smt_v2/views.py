"""/reports/smt-api/: a third party's SMT v2 API set-up. Everyone of the company sees it; its
admins change the Service ID, DUNS and allowed addresses and create or disable API users."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from agreements.forms import add_domain_error
from agreements.views.common import third_party_required
from portal.models import ThirdPartyMembership

from ..models_smt import SmtApiSettings, SmtApiUser
from . import accounts
from .services import SmtError


class SettingsForm(forms.Form):
    service_id = forms.CharField(label="Service ID (requestorID)", max_length=64)
    duns = forms.CharField(label="DUNS (requesterAuthenticationID)", max_length=13)
    allowed_networks = forms.CharField(
        label="Allowed caller addresses",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="IP addresses or CIDR ranges, one a line; empty allows any address.",
    )


class ApiUserForm(forms.Form):
    email = forms.EmailField(label="E-mail (the API username)")
    full_name = forms.CharField(label="Name", max_length=200, required=False)


def _is_admin(user) -> bool:
    membership = getattr(user, "third_party_membership", None)
    return membership is not None and membership.role == ThirdPartyMembership.Role.ADMIN


@third_party_required
@require_http_methods(["GET", "POST"])
def smt_api(request, third_party):
    own = SmtApiSettings.objects.filter(third_party=third_party).first()
    is_admin = _is_admin(request.user)
    initial = {"service_id": own.service_id, "duns": own.duns, "allowed_networks": own.allowed_networks} if own else {}
    settings_form = SettingsForm(request.POST if "save_settings" in request.POST else None, initial=initial)
    user_form = ApiUserForm(request.POST if "create_user" in request.POST else None)
    if request.method == "POST" and not is_admin:
        raise PermissionDenied("Only an admin of your company may change its SMT API set-up.")
    if "save_settings" in request.POST and settings_form.is_valid():
        try:
            accounts.save_settings(by=request.user, third_party=third_party, **settings_form.cleaned_data)
        except SmtError as error:
            add_domain_error(settings_form, error)
        else:
            messages.success(request, "SMT API settings saved.")
            return redirect("smt-v2-setup")
    if "create_user" in request.POST and user_form.is_valid():
        try:
            api_user, password = accounts.create_api_user(
                by=request.user, third_party=third_party, **user_form.cleaned_data
            )
        except SmtError as error:
            add_domain_error(user_form, error)
        else:
            messages.success(
                request, f"API user {api_user.user.email} created. Its password, shown only now: {password}"
            )
            return redirect("smt-v2-setup")
    api_users = SmtApiUser.objects.filter(third_party=third_party).select_related("user").order_by("user__email")
    context = {
        "third_party": third_party,
        "own": own,
        "is_admin": is_admin,
        "settings_form": settings_form,
        "user_form": user_form,
        "api_users": api_users,
    }
    return render(request, "reports/smt_api.html", context)


@third_party_required
@require_POST
def smt_api_user_active(request, third_party, pk: int):
    api_user = get_object_or_404(SmtApiUser, pk=pk, third_party=third_party)
    active = request.POST.get("active") == "1"
    try:
        accounts.set_active(by=request.user, third_party=third_party, api_user=api_user, active=active)
    except SmtError as error:
        raise PermissionDenied(error.message) from error
    messages.success(request, f"{api_user.user.email} {'enabled' if active else 'disabled'}.")
    return redirect("smt-v2-setup")
