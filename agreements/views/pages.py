"""Pages both sides share (agreement list and detail, termination) that show each side its own."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import cds_reach, selectors, services
from ..emails import duration_text
from ..filters import AgreementFilter
from ..forms import ReasonForm, add_domain_error
from ..models import Agreement
from .common import page_of, query_without_page


def _side(user) -> str:
    if user.is_staff:
        raise PermissionDenied("Staff manage agreements in the admin.")
    third_party = user.third_party
    if third_party is not None:
        if not third_party.is_active:
            raise PermissionDenied("Your company's account is not active.")
        return "third_party"
    return "customer"


def _own_agreement(user, number: str) -> Agreement:
    """The agreement, if it is the user's (customer) or their company's; else 404."""
    if _side(user) == "third_party":
        queryset = selectors.agreements_for_third_party(user.third_party)
    else:
        queryset = selectors.agreements_for_customer(user)
    agreement = queryset.filter(number=number).first()
    if agreement is None:
        raise Http404("No such agreement.")
    return agreement


@login_required
def agreement_list(request):
    if _side(request.user) == "third_party":
        third_party = request.user.third_party
        filterset = AgreementFilter(request.GET, queryset=selectors.agreements_for_third_party(third_party))
        return render(
            request,
            "agreements/third_party_list.html",
            {
                "filter": filterset,
                "page": page_of(request, filterset.qs),
                "query": query_without_page(request),
                "third_party": third_party,
            },
        )
    q = request.GET.get("q", "")
    return render(
        request,
        "agreements/customer_list.html",
        {
            "q": q,
            "page": page_of(request, selectors.agreements_for_customer(request.user, q=q)),
            "query": query_without_page(request),
            "invitations": selectors.pending_invitations_for_customer(request.user),
            "extension_requests": selectors.pending_extension_requests_for_customer(request.user),
            "aggregation_consents": selectors.pending_aggregation_consents_for_customer(request.user),
        },
    )


@login_required
def agreement_detail(request, number: str):
    agreement = _own_agreement(request.user, number)
    side = _side(request.user)
    pending = selectors.pending_extension_request(agreement)
    if side == "third_party":
        actions = selectors.third_party_actions(agreement, pending)
    else:
        actions = selectors.customer_actions(agreement)
    return render(
        request,
        "agreements/detail.html",
        {
            "agreement": agreement,
            "side": side,
            "actions": actions,
            "pending_extension": pending,
            "duration": duration_text(agreement),
            "events": selectors.history(agreement),
            "premises": agreement.premises.prefetch_related("meters").order_by("esiid"),
            # A CDS grant: which customer-data sets its company can read (WG3-01 APIs).
            "data_sets": cds_reach.grant_data_sets(agreement.grant) if hasattr(agreement, "grant") else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_terminate(request, number: str):
    agreement = _own_agreement(request.user, number)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.terminate_agreement(by=request.user, agreement=agreement, reason=form.cleaned_data["reason"])
        except services.AgreementError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Agreement {agreement.number} was terminated.")
            return redirect("agreements:detail", number=agreement.number)
    return render(request, "agreements/terminate.html", {"agreement": agreement, "form": form})
