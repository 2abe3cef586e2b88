"""Agreement rules: invitations, agreements, extensions, move-out and expiry. Every state change
of the consent workflow happens here, in a transaction."""

from ._common import MAX_TERM_MONTHS, Actor, AgreementError, add_months, resolve_actor
from .agreements import (
    complete_one_time,
    end_agreements,
    expire_agreement_now,
    expire_invitation_now,
    move_out,
    terminate_agreement,
)
from .devices import remove_device
from .expiry import expire_due
from .extensions import (
    accept_extension_request,
    extend_agreement,
    reject_extension_request,
    request_extension,
    resend_extension_request,
)
from .invitation_checks import MISMATCH_MESSAGE
from .invitations import (
    accept_invitation,
    cancel_invitation,
    create_invitation,
    reject_invitation,
    resend_invitation,
)

__all__ = [
    "MAX_TERM_MONTHS",
    "MISMATCH_MESSAGE",
    "Actor",
    "AgreementError",
    "accept_extension_request",
    "accept_invitation",
    "add_months",
    "cancel_invitation",
    "complete_one_time",
    "create_invitation",
    "end_agreements",
    "expire_agreement_now",
    "expire_due",
    "expire_invitation_now",
    "extend_agreement",
    "move_out",
    "reject_extension_request",
    "reject_invitation",
    "request_extension",
    "resend_extension_request",
    "resend_invitation",
    "remove_device",
    "resolve_actor",
    "terminate_agreement",
]
