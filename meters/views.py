"""Portal pages for in-home (HAN) devices, under /devices/. Customers see and manage the devices
at the premises they live at; third parties those named by their device agreements, with the
request history and HAN messages. Someone else's device is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from agreements import services as agreement_services
from agreements.forms import add_domain_error
from agreements.views.common import customer_required, page_of, query_without_page, third_party_required
from portal.errors import DomainError

from . import selectors, services
from .forms import (
    CustomerRemoveForm,
    DeviceAddForm,
    HistoryFilterForm,
    MessageFilterForm,
    MessageForm,
    ThirdPartyRemoveForm,
)
from .models import InHomeDevice

DEVICE_AGREEMENT = "in_home_device"


def _third_party(user):
    """The user's active third party, None for a customer; staff use the admin."""
    if user.is_staff:
        raise PermissionDenied("Staff see devices in the admin.")
    third_party = user.third_party
    if third_party is not None and not third_party.is_active:
        raise PermissionDenied("Your company's account is not active.")
    return third_party


def _own_device(user, pk: int) -> InHomeDevice:
    third_party = _third_party(user)
    if third_party is not None:
        devices = selectors.devices_for_third_party(third_party)
    else:
        devices = selectors.devices_for_customer(user)
    device = devices.filter(pk=pk).first()
    if device is None:
        raise Http404("No such device.")
    return device


@login_required
def device_list(request):
    third_party = _third_party(request.user)
    if third_party is not None:
        devices = selectors.devices_for_third_party(third_party)
        return render(request, "meters/third_party_list.html", {"page": page_of(request, devices)})
    devices = list(selectors.devices_for_customer(request.user))
    premises = [
        (premise, [device for device in devices if device.premise_id == premise.pk])
        for premise in selectors.premises_for_customer(request.user)
    ]
    return render(request, "meters/customer_list.html", {"premises": premises})


@customer_required
@require_http_methods(["GET", "POST"])
def device_add(request):
    premises = selectors.premises_for_customer(request.user)
    data = request.POST if request.method == "POST" else None
    form = DeviceAddForm(data, premises=premises, initial={"premise": request.GET.get("premise")})
    if request.method == "POST" and form.is_valid():
        try:
            device = services.add_device(by=request.user, **form.cleaned_data)
        except services.MeterError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"{device} was added; your meter is asked to let it join.")
            return redirect("devices:detail", pk=device.pk)
    return render(request, "meters/add.html", {"form": form, "has_premises": premises.exists()})


def _detail_context(request, device: InHomeDevice, message_form=None) -> dict:
    third_party = _third_party(request.user)
    context = {
        "device": device,
        "side": "third_party" if third_party else "customer",
        "viewer_id": third_party.pk if third_party else None,
    }
    if third_party is None:
        context["events"] = selectors.history_for_customer(request.user, device=device)[:50]
        return context
    may_message = selectors.devices_for_third_party(third_party, services_only=True).filter(pk=device.pk).exists()
    context.update(
        events=selectors.history_for_third_party(third_party, device=device)[:50],
        messages_page=page_of(request, selectors.messages_for_third_party(third_party, device=device)),
        may_message=may_message and device.status == InHomeDevice.Status.JOINED,
        message_form=message_form or MessageForm(),
    )
    return context


@login_required
def device_detail(request, pk: int):
    device = _own_device(request.user, pk)
    return render(request, "meters/detail.html", _detail_context(request, device))


@login_required
@require_POST
def device_resend(request, pk: int):
    device = _own_device(request.user, pk)
    try:
        services.resend_device_add(by=request.user, device=device)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"The request to add {device.mac} was sent again.")
    return redirect("devices:detail", pk=device.pk)


@login_required
@require_http_methods(["GET", "POST"])
def device_remove(request, pk: int):
    device = _own_device(request.user, pk)
    third_party = _third_party(request.user)
    agreements = device.active_agreements
    data = request.POST if request.method == "POST" else None
    if third_party is not None:
        form = ThirdPartyRemoveForm(data)
    else:
        asks = any(agreement.agreement_type == DEVICE_AGREEMENT for agreement in agreements)
        form = CustomerRemoveForm(data) if asks else None
    if request.method == "POST" and (form is None or form.is_valid()):
        answers = form.cleaned_data if form is not None else {}
        try:
            agreement_services.remove_device(by=request.user, device=device, third_party=third_party, **answers)
        except DomainError as error:
            if form is None:
                messages.error(request, error.message)
            else:
                add_domain_error(form, error)
        else:
            messages.success(request, f"{device} is being removed from the home area network.")
            return redirect("devices:detail", pk=device.pk)
    return render(
        request,
        "meters/remove.html",
        {
            "device": device,
            "form": form,
            "agreements": agreements,
            "side": "third_party" if third_party else "customer",
        },
    )


@third_party_required
@require_POST
def message_send(request, third_party, pk: int):
    device = _own_device(request.user, pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.send_han_message(by=request.user, third_party=third_party, device=device, **form.cleaned_data)
        except services.MeterError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "The message is on its way to the device.")
            return redirect("devices:detail", pk=device.pk)
    return render(request, "meters/detail.html", _detail_context(request, device, message_form=form), status=400)


@login_required
def history(request):
    third_party = _third_party(request.user)
    form = HistoryFilterForm(request.GET or None)
    if third_party is not None:
        events = selectors.history_for_third_party(third_party, **form.filters())
    else:
        events = selectors.history_for_customer(request.user, **form.filters())
    return render(
        request,
        "meters/history.html",
        {
            "form": form,
            "page": page_of(request, events),
            "query": query_without_page(request),
            "side": "third_party" if third_party else "customer",
            "viewer_id": third_party.pk if third_party else None,
        },
    )


@third_party_required
def message_list(request, third_party):
    form = MessageFilterForm(request.GET or None)
    return render(
        request,
        "meters/messages.html",
        {
            "form": form,
            "page": page_of(request, selectors.messages_for_third_party(third_party, **form.filters())),
            "query": query_without_page(request),
        },
    )
