"""Portal pages for CDS clients: the human registration page (`cds_human_registration`, the only
page with a captcha) and a third party's pages to manage its clients, secrets and messages."""

import json
from functools import wraps

from django.contrib import messages as flash
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.utils.encoders import JSONEncoder

from portal.models import OAuthClient, ThirdPartyMembership, User
from portal.views import role_required

from . import captcha, clients, credentials, messages, registration, representations, scopes
from .errors import CdsError
from .forms import ClientSettingsForm, ExpireCredentialForm, HumanRegistrationForm, MessageForm
from .models import ClientMessage, ClientRegistration


def _is_admin(user) -> bool:
    membership = getattr(user, "third_party_membership", None)
    return membership is not None and membership.role == ThirdPartyMembership.Role.ADMIN


def third_party_admin_required(view):
    """Members of a third party may look; only its admins may change anything."""

    @wraps(view)
    @role_required(User.Role.THIRD_PARTY)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and not _is_admin(request.user):
            return render(request, "portal/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _site(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@never_cache
@require_http_methods(["GET", "POST"])
def register(request):
    user = request.user if request.user.is_authenticated else None
    company = user.third_party if user is not None else None
    if company is not None and not _is_admin(user):
        return render(request, "portal/forbidden.html", status=403)
    question, token = ("", "") if company else captcha.new_challenge()
    form = HumanRegistrationForm(request.POST or None, company=company, captcha_question=question)
    if request.method == "POST" and form.is_valid():
        if company is None and not captcha.check(
            form.cleaned_data["captcha_token"], form.cleaned_data["captcha_answer"]
        ):
            form.add_error("captcha_answer", "That is not the answer; here is a new question.")
        else:
            try:
                registered = registration.register(
                    scope=form.scope_text(),
                    submitted=form.submitted(),
                    source=ClientRegistration.Source.HUMAN,
                    site=_site(request),
                    by=user,
                    third_party=company,
                    reveal_all=True,
                )
            except CdsError as error:
                form.add_error(None, error.message)
            else:
                return render(
                    request,
                    "portal/clients/registered.html",
                    {"registered": registered, "client_rows": _rows(registered.clients, registered.secrets)},
                )
    if company is None:
        # Every page shows a fresh question; a wrong or used answer never gets a second try.
        if form.is_bound:
            form.data = form.data.copy()
            form.data["captcha_token"], form.data["captcha_answer"] = token, ""
        else:
            form.initial["captcha_token"] = token
    return render(request, "portal/clients/register.html", {"form": form, "company": company})


def _rows(client_list, secrets: dict) -> list[dict]:
    return [
        {
            "client": client,
            "group": clients.GROUP_LABELS.get(clients.group_of(client), ""),
            "secret": secrets.get(client.client_id),
        }
        for client in client_list
    ]


def _clients_of(user):
    return OAuthClient.objects.filter(third_party=user.third_party, registration__isnull=False)


@role_required(User.Role.THIRD_PARTY)
def client_list(request):
    client_set = _clients_of(request.user).select_related("registration").order_by("registration_id", "pk")
    groups = {}
    for client in client_set:
        groups.setdefault(client.registration, []).append(
            {"client": client, "group": clients.GROUP_LABELS.get(clients.group_of(client), "")}
        )
    return render(
        request,
        "portal/clients/list.html",
        {"registrations": groups.items(), "is_admin": _is_admin(request.user)},
    )


@never_cache
@third_party_admin_required
@require_http_methods(["GET", "POST"])
def client_detail(request, client_id: str):
    client = get_object_or_404(_clients_of(request.user), client_id=client_id)
    code = clients.is_code_client(client)
    current = json.loads(json.dumps(representations.client_object(request, client), cls=JSONEncoder))
    initial = {
        "client_name": client.name,
        "redirect_uris": "\n".join(client.redirect_uris.split()),
        "client_uri": client.client_uri,
        "status": client.cds_status,
    }
    form = ClientSettingsForm(
        request.POST or None, initial=initial, status_choices=clients.status_options(client), code=code
    )
    if request.method == "POST" and form.is_valid():
        try:
            clients.update_client(client=client, data=form.as_object(current), current=current, site=_site(request))
        except CdsError as error:
            form.add_error(None, error.message)
        else:
            flash.success(request, "Client settings saved.")
            return redirect("cds-client-page", client_id=client.client_id)
    pending = client.registration.messages.filter(
        type=ClientMessage.Type.PRODUCTION_REQUEST, related_client=client, status=ClientMessage.Status.PENDING
    ).exists()
    context = {
        "client": client,
        "group": clients.GROUP_LABELS.get(clients.group_of(client), ""),
        "object": current,
        "form": form,
        "credentials": client.credentials.order_by("-created_at"),
        "is_admin": _is_admin(request.user),
        "can_request_production": client.is_sandbox and not pending and not client.production_clients.exists(),
        "production_pending": pending,
        "twins": client.production_clients.all(),
        "scope_descriptions": [
            scopes.SCOPES[scope] for scope in sorted(client.allowed_scope_set) if scope in scopes.SCOPES
        ],
    }
    return render(request, "portal/clients/detail.html", context)


@never_cache
@third_party_admin_required
@require_POST
def credential_create(request, client_id: str):
    client = get_object_or_404(_clients_of(request.user), client_id=client_id)
    credential, secret = credentials.create_credential(client=client)
    return render(request, "portal/clients/secret.html", {"client": client, "credential": credential, "secret": secret})


@third_party_admin_required
@require_http_methods(["GET", "POST"])
def credential_expire(request, client_id: str, credential_id: str):
    client = get_object_or_404(_clients_of(request.user), client_id=client_id)
    credential = get_object_or_404(client.credentials, credential_id=credential_id, revoked_at__isnull=True)
    form = ExpireCredentialForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials.revoke(credential=credential)
        flash.success(request, f"Secret …{credential.secret_hint} no longer works; its tokens are revoked.")
        return redirect("cds-client-page", client_id=client.client_id)
    return render(request, "portal/clients/expire.html", {"client": client, "credential": credential, "form": form})


def _admin_client(registration_object: ClientRegistration) -> OAuthClient:
    return registration_object.clients.get(allowed_scopes=scopes.CLIENT_ADMIN)


@third_party_admin_required
@require_POST
def production_request(request, client_id: str):
    client = get_object_or_404(_clients_of(request.user), client_id=client_id)
    try:
        messages.send_from_client(
            client=_admin_client(client.registration),
            data={
                "type": ClientMessage.Type.PRODUCTION_REQUEST,
                "previous_uri": None,
                "name": f"Production access for {client.name}",
                "description": f"Requested by {request.user.email} on the client page.",
                "related_uri": reverse("cds-client", args=[client.client_id]),
            },
        )
    except CdsError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, "Production access requested: MeterGate staff will answer in your messages.")
    return redirect("cds-client-page", client_id=client.client_id)


