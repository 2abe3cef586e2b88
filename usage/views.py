"""The customer's usage pages: their homes, and per home a chart (15 minutes, days, months) of the
energy used and sent back, its estimated cost, a table, CSV downloads from the usage API, and the
meter's latest on-demand read with a button to ask for one."""

from datetime import datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from agreements import access
from meters.models import Occupancy, Premise
from portal.models import User
from portal.views import role_required

from .chart import DAILY, INTERVAL, RESOLUTIONS, usage_figures
from .forms import UsagePeriodForm
from .services import UsageError, ondemand
from .services.costs import ESTIMATE_NOTE

customer_required = role_required(User.Role.CUSTOMER)
TABLE_INTERVAL_DAYS = 7  # a longer 15-minute view lists days in its table: the chart shows the detail
CSV_ROUTES = {INTERVAL: "usage-intervals", DAILY: "usage-daily", "monthly": "usage-monthly"}


@customer_required
@require_GET
def usage_home(request):
    """The homes the customer lives or lived at; straight to the only one when there is one."""
    occupancies = list(
        Occupancy.objects.filter(customer=request.user).select_related("premise").order_by("move_out", "-move_in")
    )
    premises = {occupancy.premise_id for occupancy in occupancies}
    if len(premises) == 1:
        return redirect("usage:premise", occupancies[0].premise.esiid)
    return render(request, "usage/usage_list.html", {"occupancies": occupancies})


@customer_required
@require_GET
def usage_premise(request, esiid: str):
    premise = _customer_premise(request.user, esiid)
    zone = ZoneInfo(premise.time_zone)
    today = timezone.localtime(timezone.now(), zone).date()
    form = UsagePeriodForm.for_request(request.GET, today)
    figures = table = None
    if form.is_valid():
        resolution, first, last = (form.cleaned_data[name] for name in ("view", "start", "end"))
        start, end = _midnight(first, zone), _midnight(last + timedelta(days=1), zone)
        windows = access.customer_windows(customer=request.user, premises=[premise], start=start, end=end)
        if premise.pk in windows:
            figures = usage_figures(premise=premise, windows=windows[premise.pk], resolution=resolution)
            long_interval_view = resolution == INTERVAL and (last - first).days >= TABLE_INTERVAL_DAYS
            table = figures.regrouped(DAILY) if long_interval_view else figures
        else:
            form.add_error(None, "You did not live here in those days: pick days of your stay.")
    resolution = form.cleaned_data.get("view", INTERVAL) if form.is_valid() else _asked_view(request)
    context = {
        "premise": premise,
        "form": form,
        "figures": figures,
        "table": table,
        "chart": figures.chart() if figures else None,
        "resolution": resolution,
        "views": [(key, label, _query(view=key)) for key, label in RESOLUTIONS.items()],
        "csv_links": _csv_links(premise, form) if figures else [],
        "stays": premise.occupancies.filter(customer=request.user).order_by("move_in"),
        "lives_here": _lives_here(request.user, premise, today),
        "latest_read": ondemand.latest_read(premise=premise),
        "estimate_note": ESTIMATE_NOTE,
        "query": request.GET.urlencode(),
    }
    return render(request, "usage/usage_premise.html", context, status=200 if form.is_valid() else 400)


@customer_required
@require_POST
def read_meter_now(request, esiid: str):
    """Ask the meter for its register now (at most two requests an hour per home, whoever asks)."""
    premise = _customer_premise(request.user, esiid)
    try:
        ondemand.request_read(by=request.user, premise=premise)
    except UsageError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Your meter is being read. The answer shows here in a minute or so.")
    # Back to the same view and dates; re-encoded, so only a query string can follow our own path.
    query = QueryDict(request.POST.get("query", "")).urlencode()
    url = reverse("usage:premise", args=[premise.esiid])
    return redirect(f"{url}?{query}" if query else url)


def _customer_premise(customer, esiid: str) -> Premise:
    # The same 404 for an unknown ESIID and someone else's home: nothing leaks.
    premise = Premise.objects.filter(esiid=esiid, occupancies__customer=customer).distinct().first()
    if premise is None:
        raise Http404("No such premise of yours.")
    return premise


def _lives_here(customer, premise: Premise, today) -> bool:
    return Occupancy.objects.current().filter(customer=customer, premise=premise, move_in__lte=today).exists()


def _midnight(day, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _asked_view(request) -> str:
    view = request.GET.get("view")
    return view if view in RESOLUTIONS else INTERVAL


def _query(**values) -> str:
    return "?" + urlencode(values)


def _csv_links(premise: Premise, form: UsagePeriodForm) -> list[tuple[str, str]]:
    """The usage API's CSV of the period, for each kind of read (the session signs the request)."""
    period = {"start": form.cleaned_data["start"].isoformat(), "end": form.cleaned_data["end"].isoformat()}
    labels = {INTERVAL: "15-minute reads", DAILY: "Daily register reads", "monthly": "Billing-cycle reads"}
    return [
        (labels[kind], reverse(route, args=[premise.esiid]) + _query(**period, format="csv"))
        for kind, route in CSV_ROUTES.items()
    ]
