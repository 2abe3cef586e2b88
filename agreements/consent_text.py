"""Consent in plain words: what each scope shares, for how long and from when, as the consent
form, the receipt page and the receipt e-mail say it (never "P1Y")."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from portal.cds import rar, scopes


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def day(moment: datetime) -> str:
    local = _local(moment)
    return f"{local.day} {local:%B %Y}"


def span_words(start: datetime, end: datetime) -> str:
    """ "about 6 months" between two instants."""
    days = (end - start).days
    if days >= 330:
        return "about a year" if days < 395 else f"about {round(days / 30.44)} months"
    if days >= 45:
        return f"about {round(days / 30.44)} months"
    if days >= 2:
        return f"{days} days"
    hours = max(1, round((end - start).total_seconds() / 3600))
    return f"{hours} hour{'s' if hours != 1 else ''}"


def until_words(value, now: datetime) -> str:
    moment = rar.resolve_datetime(value, now=now)
    if moment is None:
        return "until you revoke it"
    return f"until {day(moment)} ({span_words(now, moment)} from today)"


def history_words(value, now: datetime) -> str:
    start = rar.resolve_date_back(value, now=now)
    return f"from {day(start)} on ({span_words(start, now)} of history)"


def sections(authorization_details: list[dict], now: datetime | None = None) -> list[dict]:
    """One section per scope: name, what is shared, examples, how long and how far back."""
    now = now or timezone.now()
    described = []
    for entry in authorization_details:
        scope = scopes.SCOPES[entry["type"]]
        section = {
            "id": scope.id,
            "name": scope.name,
            "plain": scope.plain,
            "examples": scope.examples,
            "until": until_words(entry["expires"], now),
            "expires_raw": entry["expires"],
        }
        if entry.get("sync_until") not in (None, rar.INFINITE):
            section["sync"] = f"Updates stop {until_words(entry['sync_until'], now).removeprefix('until ')}."
        if "segment_start" in entry:
            section["history"] = history_words(entry["segment_start"], now)
        described.append(section)
    return described


def premise_row(premise) -> dict:
    address = ", ".join(part for part in (premise.service_address, premise.city, premise.postal_code) if part)
    return {"id": premise.pk, "number": premise.esiid, "type": "Electric service point", "address": address}
