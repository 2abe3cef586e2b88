"""The access gate: the only place that decides whether meter data may be read.

A third party reads a premise's data of one kind for a period when an active agreement of its own
covers that premise and kind, and only within:
  * the agreement's range: from `data_from` (acceptance − 12 months) to `ends_at`;
  * the last 12 months before now;
  * the time the consenting customer occupied the premise (move-in .. move-out, in the premise's
    local time), so a new tenant's consent never exposes the previous tenant's data.
Data after now does not exist yet, so asking past now is not refused; windows stop at now.
A customer reads their own premises for the time they lived there.

Refusal codes: invalid_period, no_agreement, other_premise, agreement_ended, wrong_kind,
too_far_back, before_range (before the agreement's range or the customer's move-in),
after_range (past the agreement's end), not_occupant (customers).

Direct access (`cds_query_*` scopes) is an agreement with no customer (source DIRECT), so the
consent rules above never read it; its counterpart is at the end: a client reads a data set of a
premise when one of its live staff approvals holds that scope and covers the premise
(`direct_premises`); without one, the token endpoint refuses the token (`live_approvals`).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from meters.models import Occupancy, Premise

from .models import Agreement, DataKind, DirectAccessApproval
from .services import add_months

HISTORY_MONTHS = 12

Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class Decision:
    """The gate's answer. When allowed, `window` is the part of the period that exists now."""

    allowed: bool
    code: str
    message: str
    agreement: Agreement | None = None
    window: Window | None = None

    def __bool__(self) -> bool:
        return self.allowed


def _refuse(code: str, message: str, agreement: Agreement | None = None) -> Decision:
    return Decision(False, code, message, agreement)


def _midnight(day: date | None, zone: ZoneInfo) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=zone)


def _consenting_span(
    occupancies: list[tuple[date, date | None]], starts_at: datetime, zone: ZoneInfo
) -> tuple[datetime, datetime | None] | None:
    """The occupancy during which the agreement was accepted, as [move-in, move-out) instants."""
    accepted_on = starts_at.astimezone(zone).date()
    for move_in, move_out in sorted(occupancies, reverse=True):
        if move_in <= accepted_on and (move_out is None or move_out >= accepted_on):
            return _midnight(move_in, zone), _midnight(move_out, zone)
    return None


def _consented():
    """Agreements a customer consented to (direct access has its own rules below)."""
    return Agreement.objects.filter(customer__isnull=False)


def _live(queryset, at: datetime):
    return queryset.filter(status=Agreement.Status.ACTIVE).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))


def may_read(*, third_party, premise: Premise, kind: str, start: datetime, end: datetime, at=None) -> Decision:
    """May `third_party` read `kind` data of `premise` for [start, end) now (or at `at`)?"""
    at = at or timezone.now()
    kind = DataKind(kind)
    if start >= end:
        return _refuse("invalid_period", "The period's start must be before its end.")
    named = _consented().filter(third_party=third_party, premises=premise)
    if not named.exists():
        if _live(_consented().filter(third_party=third_party), at).exists():
            return _refuse("other_premise", "Your agreements do not cover this ESIID.")
        return _refuse("no_agreement", "You have no agreement with the customer of this ESIID.")
    live = list(_live(named, at).order_by("-ends_at"))
    if not live:
        return _refuse("agreement_ended", "Your agreement for this ESIID has ended.")
    covering = [agreement for agreement in live if kind in agreement.data_kinds]
    if not covering:
        return _refuse("wrong_kind", f"Your agreement for this ESIID does not cover {kind.label.lower()}.")
    zone = ZoneInfo(premise.time_zone)
    earliest = add_months(at, -HISTORY_MONTHS)
    if start < earliest:
        return _refuse("too_far_back", f"At most {HISTORY_MONTHS} months of history may be read.", covering[0])
    occupancies = list(
        Occupancy.objects.filter(premise=premise, customer_id__in={a.customer_id for a in covering}).values_list(
            "customer_id", "move_in", "move_out"
        )
    )
    refusal = None
    for agreement in covering:
        span = _consenting_span(
            [
                (move_in, move_out)
                for customer_id, move_in, move_out in occupancies
                if customer_id == agreement.customer_id
            ],
            agreement.starts_at,
            zone,
        )
        if span is None:
            refusal = refusal or _refuse(
                "no_agreement", "The agreement's customer did not live at this ESIID.", agreement
            )
            continue
        lower = max(moment for moment in (agreement.data_from, span[0]) if moment is not None)
        uppers = [moment for moment in (agreement.ends_at, span[1]) if moment is not None]
        if start < lower:
            refusal = refusal or _refuse(
                "before_range", f"Your agreement covers data from {lower:%Y-%m-%d %H:%M %Z} on.", agreement
            )
        elif uppers and end > min(uppers):
            refusal = refusal or _refuse(
                "after_range", f"Your agreement covers data until {min(uppers):%Y-%m-%d %H:%M %Z}.", agreement
            )
        else:
            return Decision(True, "allowed", "", agreement, (start, min([end, at, *uppers])))
    return refusal


