"""Rich authorization requests (RFC 9396) with the CDS fields: parse and check an
`authorization_details` list against the scope catalogue, apply defaults, and turn relative
durations ("P12M") into instants in the server's time zone (`cds_timezone`).

Errors are `invalid_authorization_details` (WG3-01), raised before the customer logs in.
"""

import calendar
import json
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from . import scopes
from .errors import CdsError

INFINITE = "infinite"
DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def refuse(message: str, code: str = "invalid_authorization_details") -> CdsError:
    return CdsError(code, message)


def server_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def duration_parts(value: str) -> dict[str, int] | None:
    match = DURATION.match(value) if isinstance(value, str) else None
    return {key: int(number) for key, number in match.groupdict(default="0").items()} if match else None


def shift(moment: datetime, parts: dict[str, int], sign: int = 1) -> datetime:
    moment = add_months(moment, sign * (parts["years"] * 12 + parts["months"]))
    return moment + sign * timedelta(
        weeks=parts["weeks"],
        days=parts["days"],
        hours=parts["hours"],
        minutes=parts["minutes"],
        seconds=parts["seconds"],
    )


def plain_duration(value: str) -> str:
    """ "P1Y2M" -> "1 year and 2 months": what customers read instead of ISO durations."""
    parts = duration_parts(value)
    if parts is None:
        return value
    words = []
    for key, singular in (
        ("years", "year"),
        ("months", "month"),
        ("weeks", "week"),
        ("days", "day"),
        ("hours", "hour"),
        ("minutes", "minute"),
        ("seconds", "second"),
    ):
        if parts[key]:
            words.append(f"{parts[key]} {singular}{'' if parts[key] == 1 else 's'}")
    if not words:
        return "no time"
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def resolve_datetime(value, *, now: datetime) -> datetime | None:
    """An instant from a relative (from now) or absolute datetime; None for "infinite"."""
    if value == INFINITE:
        return None
    parts = duration_parts(value)
    if parts is not None:
        return shift(now, parts)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise refuse(f'{value!r} is neither a datetime, a duration such as P6M, nor "infinite".') from None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=server_zone())


def resolve_date_back(value, *, now: datetime) -> datetime:
    """The start of the day a relative (back from now) or absolute date names, server time."""
    zone = server_zone()
    parts = duration_parts(value)
    if parts is not None:
        day = shift(now.astimezone(zone), parts, sign=-1).date()
    else:
        try:
            day = date.fromisoformat(value)
        except (TypeError, ValueError):
            raise refuse(f"{value!r} is neither a date (YYYY-MM-DD) nor a duration such as P12M.") from None
    return datetime.combine(day, time.min, tzinfo=zone)


def _check_format(item: scopes.DetailsField, value, scope_id: str) -> None:
    where = f"{scope_id}.{item.id}"
    fmt = item.format
    if fmt == "choice_list_or_null" and isinstance(value, list):
        known = [choice[0] for choice in item.choices]
        unknown = [entry for entry in value if entry not in known]
        if unknown:
            offered = ", ".join(known)
            raise refuse(f"{where}: {', '.join(map(repr, unknown))} is not one of the choices ({offered}).")
        if len(set(value)) != len(value):
            raise refuse(f"{where} names a choice twice.")
        return
    ok = {
        "boolean": lambda: isinstance(value, bool),
        "string": lambda: isinstance(value, str) and 1 <= len(value) <= 1000,
        "string_or_null": lambda: value is None or (isinstance(value, str) and len(value) <= 1000),
        "string_list_or_null": lambda: (
            value is None or (isinstance(value, list) and all(isinstance(entry, str) for entry in value))
        ),
        "choice": lambda: value in {choice[0] for choice in item.choices},
        "choice_list_or_null": lambda: value is None,  # a list is checked above
        "jwk_or_null": lambda: value is None or isinstance(value, dict),
        "relative_or_absolute_datetime": lambda: isinstance(value, str),
        "relative_or_absolute_date": lambda: isinstance(value, str),
    }[fmt]()
    if not ok:
        raise refuse(f"{where} must be a {fmt}.")


