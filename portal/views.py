"""Account pages: login (Django's view behind the brute-force lock), registration and activation,
the landing page by role, dashboards, ratings. Logout and password reset are Django's views (see
account_urls)."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from meters import selectors as meter_selectors

from . import selectors, services, smt_tokens
from .errors import AccountError
from .forms import LockingAuthenticationForm, RatingForm, RegistrationForm
from .models import ThirdParty, ThirdPartyRating, User

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def safe_next_url(request, url: str | None) -> str:
    """`url` when it points back into this site, else "" (no open redirects)."""
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and allowed else ""


def role_required(role: str):
    """Only logged-in users of `role` may see the page: anonymous users go to the login page,
    any other role gets 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if request.user.role != role:
                return render(request, "portal/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class LoginView(auth_views.LoginView):
    """Django's login page; while the account or the address is locked it answers 403."""

    authentication_form = LockingAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "locked"):
            response.status_code = 403
        return response


def home(request):
    """The landing page: each kind of user to their own start page."""
    if not request.user.is_authenticated:
        return redirect("login")
    role = request.user.role
    if role == User.Role.STAFF:
        return redirect("admin:index")
    if role == User.Role.THIRD_PARTY:
        return redirect("third-party-dashboard")
    return redirect("customer-dashboard")


@require_http_methods(["GET", "POST"])
def register(request):
    next_url = safe_next_url(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated:
        return redirect(next_url or "home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.register_customer(
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["full_name"],
            password=form.cleaned_data["password1"],
            next_url=next_url,
        )
        return redirect("register-done")
    return render(request, "portal/register.html", {"form": form, "next": next_url})


def register_done(request):
    return render(request, "portal/register_done.html", {"activation_days": settings.ACCOUNT_ACTIVATION_DAYS})


@require_http_methods(["GET", "POST"])
def activate(request, token: str):
    """GET shows a confirm button and changes nothing, so mail scanners that open links cannot
    use them up; POST activates, logs in and goes on to `next` or the dashboard."""
    try:
        if request.method == "GET":
            user = services.check_activation_token(token)
            return render(request, "portal/activate.html", {"account": user})
        user, next_url = services.activate_account(token=token)
    except AccountError as error:
        return render(request, "portal/activation_invalid.html", {"error": error}, status=400)
    login(request, user, backend=MODEL_BACKEND)
    messages.success(request, "Your account is active. Welcome to MeterGate.")
    return redirect(safe_next_url(request, next_url) or "home")


@role_required(User.Role.CUSTOMER)
def customer_dashboard(request):
    occupancies = list(meter_selectors.occupancies_for_customer(request.user))
    context = {
        "current_occupancies": [occupancy for occupancy in occupancies if occupancy.move_out is None],
        "past_occupancies": [occupancy for occupancy in occupancies if occupancy.move_out is not None],
        "home_tools_signed_in": smt_tokens.live_tokens(user=request.user).count(),
    }
    return render(request, "portal/customer_dashboard.html", context)


@role_required(User.Role.CUSTOMER)
@require_POST
def sign_out_home_tools(request):
    """Revoke every Smart Meter Texas API token of the customer (a lost or shared device)."""
    signed_out = smt_tokens.revoke_tokens(user=request.user)
    messages.success(request, f"Signed out {signed_out} home tool{'s' if signed_out != 1 else ''}.")
    return redirect("customer-dashboard")


@role_required(User.Role.THIRD_PARTY)
def third_party_dashboard(request):
    third_party = request.user.third_party
    context = {
        "third_party": third_party,
        "rating": selectors.rating_summary(third_party),
        "memberships": third_party.memberships.select_related("user").order_by("role", "user__email"),
    }
    return render(request, "portal/third_party_dashboard.html", context)


@role_required(User.Role.CUSTOMER)
@require_http_methods(["GET", "POST"])
def rate_third_party(request, third_party_id: int):
    third_party = get_object_or_404(ThirdParty, pk=third_party_id, is_active=True)
    existing = ThirdPartyRating.objects.filter(customer=request.user, third_party=third_party).first()
    initial = {"stars": existing.stars, "comment": existing.comment} if existing else None
    form = RatingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.rate_third_party(
                by=request.user,
                third_party=third_party,
                stars=form.cleaned_data["stars"],
                comment=form.cleaned_data["comment"],
            )
        except AccountError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Thank you: your rating of {third_party.name} is saved.")
            next_url = safe_next_url(request, request.POST.get("next"))
            return redirect(next_url or reverse("rate-third-party", args=[third_party.pk]))
    context = {
        "third_party": third_party,
        "form": form,
        "existing": existing,
        "rating": selectors.rating_summary(third_party),
        "next": safe_next_url(request, request.POST.get("next") or request.GET.get("next")),
    }
    return render(request, "portal/rate_third_party.html", context)
