"""What the report services share: the domain error, who acts, local days as instants."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agreements.services import add_months
from portal.errors import DomainError
from portal.models import ThirdParty, ThirdPartyMembership, User

__all__ = ["ReportError", "acting_third_party", "add_months", "day_span", "midnight", "not_found", "require_admin"]


class ReportError(DomainError):
    pass


def not_found(what: str) -> ReportError:
    # The same answer for "does not exist" and "is somebody else's": nothing leaks.
    return ReportError("not_found", f"No such {what}.", status_code=404)


def acting_third_party(by: User | None, third_party: ThirdParty | None) -> ThirdParty:
    """The active third party acting: `third_party` (an API client's, or confirmed for the user)
    or the user's own. A user of another company may not act for it."""
    if third_party is not None:
        if by is not None and not by.is_staff and by.third_party != third_party:
            raise ReportError("forbidden", "You do not work for this third party.", status_code=403)
    elif by is not None:
        third_party = by.third_party
    if third_party is None:
        raise ReportError("forbidden", "Only a third party may do this.", status_code=403)
    if not third_party.is_active:
        raise ReportError("third_party_inactive", "Your company's account is not active.", status_code=403)
    return third_party


def require_admin(by: User | None, third_party: ThirdParty) -> None:
    """Delivery settings hold credentials: only the third party's admins (or staff) change them."""
    if by is None:
        raise ReportError(
            "forbidden", "Only an admin of the third party may change delivery settings.", status_code=403
        )
    if by.is_staff:
        return
    membership = getattr(by, "third_party_membership", None)
    if membership is None or membership.third_party_id != third_party.pk:
        raise not_found("third party")
    if membership.role != ThirdPartyMembership.Role.ADMIN:
        raise ReportError(
            "admin_only", "Only an admin of your company may change its delivery settings.", status_code=403
        )


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def day_span(first_day: date, last_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[first_day 00:00, the day after last_day 00:00) in local time."""
    return midnight(first_day, zone), midnight(last_day + timedelta(days=1), zone)
