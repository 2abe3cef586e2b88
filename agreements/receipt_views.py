"""Pages that need no login: the consent receipt (a random URL, never indexed) with its revoke
link, and the default redirect page for clients without their own redirect endpoint."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import grant_emails
from .models import OAuthGrant
from .services import AgreementError, grants

OAUTH_ERRORS = {
    "access_denied": "You declined, so nothing is shared.",
    "invalid_request": "The application sent an incomplete request.",
    "invalid_scope": "The application asked for something MeterGate does not offer.",
    "invalid_authorization_details": "The application asked for something MeterGate does not offer.",
    "no_preselections": "None of your service points matched what the application asked for.",
}


def _private(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _grant(token: str) -> OAuthGrant:
    grant = (
        OAuthGrant.objects.select_related("agreement__third_party", "agreement__customer", "client")
        .filter(receipt_token=token)
        .first()
    )
    if grant is None:
        raise Http404("No such receipt.")
    return grant


@never_cache
def receipt(request, token: str):
    grant = _grant(token)
    context = {**grant_emails.receipt_context(grant), "status": grants.status_of(grant)}
    return _private(render(request, "agreements/consent/receipt.html", context))


@never_cache
@require_http_methods(["GET", "POST"])
def receipt_revoke(request, token: str):
    """GET asks to confirm (mail scanners open links; they must not revoke anything); POST revokes."""
    grant = _grant(token)
    error = ""
    if request.method == "POST":
        try:
            grants.revoke_from_receipt(grant=grant, receipt_token=token)
        except AgreementError as problem:
            error = problem.message
        else:
            return redirect("oauth-receipt", token=token)
    context = {**grant_emails.receipt_context(grant), "status": grants.status_of(grant), "error": error}
    return _private(render(request, "agreements/consent/revoke.html", context))


@never_cache
def default_redirect(request):
    """The redirect URI MeterGate gives every code client (WG1-02 §4.2): after an approval it
    shows the receipt, otherwise what went wrong."""
    code = request.GET.get("code")
    if code:
        linked = grants.code_grants(code)
        if linked:
            return redirect("oauth-receipt", token=linked[0].receipt_token)
    error = request.GET.get("error", "")
    context = {
        "error": error,
        "explanation": OAUTH_ERRORS.get(error, request.GET.get("error_description", "")),
        "done": bool(code),
    }
    return _private(render(request, "agreements/consent/default_redirect.html", context, status=400 if error else 200))
