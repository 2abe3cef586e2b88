"""The consent receipt e-mail: what the customer approved, with links to the receipt page and to
revoke without logging in."""

from django.urls import reverse

from portal.notifications import absolute_url, send_templated_email

from . import consent_text
from .models import OAuthGrant


def receipt_context(grant: OAuthGrant) -> dict:
    agreement = grant.agreement
    return {
        "grant": grant,
        "agreement": agreement,
        "client": grant.client,
        "third_party": agreement.third_party,
        "sections": consent_text.sections(grant.authorization_details, now=agreement.accepted_at),
        "premises": [consent_text.premise_row(premise) for premise in agreement.premises.order_by("esiid")],
        "ends_on": consent_text.day(agreement.ends_at) if agreement.ends_at else "",
        "receipt_url": absolute_url(reverse("oauth-receipt", args=[grant.receipt_token])),
        "revoke_url": absolute_url(reverse("oauth-receipt-revoke", args=[grant.receipt_token])),
    }


def receipt(grant: OAuthGrant) -> None:
    send_templated_email(
        to=grant.agreement.customer.email, template="agreements/consent/email/receipt", context=receipt_context(grant)
    )
