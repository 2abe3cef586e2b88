"""The customer's answer to an aggregation consent request (a sub-grant of direct access): the
e-mail's link opens it; only the customer asked may answer."""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from ..services import AgreementError, direct_access


def aggregation_consent(request, token: str):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
    try:
        sub_grant = direct_access.sub_grant_for(by=request.user, token=token)
    except AgreementError:
        raise Http404("No such consent request.") from None
    answer = request.POST.get("answer")
    if request.method == "POST" and answer in ("consent", "decline"):
        sub_grant = direct_access.answer_sub_grant(by=request.user, sub_grant=sub_grant, consent=answer == "consent")
    approval = sub_grant.approval
    return render(
        request,
        "agreements/direct/aggregation_consent.html",
        {"sub_grant": sub_grant, "third_party": approval.agreement.third_party, "purpose": approval.purpose},
    )
