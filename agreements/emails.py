"""The e-mails of the consent workflow: who gets which message, with what in it. Sent through
`portal.notifications` (a Celery task once the transaction commits)."""

from django.urls import reverse

from portal.notifications import absolute_url, send_templated_email
from portal.selectors import rating_summary

from .models import Agreement, AgreementInvitation, DurationKind, ExtensionRequest


def duration_text(subject: AgreementInvitation | Agreement) -> str:
    """The duration in plain words, as the customer reads it."""
    if getattr(subject, "source", "") == Agreement.Source.DIRECT:
        return "Direct access approved by MeterGate staff, until its end or until staff revoke it"
    if subject.agreement_type != "energy_data":
        return "Until the device is removed or the agreement is terminated"
    if subject.duration_kind == DurationKind.ONE_TIME:
        kind = getattr(subject, "one_time_kind", "") or (subject.data_kinds or [""])[0]
        words = {"interval": "15-minute interval usage", "daily": "daily usage", "monthly": "monthly usage"}
        return f"One-time access to your {words.get(kind, 'usage')}"
    months = subject.months or 0
    return f"Continuous access for {months} month{'s' if months != 1 else ''}"


def _third_party_recipients(third_party, *extra_users) -> list[str]:
    recipients = [third_party.contact_email]
    for user in extra_users:
        if user is not None and user.email not in recipients:
            recipients.append(user.email)
    return recipients


def invitation_sent(invitation: AgreementInvitation, *, reminder: bool = False) -> None:
    third_party = invitation.third_party
    send_templated_email(
        to=invitation.customer.email,
        template="agreements/email/invitation",
        context={
            "invitation": invitation,
            "reminder": reminder,
            "third_party": third_party,
            "agreement_type": invitation.get_agreement_type_display(),
            "duration": duration_text(invitation),
            "esiids": [premise.esiid for premise in invitation.premises.order_by("esiid")],
            "rating": rating_summary(third_party),
            "accept_url": absolute_url(reverse("agreements:invitation-respond", args=[invitation.token])),
            "reject_url": absolute_url(reverse("agreements:invitation-reject", args=[invitation.token])),
        },
    )


def invitation_rejected(invitation: AgreementInvitation) -> None:
    context = {
        "invitation": invitation,
        "third_party": invitation.third_party,
        "agreement_type": invitation.get_agreement_type_display(),
        "esiids": [premise.esiid for premise in invitation.premises.order_by("esiid")],
    }
    send_templated_email(
        to=invitation.customer.email, template="agreements/email/invitation_rejected_customer", context=context
    )
    send_templated_email(
        to=_third_party_recipients(invitation.third_party, invitation.created_by),
        template="agreements/email/invitation_rejected_third_party",
        context={**context, "url": absolute_url(reverse("agreements:invitation-list"))},
    )


def _agreement_context(agreement: Agreement) -> dict:
    return {
        "agreement": agreement,
        "third_party": agreement.third_party,
        "agreement_type": agreement.get_agreement_type_display(),
        "duration": duration_text(agreement),
        "esiids": [premise.esiid for premise in agreement.premises.order_by("esiid")],
        "url": absolute_url(reverse("agreements:detail", args=[agreement.number])),
    }


def agreement_started(agreement: Agreement) -> None:
    context = _agreement_context(agreement)
    send_templated_email(to=agreement.customer.email, template="agreements/email/agreement_started", context=context)
    send_templated_email(
        to=_third_party_recipients(agreement.third_party, getattr(agreement.invitation, "created_by", None)),
        template="agreements/email/agreement_started_third_party",
        context=context,
    )


def agreement_ended(agreement: Agreement) -> None:
    """Both sides learn that (and why) an agreement ended early (direct access has no customer to tell)."""
    context = _agreement_context(agreement)
    if agreement.customer_id is not None:
        send_templated_email(to=agreement.customer.email, template="agreements/email/agreement_ended", context=context)
    send_templated_email(
        to=_third_party_recipients(agreement.third_party), template="agreements/email/agreement_ended", context=context
    )


def agreement_extended(agreement: Agreement, *, months: int) -> None:
    context = {**_agreement_context(agreement), "months": months}
    # Separate messages: neither side sees the other's address.
    send_templated_email(to=agreement.customer.email, template="agreements/email/agreement_extended", context=context)
    send_templated_email(
        to=_third_party_recipients(agreement.third_party),
        template="agreements/email/agreement_extended",
        context=context,
    )


def extension_requested(extension_request: ExtensionRequest, *, reminder: bool = False) -> None:
    agreement = extension_request.agreement
    send_templated_email(
        to=agreement.customer.email,
        template="agreements/email/extension_requested",
        context={
            **_agreement_context(agreement),
            "extension_request": extension_request,
            "reminder": reminder,
            "url": absolute_url(reverse("agreements:extension-respond", args=[extension_request.pk])),
        },
    )


def extension_rejected(extension_request: ExtensionRequest) -> None:
    agreement = extension_request.agreement
    send_templated_email(
        to=_third_party_recipients(agreement.third_party, extension_request.requested_by),
        template="agreements/email/extension_rejected",
        context={**_agreement_context(agreement), "extension_request": extension_request},
    )
