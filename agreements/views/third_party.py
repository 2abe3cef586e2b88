"""The third party's pages: invite, list and export invitations and agreements, resend, cancel,
request and resend extensions."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import selectors, services
from ..emails import duration_text
from ..exports import agreement_rows, csv_response, invitation_rows
from ..filters import AgreementFilter, InvitationFilter
from ..forms import InvitationForm, MonthsForm, add_domain_error
from ..models import AgreementEvent, ExtensionRequest
from .common import page_of, query_without_page, third_party_required


def _own_invitation(third_party, number: str):
    invitation = selectors.invitations_for_third_party(third_party).filter(number=number).first()
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation


@third_party_required
def invitation_list(request, third_party):
    filterset = InvitationFilter(request.GET, queryset=selectors.invitations_for_third_party(third_party))
    return render(
        request,
        "agreements/invitation_list.html",
        {
            "filter": filterset,
            "page": page_of(request, filterset.qs),
            "query": query_without_page(request),
            "third_party": third_party,
        },
    )


@third_party_required
@require_http_methods(["GET", "POST"])
def invitation_create(request, third_party):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.create_invitation(by=request.user, third_party=third_party, **form.cleaned_data)
        except services.AgreementError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Invitation {invitation.number} was e-mailed to the customer.")
            return redirect("agreements:invitation-detail", number=invitation.number)
    return render(request, "agreements/invitation_form.html", {"form": form, "third_party": third_party})


@third_party_required
def invitation_detail(request, third_party, number: str):
    invitation = _own_invitation(third_party, number)
    return render(
        request,
        "agreements/invitation_detail.html",
        {
            "invitation": invitation,
            "duration": duration_text(invitation),
            "events": AgreementEvent.objects.filter(invitation=invitation).select_related(
                "actor_user", "actor_third_party"
            ),
            "agreement": getattr(invitation, "agreement", None),
        },
    )


@third_party_required
@require_POST
def invitation_resend(request, third_party, number: str):
    invitation = _own_invitation(third_party, number)
    try:
        services.resend_invitation(by=request.user, third_party=third_party, invitation=invitation)
    except services.AgreementError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Invitation {invitation.number} was sent again.")
    return redirect("agreements:invitation-detail", number=invitation.number)


@third_party_required
@require_POST
def invitation_cancel(request, third_party, number: str):
    invitation = _own_invitation(third_party, number)
    try:
        services.cancel_invitation(by=request.user, third_party=third_party, invitation=invitation)
    except services.AgreementError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Invitation {invitation.number} was cancelled.")
    return redirect("agreements:invitation-detail", number=invitation.number)


@third_party_required
def invitation_export(request, third_party):
    filterset = InvitationFilter(request.GET, queryset=selectors.invitations_for_third_party(third_party))
    return csv_response(invitation_rows(filterset.qs), "invitations")


@third_party_required
def agreement_export(request, third_party):
    filterset = AgreementFilter(request.GET, queryset=selectors.agreements_for_third_party(third_party))
    return csv_response(agreement_rows(filterset.qs), "agreements")


@third_party_required
@require_http_methods(["GET", "POST"])
def request_extension(request, third_party, number: str):
    agreement = selectors.agreements_for_third_party(third_party).filter(number=number).first()
    if agreement is None:
        raise Http404("No such agreement.")
    form = MonthsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_extension(
                by=request.user, third_party=third_party, agreement=agreement, months=form.cleaned_data["months"]
            )
        except services.AgreementError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "The extension request was e-mailed to the customer.")
            return redirect("agreements:detail", number=agreement.number)
    return render(request, "agreements/request_extension.html", {"agreement": agreement, "form": form})


@third_party_required
@require_POST
def extension_resend(request, third_party, pk: int):
    extension_request = (
        ExtensionRequest.objects.filter(pk=pk, agreement__third_party=third_party).select_related("agreement").first()
    )
    if extension_request is None:
        raise Http404("No such extension request.")
    try:
        services.resend_extension_request(by=request.user, third_party=third_party, extension_request=extension_request)
    except services.AgreementError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The extension request was sent again.")
    return redirect("agreements:detail", number=extension_request.agreement.number)
