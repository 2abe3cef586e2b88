"""The customer's own actions: extending an agreement and answering an extension request."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import services
from ..forms import MonthsForm, ReasonForm, add_domain_error
from ..models import Agreement, ExtensionRequest
from .common import customer_required


@customer_required
@require_http_methods(["GET", "POST"])
def agreement_extend(request, number: str):
    agreement = Agreement.objects.filter(customer=request.user, number=number).select_related("third_party").first()
    if agreement is None:
        raise Http404("No such agreement.")
    form = MonthsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.extend_agreement(by=request.user, agreement=agreement, months=form.cleaned_data["months"])
        except services.AgreementError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Agreement {agreement.number} was extended.")
            return redirect("agreements:detail", number=agreement.number)
    return render(request, "agreements/extend.html", {"agreement": agreement, "form": form})


@customer_required
@require_http_methods(["GET", "POST"])
def extension_respond(request, pk: int):
    extension_request = (
        ExtensionRequest.objects.filter(pk=pk, agreement__customer=request.user)
        .select_related("agreement__third_party")
        .first()
    )
    if extension_request is None:
        raise Http404("No such extension request.")
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("answer") == "accept":
                services.accept_extension_request(by=request.user, extension_request=extension_request)
                messages.success(request, "You accepted the extension.")
            else:
                services.reject_extension_request(
                    by=request.user, extension_request=extension_request, reason=form.cleaned_data["reason"]
                )
                messages.success(request, "You rejected the extension; the agreement ends as planned.")
        except services.AgreementError as error:
            add_domain_error(form, error)
        else:
            return redirect("agreements:detail", number=extension_request.agreement.number)
    return render(
        request,
        "agreements/extension_respond.html",
        {"extension_request": extension_request, "agreement": extension_request.agreement, "form": form},
    )
