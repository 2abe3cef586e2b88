"""Report pages under /reports/: a third party's requests (typed or uploaded ESIIDs), their
progress and per-ESIID outcome, schedules, delivery settings (admins edit them and test the
connection); a customer's "who read my data"."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from agreements import selectors as agreement_selectors
from agreements.forms import add_domain_error
from agreements.models import Agreement, DurationKind
from agreements.views.common import customer_required, page_of, third_party_required
from portal.models import ThirdPartyMembership

from . import selectors, services
from .delivery import destination_for
from .delivery_pgp import EXPIRY_WARNING_DAYS
from .delivery_sftp import fingerprint, login_public_key, parse_public_key_line
from .forms import DeliverySettingsForm, ReportRequestForm, ScheduleForm
from .models import ReportItem


def _is_admin(user) -> bool:
    membership = getattr(user, "third_party_membership", None)
    return membership is not None and membership.role == ThirdPartyMembership.Role.ADMIN


@third_party_required
def request_list(request, third_party):
    return render(
        request,
        "reports/request_list.html",
        {"page": page_of(request, selectors.requests_for_third_party(third_party)), "third_party": third_party},
    )


@third_party_required
@require_http_methods(["GET", "POST"])
def request_create(request, third_party):
    form = ReportRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.create_report_request(
                by=request.user,
                third_party=third_party,
                kind=data["kind"],
                format=data["format"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                esiids=data["esiids"],
                esiid_file=form.esiid_lines(),
            )
        except services.ReportError as error:
            add_domain_error(form, error)  # each refused ESIID with its reason, under the field
            if error.fields:
                form.add_error(None, error.message)
        else:
            rejected = report.items.filter(status=ReportItem.Status.REJECTED).count()
            note = (
                f" {rejected} ESIID{'s' if rejected != 1 else ''} could not be included (see below)."
                if rejected
                else ""
            )
            messages.success(
                request, f"Report {report.number} is queued: {report.esiids_total} file(s) to deliver.{note}"
            )
            return redirect("reports:detail", number=report.number)
    today = timezone.localdate()
    return render(request, "reports/request_form.html", {"form": form, "third_party": third_party, "today": today})


@third_party_required
def request_detail(request, third_party, number: str):
    report = selectors.requests_for_third_party(third_party).filter(number=number).first()
    if report is None:
        raise Http404("No such report.")
    items = report.items.order_by("status", "pk")
    return render(
        request,
        "reports/request_detail.html",
        {"report": report, "page": page_of(request, items), "refresh": not report.is_finished},
    )


@third_party_required
def schedule_list(request, third_party):
    return render(
        request,
        "reports/schedule_list.html",
        {"page": page_of(request, selectors.schedules_for_third_party(third_party)), "third_party": third_party},
    )


def _schedulable_agreements(third_party):
    return [
        agreement
        for agreement in agreement_selectors.agreements_for_third_party(third_party).filter(
            status=Agreement.Status.ACTIVE, agreement_type="energy_data", duration_kind=DurationKind.CONTINUOUS
        )
        if agreement.ends_at and agreement.ends_at > timezone.now()
    ]


@third_party_required
@require_http_methods(["GET", "POST"])
def schedule_create(request, third_party):
    form = ScheduleForm(request.POST or None, agreements=_schedulable_agreements(third_party))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            schedule = services.create_schedule(
                by=request.user,
                third_party=third_party,
                agreement=data["agreement"],
                kind=data["kind"],
                format=data["format"],
                esiids=[entry.raw for entry in services.parse_typed_esiids(data["esiids"])] or None,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
        except services.ReportError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Scheduled until {schedule.ends_on:%Y-%m-%d}.")
            return redirect("reports:schedule-list")
    return render(request, "reports/schedule_form.html", {"form": form, "third_party": third_party})


@third_party_required
@require_POST
def schedule_cancel(request, third_party, pk: int):
    schedule = selectors.schedules_for_third_party(third_party).filter(pk=pk).first()
    if schedule is None:
        raise Http404("No such schedule.")
    try:
        services.cancel_schedule(by=request.user, third_party=third_party, schedule=schedule)
    except services.ReportError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The schedule is cancelled; no more files will be made by it.")
    return redirect("reports:schedule-list")


@third_party_required
@require_http_methods(["GET", "POST"])
def delivery_settings(request, third_party):
    """Everyone of the third party sees where files go; only its admins change it."""
    destination = destination_for(third_party)
    is_admin = _is_admin(request.user)
    if request.method == "POST" and not is_admin:
        raise PermissionDenied("Only an admin of your company may change its delivery settings.")
    initial = {
        "backend": destination.backend,
        "host": destination.host,
        "port": destination.port,
        "username": destination.username,
        "folder": destination.folder if destination.pk else "",
        "host_key": destination.ssh_host_key,
    }
    form = DeliverySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_delivery_settings(by=request.user, third_party=third_party, **form.cleaned_data)
        except services.ReportError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Delivery settings saved. Test the connection to be sure.")
            return redirect("reports:delivery")
    return render(
        request,
        "reports/delivery_settings.html",
        {
            "form": form,
            "destination": destination,
            "is_admin": is_admin,
            "third_party": third_party,
            **_key_facts(destination),
        },
    )


def _key_facts(destination) -> dict:
    """What the page shows of the keys: MeterGate's SFTP login key, the pinned host key's
    fingerprint, the PGP key's fingerprint and whether it expires soon (or has)."""
    facts = {"login_public_key": login_public_key(destination), "host_key_fingerprint": ""}
    if destination.ssh_host_key:
        key_type, blob = parse_public_key_line(destination.ssh_host_key)
        facts["host_key_fingerprint"] = f"{key_type} {fingerprint(blob)}"
    expires = destination.pgp_expires_at
    now = timezone.now()
    facts["pgp_expired"] = bool(destination.pgp_public_key and expires and expires <= now)
    facts["pgp_expires_soon"] = bool(
        destination.pgp_public_key and expires and now < expires <= now + timedelta(days=EXPIRY_WARNING_DAYS)
    )
    return facts


@third_party_required
@require_POST
def delivery_test(request, third_party):
    if not _is_admin(request.user):
        raise PermissionDenied("Only an admin of your company may test the delivery settings.")
    destination = services.test_delivery_settings(by=request.user, third_party=third_party)
    if destination.last_test_ok:
        messages.success(request, destination.last_test_message)
    else:
        messages.error(request, f"The connection test failed: {destination.last_test_message}")
    return redirect("reports:delivery")


@customer_required
def access_log(request):
    entries = selectors.access_log_for_customer(request.user)
    return render(
        request,
        "reports/access_log.html",
        {"page": page_of(request, entries), "months": selectors.CUSTOMER_LOG_MONTHS},
    )