def parse(value, *, allowed_types, field: str = "authorization_details") -> list[dict]:
    """The checked list: each entry's type is one of `allowed_types` (scope ids), its fields are
    known for that scope and well formed, and its required fields are present."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise refuse(f"{field} is not JSON.") from None
    if not isinstance(value, list):
        raise refuse(f"{field} must be a JSON list of objects.")
    seen = set()
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
            raise refuse(f"Each {field} entry is an object with a type.")
        scope = scopes.SCOPES.get(entry["type"])
        if scope is None or entry["type"] not in allowed_types or not scope.authorization_details_types:
            raise refuse(f"Type {entry['type']!r} is not one this client may use in {field}.")
        if entry["type"] in seen:
            raise refuse(f"Type {entry['type']!r} appears twice.")
        seen.add(entry["type"])
        known = {item.id: item for item in scope.fields_for()}
        for key, item_value in entry.items():
            if key == "type":
                continue
            if key not in known:
                raise refuse(f"{entry['type']} has no field {key!r}.")
            _check_format(known[key], item_value, entry["type"])
        missing = [item.id for item in known.values() if item.required and item.id not in entry]
        if missing:
            raise refuse(f"{entry['type']} needs {', '.join(missing)}.")
    return value


def with_defaults(entry: dict) -> dict:
    """The entry with every field the client left out set to its default (WG3-01 §3.2)."""
    scope = scopes.SCOPES[entry["type"]]
    filled = {"type": entry["type"]}
    for item in scope.fields_for():
        value = entry.get(item.id, item.default)
        filled[item.id] = list(value) if isinstance(value, list) else value  # never share a default list
    return filled


def check_consent_rules(entries: list[dict], *, now: datetime) -> None:
    """Rules across fields of customer-consent entries (with defaults applied)."""
    types = {entry["type"] for entry in entries}
    for entry in entries:
        name = entry["type"]
        if entry.get("jwk") is not None:
            raise refuse(f"{name}.jwk: MeterGate does not encrypt responses; send null.")
        expires = resolve_datetime(entry["expires"], now=now)
        latest = shift(now, duration_parts(scopes.MAX_TERM)) + timedelta(minutes=1)
        if expires is None or expires > latest:
            raise refuse(f"{name}.expires: a consent lasts at most {plain_duration(scopes.MAX_TERM)}.")
        if expires < now + timedelta(hours=1) - timedelta(minutes=1):
            raise refuse(f"{name}.expires must be at least an hour from now.")
        sync_until = resolve_datetime(entry["sync_until"], now=now)
        if sync_until is not None and (sync_until > expires or sync_until < now):
            raise refuse(f"{name}.sync_until must fall between now and expires.")
        if "segment_start" in entry:
            start = resolve_date_back(entry["segment_start"], now=now)
            earliest = shift(now.astimezone(server_zone()), duration_parts(scopes.MAX_HISTORY), sign=-1)
            if start < datetime.combine(earliest.date(), time.min, tzinfo=server_zone()) or start > now:
                raise refuse(f"{name}.segment_start reaches back at most {plain_duration(scopes.MAX_HISTORY)}.")
        merged = entry.get("merge_selection_with") or []
        for other in merged:
            partner = next((candidate for candidate in entries if candidate["type"] == other), None)
            if other not in types or partner is None or name not in (partner.get("merge_selection_with") or []):
                raise refuse(f"{name}.merge_selection_with: {other} must be in the request and name {name} too.")
        if name == "cds_aggregation_consent" and (
            entry.get("aggregation_numbers") is None
            or entry.get("premise_numbers") is None
            or entry.get("error_if_no_preselections") is not True
            or entry.get("allow_scope_modifications") is not False
        ):
            raise refuse(
                "cds_aggregation_consent needs aggregation_numbers and premise_numbers, "
                "error_if_no_preselections true and allow_scope_modifications false."
            )


def absolute(entry: dict, *, now: datetime) -> dict:
    """The entry as grants and token responses echo it: durations made absolute (WG3-01 §3.3)."""
    echoed = dict(entry)
    for key in ("expires", "sync_until"):
        if key in echoed:
            moment = resolve_datetime(echoed[key], now=now)
            echoed[key] = INFINITE if moment is None else moment.astimezone(server_zone()).isoformat()
    if "segment_start" in echoed:
        echoed["segment_start"] = resolve_date_back(echoed["segment_start"], now=now).date().isoformat()
    return echoed
