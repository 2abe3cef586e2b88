"""ESPI LocalTimeParameters of a time zone (NAESB REQ.21): its DST rules as ESPI encodes them
(month, n-th or last weekday, wall-clock time in a 32-bit hex word), read off the zone's own
transitions, so any IANA zone gets correct rules without a table."""

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

NO_DST_RULE = "FFFFFFFF"


@lru_cache(maxsize=64)
def local_time_parameters(zone_name: str, year: int = 2025) -> tuple[str, int, str, int]:
    """(dstEndRule, dstOffset, dstStartRule, tzOffset) of a zone, its rules read off the zone's
    transitions in `year`: US Central gives B40E2000, 3600, 360E2000, -21600."""
    zone = ZoneInfo(zone_name)
    moment = datetime(year, 1, 1, tzinfo=UTC)
    transitions = []
    previous = moment.astimezone(zone).utcoffset()
    for _hour in range(366 * 24):
        following = moment + timedelta(hours=1)
        offset = following.astimezone(zone).utcoffset()
        if offset != previous:
            transitions.append((following, previous, offset))
        moment, previous = following, offset
    standard = min(datetime(year, month, 1, tzinfo=UTC).astimezone(zone).utcoffset() for month in (1, 7))
    tz_offset = int(standard.total_seconds())
    if len(transitions) != 2:
        return NO_DST_RULE, 0, NO_DST_RULE, tz_offset
    starts = [transition for transition in transitions if transition[2] > transition[1]]
    ends = [transition for transition in transitions if transition[2] < transition[1]]
    dst_offset = int((starts[0][2] - starts[0][1]).total_seconds())
    return _rule(*ends[0][:2]), dst_offset, _rule(*starts[0][:2]), tz_offset


def _rule(instant: datetime, offset_before: timedelta) -> str:
    """An ESPI DST rule: the change's wall-clock time before it, as month, n-th (or last) weekday."""
    wall = (instant + offset_before).replace(tzinfo=None)
    month_length = ((wall.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
    operator = 7 if wall.day + 7 > month_length else 1 + (wall.day - 1) // 7 + 1
    weekday = wall.isoweekday()
    value = (
        (wall.month << 28) | (operator << 25) | (weekday << 17) | (wall.hour << 12) | (wall.minute * 60 + wall.second)
    )
    return f"{value:08X}"
