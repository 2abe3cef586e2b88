"""Tariff and TOU-map rules: create, update and end tariffs; create and update TOU maps with rules.

A tariff belongs to one holder: a premise or a label partner, never both. Tariffs of one holder
never overlap in time. **A new tariff supersedes the one in force on its first day**: that one is
ended the day before (a supplier's price change is "new prices from date X"). A new tariff never
reaches over one that starts later, and an update or an end never moves into another tariff: both
are refused (409 `overlap`) with the conflicting tariff named. A customer's own entry ("my energy
contract") may supersede only tariffs the customer entered; the supplier's are refused the same way.
"""

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from meters.models import Premise
from meters.selectors import premises_for_customer
from portal.models import LabelPartner

from ..models import Tariff, TouMap, TouRule
from ..tou import parse_months, parse_weekdays
from . import UsageError

PRICE_FIELDS = ("offtake_peak", "offtake_off_peak", "injection_peak", "injection_off_peak")
MAX_PRICE = Decimal("99999.99999")  # the columns' 10 digits, 5 after the point
TARIFF_FIELDS = {"name", "currency", "tou_map", "valid_from", "valid_to", "external_id", *PRICE_FIELDS}


def _invalid(field: str, message: str, code: str = "invalid") -> UsageError:
    return UsageError(code, f"{field}: {message}", fields={field: [message]})


# --- Tariffs ------------------------------------------------------------------------------------


def create_tariff(
    *,
    premise: Premise | None = None,
    label_partner: LabelPartner | None = None,
    source: str = Tariff.Source.API,
    supersede_only_source: str | None = None,
    **fields,
) -> Tariff:
    """A new tariff of a premise or a label partner. `fields`: valid_from, valid_to, the four
    prices, currency, tou_map, name, external_id. The tariff in force on `valid_from` is ended the
    day before (only if its source is `supersede_only_source`, when given)."""
    if (premise is None) == (label_partner is None):
        raise UsageError(
            "holder",
            "A tariff belongs to a premise or to a label partner, not both and not neither.",
            fields={"premise": ["Give a premise or a label partner."]},
        )
    unknown = set(fields) - TARIFF_FIELDS
    if unknown:
        raise UsageError("unknown_fields", f"Unknown tariff fields: {', '.join(sorted(unknown))}.")
    tariff = Tariff(premise=premise, label_partner=label_partner, source=source)
    fields.setdefault("injection_peak", Decimal(0))
    fields.setdefault("injection_off_peak", Decimal(0))
    _apply(tariff, fields, creating=True)
    with transaction.atomic():
        _lock_holder(tariff)
        _ensure_external_id_free(tariff)
        _supersede(tariff, only_source=supersede_only_source)
        tariff.save()
    return tariff


