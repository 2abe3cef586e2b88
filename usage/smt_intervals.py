"""The interval layout of the Smart Meter Texas customer API (`/api/adhoc/intervalsynch`): one entry
per local day and series, its reads as 100 comma-separated `kWh-flag` slots.

Slots are fixed positions of the local day, the way SMT's own API and the `smart-meter-texas`
client lay them out: slots 0-7 are 00:00-01:45, slots 8-11 the second 01:00-01:45 of the fall-back
day (empty on every other day), slots 12-99 are 02:00-23:45. The skipped hour of the spring-forward
day has no reads, so its slots (12-15) stay empty; so does any quarter without a read. Texas
premises change clocks at 2 a.m., so the repeated hour is always the 1 a.m. one.

Rows come from `usage.selectors.interval_rows` for windows the access gate gave; formatting is
read-only and asks nothing else of the database.
"""

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .models import Series, wh_to_kwh
from .selectors import IntervalRow

SLOTS = 100
REPEATED_HOUR_SLOTS = range(8, 12)
SERIES_CODES = {Series.CONSUMPTION: "C", Series.GENERATION: "G"}
DAY_FORMAT = "%m/%d/%Y"
REVISION_FORMAT = "%m/%d/%Y %H:%M:%S"


def slot_of(local: datetime) -> int:
    """The slot of the quarter hour starting at `local` (aware; `fold` 1 marks the repeated hour)."""
    quarter = (local.hour * 60 + local.minute) // 15
    if local.fold and 4 <= quarter < 8:  # 01:00-01:45 the second time round
        return quarter + 4
    return quarter if quarter < 8 else quarter + 4


def slot_text(wh: int, estimated: bool) -> str:
    return f"{wh_to_kwh(wh)}-{'E' if estimated else 'A'}"


def energy_data(rows: Iterable[IntervalRow], *, esiid: str, time_zone: str, by_revision: bool = False) -> list[dict]:
    """The entries for one premise's rows (ordered by time), by day then series (C before G).

    `by_revision` (SMT's version A, rows from `selectors.interval_revisions`): one entry per day,
    series and revision time, holding the values that revision set, oldest revision first. A
    revision that changed a few intervals has only those; the others stay in the entry of the
    revision that set them (an unchanged value keeps its first revision)."""
    zone = ZoneInfo(time_zone)
    days: dict[tuple[date, int, int], list[str]] = {}
    revised: dict[tuple[date, int, int], int] = {}
    for epoch, series, wh, estimated, revised_epoch in rows:
        local = datetime.fromtimestamp(epoch, zone)
        key = (local.date(), series, revised_epoch if by_revision else 0)
        slots = days.get(key)
        if slots is None:
            slots = days[key] = [""] * SLOTS
        slots[slot_of(local)] = slot_text(wh, estimated)
        revised[key] = max(revised.get(key, revised_epoch), revised_epoch)
    return [
        {
            "ESIID": esiid,
            "DT": key[0].strftime(DAY_FORMAT),
            "RevTS": datetime.fromtimestamp(revised[key], zone).strftime(REVISION_FORMAT),
            "RT": SERIES_CODES[key[1]],
            "RD": ",".join(days[key]),
        }
        for key in sorted(days)
    ]
