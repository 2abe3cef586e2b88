"""Portal pages of "my energy contract" (seed 000): a customer enters, changes or ends the tariff of
a premise they live at, so their usage can be shown as an estimated cost."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from meters.selectors import premises_for_customer
from portal.models import User
from portal.views import role_required

from .contract_forms import MAP_PREFIX, NO_PEAK, PEAK_HOURS, EndContractForm, EnergyContractForm, initial_from_tariff
from .models import Tariff, TouMap
from .services import UsageError
from .services import tariffs as tariff_services
from .services.costs import ESTIMATE_NOTE

customer_required = role_required(User.Role.CUSTOMER)


@customer_required
def contract_overview(request):
    """Each home of the customer: the tariff in force today and the ones the customer entered."""
    homes = []
    for premise in premises_for_customer(request.user).select_related("label_partner"):
        today = timezone.localtime(timezone.now(), ZoneInfo(premise.time_zone)).date()
        holders = Q(premise=premise)
        if premise.label_partner_id:
            holders |= Q(label_partner_id=premise.label_partner_id)
        tariffs = list(Tariff.objects.filter(holders).select_related("tou_map").order_by("-valid_from"))
        in_force = _in_force(tariffs, premise, today)
        own = [tariff for tariff in tariffs if tariff.source == Tariff.Source.CUSTOMER and tariff.premise_id]
        homes.append({"premise": premise, "in_force": in_force, "own": own, "today": today})
    return render(request, "usage/contract_overview.html", {"homes": homes, "note": ESTIMATE_NOTE})


@customer_required
@require_http_methods(["GET", "POST"])
def contract_create(request, esiid: str):
    premise = _own_premise(request.user, esiid)
    form = EnergyContractForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid() and _save(request, form, premise=premise):
        messages.success(request, "Your energy contract is saved.")
        return redirect("usage:contract")
    return render(request, "usage/contract_form.html", {"form": form, "premise": premise, "note": ESTIMATE_NOTE})


@customer_required
@require_http_methods(["GET", "POST"])
def contract_edit(request, pk: int):
    tariff = _own_tariff(request.user, pk)
    form = EnergyContractForm(request.POST or None, initial=initial_from_tariff(tariff))
    if request.method == "POST" and form.is_valid() and _save(request, form, premise=tariff.premise, tariff=tariff):
        messages.success(request, "Your energy contract is changed.")
        return redirect("usage:contract")
    context = {"form": form, "premise": tariff.premise, "tariff": tariff, "note": ESTIMATE_NOTE}
    return render(request, "usage/contract_form.html", context)


@customer_required
@require_http_methods(["GET", "POST"])
def contract_end(request, pk: int):
    tariff = _own_tariff(request.user, pk)
    form = EndContractForm(request.POST or None, initial={"valid_to": tariff.valid_to or timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            tariff_services.end_customer_tariff(by=request.user, tariff=tariff, valid_to=form.cleaned_data["valid_to"])
        except UsageError as error:
            form.add_error("valid_to", error.message)
        else:
            messages.success(request, "Your energy contract is ended.")
            return redirect("usage:contract")
    return render(request, "usage/contract_end.html", {"form": form, "tariff": tariff})


def _save(request, form: EnergyContractForm, *, premise, tariff: Tariff | None = None) -> bool:
    """Save through the service; a refusal becomes form errors. True when saved."""
    try:
        fields = {**form.tariff_fields(), "tou_map": _tou_map(form, premise)}
        tariff_services.save_customer_tariff(by=request.user, premise=premise, tariff=tariff, **fields)
    except UsageError as error:
        placed = False
        for name, problems in error.fields.items():
            if name in form.fields:
                form.add_error(name, problems[0] if problems else error.message)
                placed = True
        if not placed or error.code == "overlap":  # the overlap's message names the other tariff
            form.add_error(None, error.message)
        return False
    return True


def _tou_map(form: EnergyContractForm, premise) -> TouMap | None:
    choice = form.cleaned_data["peak_choice"]
    if choice == NO_PEAK:
        return None
    if choice == PEAK_HOURS:
        return tariff_services.peak_hours_map(
            start=form.cleaned_data["peak_start"],
            end=form.cleaned_data["peak_end"],
            weekdays_only=form.cleaned_data["peak_weekdays_only"],
            time_zone=premise.time_zone,
        )
    return TouMap.objects.get(code=choice.removeprefix(MAP_PREFIX))


def _own_premise(user, esiid: str):
    premise = premises_for_customer(user).filter(esiid=esiid).first()
    if premise is None:
        raise Http404("No premise of yours has this ESIID.")
    return premise


def _own_tariff(user, pk: int) -> Tariff:
    try:
        return tariff_services.customer_tariff(by=user, tariff_id=pk)
    except UsageError:
        raise Http404("No such tariff of yours.") from None


def _in_force(tariffs: list[Tariff], premise, today) -> Tariff | None:
    """The tariff used for costs today: the home's own first, then its label partner's."""
    valid = [tariff for tariff in tariffs if tariff.valid_from <= today and (tariff.valid_to or today) >= today]
    own = [tariff for tariff in valid if tariff.premise_id == premise.pk]
    return (own or valid or [None])[0]
