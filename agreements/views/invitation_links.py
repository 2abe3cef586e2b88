"""The pages behind the invitation e-mail's Accept and Reject links. They need no account to
open: Accept asks an anonymous visitor to log in or register and come back; Reject works with
the link alone."""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from portal.selectors import rating_summary

from .. import services
from ..emails import duration_text
from ..forms import ReasonForm, add_domain_error
from ..models import AgreementInvitation


def _invitation(token: str) -> AgreementInvitation:
    return get_object_or_404(
        AgreementInvitation.objects.select_related("third_party").prefetch_related("premises"), token=token
    )


def _context(invitation: AgreementInvitation, **extra) -> dict:
    return {
        "invitation": invitation,
        "third_party": invitation.third_party,
        "duration": duration_text(invitation),
        "esiids": sorted(premise.esiid for premise in invitation.premises.all()),
        "rating": rating_summary(invitation.third_party),
        **extra,
    }


@require_http_methods(["GET", "POST"])
def invitation_respond(request, token: str):
    """Accept: anonymous visitors get Log in / Register (both come back here); the invited
    customer gets the confirmation; anybody else is told the invitation is not theirs."""
    invitation = _invitation(token)
    here = request.get_full_path()
    user = request.user
    if not user.is_authenticated:
        return render(
            request,
            "agreements/invitation_respond.html",
            _context(
                invitation,
                login_url=f"{reverse('login')}?{urlencode({'next': here})}",
                register_url=f"{reverse('register')}?{urlencode({'next': here})}",
            ),
        )
    if user.pk != invitation.customer_id:
        return render(request, "agreements/invitation_not_yours.html", status=403)
    error = None
    if request.method == "POST":
        try:
            agreement = services.accept_invitation(by=user, invitation=invitation)
        except services.AgreementError as refusal:
            error = refusal.message
        else:
            return redirect("agreements:accepted", number=agreement.number)
    return render(request, "agreements/invitation_respond.html", _context(invitation, error=error))


def invitation_accepted(request, number: str):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
    invitation = AgreementInvitation.objects.filter(
        customer=request.user, status=AgreementInvitation.Status.ACCEPTED, agreement__number=number
    ).first()
    if invitation is None:
        raise Http404("No such agreement.")
    return render(request, "agreements/accepted.html", _context(invitation, agreement=invitation.agreement))


@require_http_methods(["GET", "POST"])
def invitation_reject(request, token: str):
    invitation = _invitation(token)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reject_invitation(
                by=request.user if request.user.is_authenticated else None,
                invitation=invitation,
                reason=form.cleaned_data["reason"],
                token=token,
            )
        except services.AgreementError as error:
            add_domain_error(form, error)
        else:
            return render(request, "agreements/rejected.html", _context(invitation))
    return render(request, "agreements/invitation_reject.html", _context(invitation, form=form))


def open_invitation(request, number: str):
    """From the customer's list: the same page as the e-mail's Accept link."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
    invitation = AgreementInvitation.objects.filter(customer=request.user, number=number).first()
    if invitation is None:
        raise Http404("No such invitation.")
    return redirect("agreements:invitation-respond", token=invitation.token)