def readable_windows(
    *, third_party, premises, kind: str, start: datetime, end: datetime, at=None, agreement=None
) -> dict[int, Window]:
    """For many premises at once (ids, instances or a queryset): premise id -> the part of
    [start, end) the third party may read now. Premises with nothing readable are left out.
    Two queries, whatever the number of premises. With `agreement`, only what that one agreement
    allows (a CDS token reads under its own grants, never under another agreement of its company)."""
    at = at or timezone.now()
    kind = DataKind(kind)
    earliest = add_months(at, -HISTORY_MONTHS)
    through = Agreement.premises.through
    links = through.objects.filter(
        premise__in=premises,
        agreement__third_party=third_party,
        agreement__status=Agreement.Status.ACTIVE,
        agreement__customer__isnull=False,
    )
    if agreement is not None:
        links = links.filter(agreement=agreement)
    rows = [
        row
        for row in links.filter(Q(agreement__ends_at__isnull=True) | Q(agreement__ends_at__gt=at)).values_list(
            "premise_id",
            "premise__time_zone",
            "agreement__customer_id",
            "agreement__data_kinds",
            "agreement__data_from",
            "agreement__starts_at",
            "agreement__ends_at",
        )
        if kind in (row[3] or [])
    ]
    if not rows:
        return {}
    spans = defaultdict(list)
    for premise_id, customer_id, move_in, move_out in Occupancy.objects.filter(
        premise_id__in={row[0] for row in rows}, customer_id__in={row[2] for row in rows}
    ).values_list("premise_id", "customer_id", "move_in", "move_out"):
        spans[(premise_id, customer_id)].append((move_in, move_out))
    windows: dict[int, Window] = {}
    for premise_id, zone_name, customer_id, _kinds, data_from, starts_at, ends_at in rows:
        span = _consenting_span(spans[(premise_id, customer_id)], starts_at, ZoneInfo(zone_name))
        if span is None:
            continue
        lower = max(moment for moment in (start, earliest, data_from, span[0]) if moment is not None)
        upper = min(moment for moment in (end, at, ends_at, span[1]) if moment is not None)
        if lower >= upper:
            continue
        if premise_id in windows:  # two agreements on one premise: keep the wider reach
            known = windows[premise_id]
            lower, upper = min(lower, known[0]), max(upper, known[1])
        windows[premise_id] = (lower, upper)
    return windows


def _customer_spans(customer, premises) -> dict[int, list[tuple[datetime, datetime | None]]]:
    spans = defaultdict(list)
    for premise_id, zone_name, move_in, move_out in Occupancy.objects.filter(
        customer=customer, premise__in=premises
    ).values_list("premise_id", "premise__time_zone", "move_in", "move_out"):
        zone = ZoneInfo(zone_name)
        spans[premise_id].append((_midnight(move_in, zone), _midnight(move_out, zone)))
    return spans


def customer_may_read(*, customer, premise: Premise, start: datetime, end: datetime, at=None) -> Decision:
    """May the customer read their data of `premise` for [start, end)? Only for the time they lived there."""
    at = at or timezone.now()
    if start >= end:
        return _refuse("invalid_period", "The period's start must be before its end.")
    for move_in, move_out in _customer_spans(customer, [premise]).get(premise.pk, []):
        if move_in <= start and (move_out is None or end <= move_out):
            upper = min(moment for moment in (end, at, move_out) if moment is not None)
            return Decision(True, "allowed", "", None, (start, upper))
    return _refuse("not_occupant", "You did not live at this premise for all of that period.")


def customer_windows(*, customer, premises, start: datetime, end: datetime, at=None) -> dict[int, list[Window]]:
    """Premise id -> the parts of [start, end) the customer may read (a customer who moved out and
    back has one window per stay). Premises with nothing readable are left out."""
    at = at or timezone.now()
    windows: dict[int, list[Window]] = {}
    for premise_id, spans in _customer_spans(customer, premises).items():
        for move_in, move_out in sorted(spans):
            lower = max(start, move_in)
            upper = min(moment for moment in (end, at, move_out) if moment is not None)
            if lower < upper:
                windows.setdefault(premise_id, []).append((lower, upper))
    return windows


# --- Direct access: a staff approval instead of a customer's consent ----------------------------


def live_approvals(*, client, at=None):
    """The client's approvals in force now: their agreement active, started and not ended, its
    company active."""
    at = at or timezone.now()
    return DirectAccessApproval.objects.filter(
        client=client,
        agreement__status=Agreement.Status.ACTIVE,
        agreement__starts_at__lte=at,
        agreement__ends_at__gt=at,
        agreement__third_party__is_active=True,
    ).select_related("agreement")


def approval_premises(approval: DirectAccessApproval):
    """The premises one approval covers, as a queryset (all premises, its agreement's list, or
    postal codes)."""
    if approval.coverage == DirectAccessApproval.Coverage.ALL:
        return Premise.objects.all()
    if approval.coverage == DirectAccessApproval.Coverage.POSTAL_CODES:
        return Premise.objects.filter(postal_code__in=[str(code) for code in approval.postal_codes or []])
    return Premise.objects.filter(agreements=approval.agreement_id)


def direct_premises(*, client, scope: str, at=None, approvals=None):
    """The premises whose `scope` data set (e.g. `cds_query_meter_devices`) the client may read now:
    those its live approvals holding the scope cover. A queryset, so "all premises" stays one query.
    `approvals`: the live approvals already read (they are filtered again by scope here)."""
    approvals = live_approvals(client=client, at=at) if approvals is None else approvals
    condition = Q(pk__in=[])
    for approval in approvals:
        if scope not in approval.scope_set:
            continue
        if approval.coverage == DirectAccessApproval.Coverage.ALL:
            return Premise.objects.all()
        condition |= Q(pk__in=approval_premises(approval).values("pk"))
    return Premise.objects.filter(condition)