@third_party_admin_required
@require_http_methods(["GET", "POST"])
def message_list(request):
    registrations = ClientRegistration.objects.filter(third_party=request.user.third_party).order_by("-created_at")
    chosen = registrations.filter(pk=request.POST.get("registration") or request.GET.get("registration")).first()
    chosen = chosen or registrations.first()
    form = MessageForm(request.POST or None)
    if request.method == "POST" and chosen is not None and form.is_valid():
        try:
            messages.send_from_client(client=_admin_client(chosen), data={**form.cleaned_data, "previous_uri": None})
        except CdsError as error:
            form.add_error(None, error.message)
        else:
            flash.success(request, "Message sent.")
            return redirect(f"{reverse('cds-message-page-list')}?registration={chosen.pk}")
    listed = chosen.messages.select_related("previous").order_by("-updated_at")[:200] if chosen else []
    context = {
        "registrations": registrations,
        "chosen": chosen,
        "form": form,
        "outstanding": [item for item in listed if item.is_outstanding],
        "unread": [item for item in listed if not item.read],
        "read": [item for item in listed if item.read],
    }
    return render(request, "portal/clients/messages.html", context)


@third_party_admin_required
@require_POST
def message_mark(request, message_id: str):
    message = get_object_or_404(
        ClientMessage.objects.filter(Q(registration__third_party=request.user.third_party)), message_id=message_id
    )
    messages.set_read(message=message, read=request.POST.get("read") == "1")
    return redirect(f"{reverse('cds-message-page-list')}?registration={message.registration_id}")