def update_tariff(*, tariff: Tariff, **changes) -> Tariff:
    """Change prices, currency, TOU map, name or dates of a tariff; the holder never changes."""
    unknown = set(changes) - TARIFF_FIELDS
    if unknown:
        raise UsageError("unknown_fields", f"These tariff fields cannot change: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        _lock_holder(tariff)
        tariff = Tariff.objects.select_for_update().get(pk=tariff.pk)
        _apply(tariff, changes, creating=False)
        _ensure_external_id_free(tariff)
        _refuse_overlap(tariff)
        tariff.save()
    return tariff


def end_tariff(*, tariff: Tariff, valid_to: date) -> Tariff:
    """The tariff's last day becomes `valid_to` (ending it again on the same day changes nothing)."""
    return update_tariff(tariff=tariff, valid_to=valid_to)


def check_tariff(tariff: Tariff) -> None:
    """The rules of create and update for a tariff edited elsewhere (the admin's form): one holder,
    prices, dates, a free external id, no overlap (nothing is ended for it). Raises UsageError."""
    if (tariff.premise_id is None) == (tariff.label_partner_id is None):
        raise UsageError(
            "holder",
            "A tariff belongs to a premise or to a label partner, not both and not neither.",
            fields={"premise": ["Give a premise or a label partner."]},
        )
    _apply(tariff, {name: getattr(tariff, name) for name in PRICE_FIELDS}, creating=False)
    _ensure_external_id_free(tariff)
    _refuse_overlap(tariff)


def _apply(tariff: Tariff, fields: dict, *, creating: bool) -> None:
    for name in PRICE_FIELDS:
        if name in fields:
            setattr(tariff, name, _price(name, fields[name]))
        elif creating:
            raise _invalid(name, "This price is required.", "required")
    if "currency" in fields:
        currency = (fields["currency"] or "").strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise _invalid("currency", "Give a three-letter ISO 4217 code such as USD or EUR.")
        tariff.currency = currency
    for name in ("name", "external_id"):
        if name in fields:
            setattr(tariff, name, (fields[name] or "").strip())
    if "tou_map" in fields:
        tariff.tou_map = fields["tou_map"]
    if "valid_from" in fields:
        tariff.valid_from = fields["valid_from"]
    if "valid_to" in fields:
        tariff.valid_to = fields["valid_to"]
    if not isinstance(tariff.valid_from, date):
        raise _invalid("valid_from", "The first day the tariff applies is required.", "required")
    if tariff.valid_to is not None and tariff.valid_to < tariff.valid_from:
        raise _invalid("valid_to", "The last day cannot be before the first day.", "valid_to_before_valid_from")


def _price(name: str, value) -> Decimal:
    try:
        price = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise _invalid(name, f"{value!r} is not a number.") from None
    if not price.is_finite():
        raise _invalid(name, f"{value!r} is not a number.")
    if price < 0:
        raise _invalid(name, "A price cannot be negative.", "negative_price")
    if price > MAX_PRICE or price != price.quantize(Decimal("0.00001")):
        raise _invalid(name, "A price has at most 5 digits before and 5 after the decimal point.")
    return price


def _lock_holder(tariff: Tariff) -> None:
    """Serialise changes to one holder's tariffs, so two concurrent creations cannot overlap."""
    if tariff.premise_id:
        Premise.objects.select_for_update().filter(pk=tariff.premise_id).first()
    else:
        LabelPartner.objects.select_for_update().filter(pk=tariff.label_partner_id).first()


def _ensure_external_id_free(tariff: Tariff) -> None:
    if tariff.external_id and Tariff.objects.filter(external_id=tariff.external_id).exclude(pk=tariff.pk).exists():
        raise UsageError(
            "duplicate_external_id",
            f"Another tariff already has the external id {tariff.external_id!r}.",
            fields={"external_id": ["Already used."]},
            status_code=409,
        )


def _same_holder(tariff: Tariff):
    holder = Q(premise_id=tariff.premise_id) if tariff.premise_id else Q(label_partner_id=tariff.label_partner_id)
    return Tariff.objects.filter(holder).exclude(pk=tariff.pk)


def _overlapping(tariff: Tariff):
    tariffs = _same_holder(tariff).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=tariff.valid_from))
    if tariff.valid_to is not None:
        tariffs = tariffs.filter(valid_from__lte=tariff.valid_to)
    return tariffs.order_by("valid_from")


def _overlap_error(other: Tariff) -> UsageError:
    until = f"to {other.valid_to}" if other.valid_to else "with no end"
    label = f" {other.external_id!r}" if other.external_id else ""
    return UsageError(
        "overlap",
        f"The dates overlap tariff{label} valid from {other.valid_from} {until}; end or change that one first.",
        fields={"valid_from": ["Overlaps another tariff."]},
        status_code=409,
    )


def _supersede(tariff: Tariff, *, only_source: str | None) -> None:
    for other in _overlapping(tariff).select_for_update():
        may_end = only_source is None or other.source == only_source
        if other.valid_from < tariff.valid_from and may_end:
            other.valid_to = tariff.valid_from - timedelta(days=1)
            other.save(update_fields=["valid_to", "updated_at"])
        else:
            raise _overlap_error(other)


def _refuse_overlap(tariff: Tariff) -> None:
    other = _overlapping(tariff).first()
    if other is not None:
        raise _overlap_error(other)


# --- A customer's own tariff ("my energy contract") ---------------------------------------------


def customer_premise(*, by, premise_id) -> Premise:
    """A premise the customer lives at now; anything else is refused as not found (no leak)."""
    premise = premises_for_customer(by).filter(pk=premise_id).first()
    if premise is None:
        raise UsageError("not_found", "You do not live at this premise.", status_code=404)
    return premise


def customer_tariff(*, by, tariff_id) -> Tariff:
    """A tariff the customer entered for a premise they live at now."""
    tariff = (
        Tariff.objects.filter(pk=tariff_id, source=Tariff.Source.CUSTOMER, premise__in=premises_for_customer(by))
        .select_related("premise", "tou_map")
        .first()
    )
    if tariff is None:
        raise UsageError("not_found", "No such tariff of yours.", status_code=404)
    return tariff


def save_customer_tariff(*, by, premise: Premise, tariff: Tariff | None = None, **fields) -> Tariff:
    """Create (tariff None) or change the customer's own tariff of a premise they live at."""
    customer_premise(by=by, premise_id=premise.pk)
    if tariff is None:
        return create_tariff(
            premise=premise, source=Tariff.Source.CUSTOMER, supersede_only_source=Tariff.Source.CUSTOMER, **fields
        )
    customer_tariff(by=by, tariff_id=tariff.pk)
    return update_tariff(tariff=tariff, **fields)


def end_customer_tariff(*, by, tariff: Tariff, valid_to: date) -> Tariff:
    return end_tariff(tariff=customer_tariff(by=by, tariff_id=tariff.pk), valid_to=valid_to)


