"""What every agreement service shares: the domain error, who is acting, the audit record,
calendar arithmetic and locking an active agreement."""

import calendar
from dataclasses import dataclass
from datetime import datetime

from portal.errors import DomainError
from portal.models import ThirdParty, User

from ..models import Agreement, AgreementEvent

# The longest a term may run after the latest acceptance, and how far back data may be read.
MAX_TERM_MONTHS = 12
HISTORY_MONTHS = 12
ONE_TIME_DAYS = 30
EXTENSION_VALID_DAYS = 30


class AgreementError(DomainError):
    pass


def not_found(what: str) -> AgreementError:
    # The same answer for "does not exist" and "is somebody else's": nothing leaks.
    return AgreementError("not_found", f"No such {what}.", status_code=404)


@dataclass(frozen=True)
class Actor:
    """Who acts: a customer, a third party (its user or its API client), the utility's staff or
    MeterGate itself (provisioning, expiry)."""

    user: User | None
    third_party: ThirdParty | None
    role: str

    @property
    def is_customer(self) -> bool:
        return self.role == Agreement.EndedBy.CUSTOMER

    @property
    def is_third_party(self) -> bool:
        return self.role == Agreement.EndedBy.THIRD_PARTY


def resolve_actor(by: User | None, third_party: ThirdParty | None = None) -> Actor:
    """`third_party` names the company acting when there is no user (an API client's token) or
    confirms the user's own; a user of another company may not act for it."""
    if third_party is not None:
        if by is not None and not by.is_staff and by.third_party != third_party:
            raise AgreementError("forbidden", "You do not work for this third party.", status_code=403)
        return Actor(user=by, third_party=third_party, role=Agreement.EndedBy.THIRD_PARTY)
    if by is None:
        return Actor(user=None, third_party=None, role=Agreement.EndedBy.SYSTEM)
    if by.is_staff:
        return Actor(user=by, third_party=None, role=Agreement.EndedBy.UTILITY)
    if by.third_party is not None:
        return Actor(user=by, third_party=by.third_party, role=Agreement.EndedBy.THIRD_PARTY)
    return Actor(user=by, third_party=None, role=Agreement.EndedBy.CUSTOMER)


def require_third_party(actor: Actor, owner_id: int, what: str) -> None:
    if not actor.is_third_party:
        raise AgreementError("forbidden", "Only the third party may do this.", status_code=403)
    if actor.third_party.pk != owner_id:
        raise not_found(what)
    if not actor.third_party.is_active:
        raise AgreementError("third_party_inactive", "Your company's account is not active.", status_code=403)


def require_customer(actor: Actor, customer_id: int, what: str) -> None:
    if not actor.is_customer:
        raise AgreementError("forbidden", "Only the customer may do this.", status_code=403)
    if actor.user.pk != customer_id:
        raise not_found(what)


def event(*, action: str, actor: Actor | None, at: datetime, detail: str = "", **subject) -> AgreementEvent:
    """An unsaved audit record; callers save it or bulk-create many."""
    return AgreementEvent(
        action=action,
        actor_user=actor.user if actor else None,
        actor_third_party=actor.third_party if actor else None,
        at=at,
        detail=detail[:500],
        **subject,
    )


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (or earlier), on the month's last day if it is shorter."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def clean_months(value) -> int:
    try:
        months = int(value)
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= MAX_TERM_MONTHS:
        raise AgreementError("invalid_months", "Choose 1 to 12 months.", fields={"months": ["Choose 1 to 12 months."]})
    return months


def lock_agreement(agreement: Agreement) -> Agreement:
    # Only the agreement's row is locked (`of`): its customer is an outer join (direct access has none).
    return (
        Agreement.objects.select_for_update(of=("self",)).select_related("third_party", "customer").get(pk=agreement.pk)
    )


def ensure_active(agreement: Agreement) -> None:
    if agreement.status != Agreement.Status.ACTIVE:
        raise AgreementError(
            "not_active", f"This agreement is {agreement.get_status_display().lower()}.", status_code=409
        )
