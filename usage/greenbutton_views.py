"""Green Button Download My Data, the customer's page: choose a period, get the ESPI XML file of
one premise they live (or lived) at."""

from datetime import timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from meters.models import Premise

from .greenbutton_download import DownloadRefused, customer_download

DEFAULT_DAYS = 30


class DownloadForm(forms.Form):
    start_date = forms.DateField(label="First day", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="Last day", widget=forms.DateInput(attrs={"type": "date"}))


@login_required
@require_GET
def green_button_download(request, esiid: str):
    """The form (GET without dates) or the file (GET with them: a download is safe to repeat)."""
    # The same 404 for an unknown premise and someone else's: nothing leaks.
    premise = Premise.objects.filter(esiid=esiid, occupancies__customer=request.user).distinct().first()
    if premise is None:
        raise Http404("No such premise of yours.")
    today = timezone.localdate()
    if "start_date" not in request.GET:
        form = DownloadForm(initial={"start_date": today - timedelta(days=DEFAULT_DAYS), "end_date": today})
        return _page(request, premise, form)
    form = DownloadForm(request.GET)
    if not form.is_valid():
        return _page(request, premise, form, status=400)
    try:
        name, chunks = customer_download(
            customer=request.user,
            premise=premise,
            first_day=form.cleaned_data["start_date"],
            last_day=form.cleaned_data["end_date"],
            base=request.build_absolute_uri("/espi/1_1/resource"),
        )
    except DownloadRefused as refused:
        field = next(iter(refused.fields), None)
        form.add_error(field, refused.message)
        return _page(request, premise, form, status=400)
    response = StreamingHttpResponse((chunk.encode() for chunk in chunks), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _page(request, premise, form, status: int = 200):
    occupancies = premise.occupancies.filter(customer=request.user).order_by("move_in")
    context = {"premise": premise, "form": form, "occupancies": occupancies}
    return render(request, "usage/green_button.html", context, status=status)