# --- TOU maps -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleInput:
    period: str
    start_time: object  # datetime.time
    end_time: object
    weekdays: str = "12345"
    months: str = ""


def create_tou_map(
    *,
    code: str,
    name: str,
    rules: list,
    time_zone: str = "America/Chicago",
    default_period: str = "off_peak",
    description: str = "",
) -> TouMap:
    """A TOU map and its rules (RuleInput or dicts of the same keys), tried in the order given."""
    if TouMap.objects.filter(code=code).exists():
        raise UsageError(
            "duplicate_code", f"A TOU map {code!r} exists already.", fields={"code": ["Taken."]}, status_code=409
        )
    tou_map = TouMap(code=_code(code), description=description)
    _apply_map(tou_map, name=name, time_zone=time_zone, default_period=default_period)
    checked = _rules(rules)
    with transaction.atomic():
        tou_map.save()
        _replace_rules(tou_map, checked)
    return tou_map


def update_tou_map(*, tou_map: TouMap, rules: list | None = None, **changes) -> TouMap:
    """Change name, time zone, default period or description; `rules` given replaces every rule."""
    unknown = set(changes) - {"name", "time_zone", "default_period", "description"}
    if unknown:
        raise UsageError("unknown_fields", f"These TOU map fields cannot change: {', '.join(sorted(unknown))}.")
    if "description" in changes:
        tou_map.description = changes.pop("description") or ""
    _apply_map(tou_map, **changes)
    checked = _rules(rules) if rules is not None else None
    with transaction.atomic():
        tou_map.save()
        if checked is not None:
            _replace_rules(tou_map, checked)
    return tou_map


def _code(code: str) -> str:
    if not code or slugify(code) != code or len(code) > 40:
        raise _invalid("code", "Use letters, digits, hyphens and underscores (at most 40).")
    return code


def _apply_map(tou_map: TouMap, **fields) -> None:
    if "name" in fields:
        if not (fields["name"] or "").strip():
            raise _invalid("name", "A name is required.", "required")
        tou_map.name = fields["name"].strip()[:100]
    if "time_zone" in fields:
        try:
            ZoneInfo(fields["time_zone"])
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise _invalid("time_zone", f"{fields['time_zone']!r} is not an IANA time zone.") from None
        tou_map.time_zone = fields["time_zone"]
    if "default_period" in fields:
        tou_map.default_period = _period("default_period", fields["default_period"])


def _period(field: str, value) -> str:
    value = (value or "").strip()
    if not value or len(value) > 20 or slugify(value).replace("-", "_") != value:
        raise _invalid(field, "A period is a short code such as peak, off_peak or shoulder.")
    return value


def _rules(rules: list) -> list[TouRule]:
    checked, problems = [], []
    for number, rule in enumerate(rules, start=1):
        data = rule if isinstance(rule, dict) else rule.__dict__
        try:
            checked.append(_rule(data, position=number))
        except (UsageError, ValueError, KeyError, AttributeError) as error:
            problems.append(f"Rule {number}: {getattr(error, 'message', None) or error}")
    if problems:
        raise UsageError("invalid_rules", problems[0], fields={"rules": problems})
    return checked


def _rule(data: dict, *, position: int) -> TouRule:
    start, end = data["start_time"], data["end_time"]
    if start.second or end.second or start.microsecond or end.microsecond:
        raise ValueError("Times are whole minutes.")
    weekdays = "".join(str(day) for day in sorted(parse_weekdays(data.get("weekdays") or "12345")))
    months = data.get("months") or ""
    parse_months(months)
    return TouRule(
        position=position,
        period=_period("period", data["period"]),
        weekdays=weekdays,
        months=months,
        start_time=start,
        end_time=end,
    )


def _replace_rules(tou_map: TouMap, rules: list[TouRule]) -> None:
    tou_map.rules.all().delete()
    for rule in rules:
        rule.tou_map = tou_map
    TouRule.objects.bulk_create(rules)


def peak_hours_map(*, start: time, end: time, weekdays_only: bool, time_zone: str = "America/Chicago") -> TouMap:
    """The TOU map of a simple peak-hours choice (one window, every day or Monday to Friday), shared
    by every customer who picks the same hours: found by its code, made once."""
    days = "weekdays" if weekdays_only else "daily"
    code = f"peak-{days}-{start:%H%M}-{end:%H%M}"
    if time_zone != "America/Chicago":
        code = f"{code}-{slugify(time_zone)}"[:40]
    existing = TouMap.objects.filter(code=code).first()
    if existing is not None:
        return existing
    label = "Monday to Friday" if weekdays_only else "Every day"
    rule = RuleInput(period="peak", weekdays="12345" if weekdays_only else "1234567", start_time=start, end_time=end)
    name = f"{label} {start:%H:%M}-{'24:00' if end == time(0) else f'{end:%H:%M}'} peak"
    return create_tou_map(code=code, name=name, time_zone=time_zone, rules=[rule])
