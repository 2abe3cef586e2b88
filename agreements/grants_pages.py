"""A third party's page of the grants its OAuth clients hold (each is also in its agreements)."""

from django.shortcuts import render

from .models import OAuthGrant
from .services import grants
from .views.common import page_of, third_party_required


@third_party_required
def grant_list(request, third_party):
    queryset = (
        OAuthGrant.objects.filter(agreement__third_party=third_party)
        .select_related("agreement", "client")
        .prefetch_related("agreement__premises")
        .order_by("-created_at")
    )
    page = page_of(request, queryset)
    rows = [{"grant": grant, "status": grants.status_of(grant)} for grant in page]
    return render(request, "agreements/consent/grant_list.html", {"page": page, "rows": rows})
