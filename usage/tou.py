"""Time-of-use calendars: which period (peak, off-peak, ...) an instant falls in under a TOU map.

TOU rules speak local wall-clock time (weekday, month, time of day), so each UTC instant is turned
into local time first, which is where daylight-saving time is handled: the 23- and 25-hour days
come out right because the zone's offset is looked up per instant, never assumed.

Built for bulk work (millions of intervals): the zone offset is cached per UTC hour and the period
of every minute of a day is tabled once per (weekday, month) pair, so `period_of_epoch` costs two
dictionary look-ups and an index. Rules are matched per local *date*: a rule of 22:00-06:00 on
weekdays covers the evening of each weekday and the early hours of each weekday, not Saturday's.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PEAK = "peak"
OFF_PEAK = "off_peak"
DEFAULT_TIME_ZONE = "America/Chicago"

MINUTES_PER_DAY = 24 * 60
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MIXED = object()  # marks a UTC hour in which the zone's offset changes


class LocalClock:
    """Local wall-clock seconds (seconds since 1970-01-01 00:00 local) of UTC epoch seconds in one
    zone. The offset is cached per UTC hour; an hour in which it changes is computed per instant."""

    def __init__(self, zone: ZoneInfo | str):
        self.zone = ZoneInfo(zone) if isinstance(zone, str) else zone
        self._offsets: dict[int, object] = {}

    def offset(self, seconds: int) -> int:
        hour = seconds // 3600
        offset = self._offsets.get(hour)
        if offset is None:
            first, last = self._utcoffset(hour * 3600), self._utcoffset(hour * 3600 + 3599)
            offset = self._offsets[hour] = first if first == last else _MIXED
        if offset is _MIXED:
            return self._utcoffset(seconds)
        return offset

    def local_seconds(self, seconds: int) -> int:
        return seconds + self.offset(seconds)

    def local_day(self, seconds: int) -> int:
        """The local date as days since 1970-01-01 (see `day_to_date`)."""
        return (seconds + self.offset(seconds)) // 86400

    def _utcoffset(self, seconds: int) -> int:
        return int(datetime.fromtimestamp(seconds, self.zone).utcoffset().total_seconds())


def day_to_date(day: int) -> date:
    return date.fromordinal(day + _EPOCH_ORDINAL)


def date_to_day(value: date) -> int:
    return value.toordinal() - _EPOCH_ORDINAL


def parse_weekdays(text: str) -> frozenset[int]:
    """ISO weekdays from a rule's `weekdays` ("12345"); ValueError when a character is not 1-7."""
    days = set()
    for character in text.strip():
        if character not in "1234567":
            raise ValueError(f"{character!r} is not an ISO weekday (1 = Monday ... 7 = Sunday).")
        days.add(int(character))
    if not days:
        raise ValueError("At least one weekday is needed.")
    return frozenset(days)


def parse_months(text: str) -> frozenset[int]:
    """Months from a rule's `months`: "" (every month), "6,7,8" or ranges such as "6-9,12"."""
    months = set()
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        first, _, last = part.partition("-")
        try:
            low, high = int(first), int(last or first)
        except ValueError:
            raise ValueError(f"{part!r} is not a month or a range of months.") from None
        if not (1 <= low <= high <= 12):
            raise ValueError(f"{part!r} is not a month or a range of months between 1 and 12.")
        months.update(range(low, high + 1))
    return frozenset(months or range(1, 13))


class _Rule:
    """A TouRule reduced to numbers: minutes of the local day [start, end), 00:00 as end = 24:00;
    an end at or before the start wraps past midnight (22:00-06:00)."""

    __slots__ = ("end", "months", "period", "start", "weekdays")

    def __init__(self, rule):
        self.period = rule.period
        self.weekdays = parse_weekdays(rule.weekdays)
        self.months = parse_months(rule.months)
        self.start = rule.start_time.hour * 60 + rule.start_time.minute
        self.end = rule.end_time.hour * 60 + rule.end_time.minute or MINUTES_PER_DAY

    def spans(self) -> list[tuple[int, int]]:
        """The rule's minutes of the day as [start, end) spans: two when it wraps past midnight."""
        if self.start < self.end:
            return [(self.start, self.end)]
        return [(self.start, MINUTES_PER_DAY), (0, self.end)]


class TouCalendar:
    """The period of any instant under `tou_map` (a TouMap, or None: every instant off-peak).

    `period_at(moment)` takes an aware datetime; `period_of_epoch(seconds)` UTC epoch seconds for
    bulk work. Rules are tried in `position` order; none matching gives the map's default period."""

    def __init__(self, tou_map=None, *, time_zone: str = DEFAULT_TIME_ZONE, clock: LocalClock | None = None):
        if tou_map is None:
            self.default_period, rules = OFF_PEAK, []
        else:
            self.default_period = tou_map.default_period
            time_zone = tou_map.time_zone
            rules = sorted(tou_map.rules.all(), key=lambda rule: (rule.position, rule.id or 0))
        # A clock of the same zone may be shared (its hour cache then serves both).
        self.clock = clock if clock is not None and clock.zone.key == time_zone else LocalClock(time_zone)
        self._rules = [_Rule(rule) for rule in rules]
        self._days: dict[int, tuple[str, ...]] = {}
        self._tables: dict[tuple[int, ...], tuple[str, ...]] = {}

    @property
    def periods(self) -> list[str]:
        """Every period this calendar can answer, the default first."""
        found = [self.default_period]
        for rule in self._rules:
            if rule.period not in found:
                found.append(rule.period)
        return found

    def period_at(self, moment: datetime) -> str:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("TOU periods need an aware datetime (UTC or with its offset).")
        return self.period_of_epoch(int(moment.astimezone(UTC).timestamp()))

    def period_of_epoch(self, seconds: int) -> str:
        if not self._rules:
            return self.default_period
        day, second_of_day = divmod(self.clock.local_seconds(seconds), 86400)
        table = self._days.get(day)
        if table is None:
            table = self._day_table(day)
        return table[second_of_day // 60]

    def day_table(self, day: int) -> tuple[str, ...]:
        """The period of each minute of local day `day` (days since 1970-01-01 in this zone)."""
        if not self._rules:
            return self._tables.setdefault((), (self.default_period,) * MINUTES_PER_DAY)
        return self._days.get(day) or self._day_table(day)

    def _day_table(self, day: int) -> tuple[str, ...]:
        local_date = day_to_date(day)
        weekday, month = local_date.isoweekday(), local_date.month
        # Days whose weekday and month select the same rules share one table (most share two or three).
        applicable = tuple(
            index for index, rule in enumerate(self._rules) if weekday in rule.weekdays and month in rule.months
        )
        table = self._tables.get(applicable)
        if table is None:
            table = self._tables[applicable] = self._build_table([self._rules[index] for index in applicable])
        self._days[day] = table
        return table

    def _build_table(self, rules: list[_Rule]) -> tuple[str, ...]:
        """The period of each minute of a day under `rules`: painted last rule first, so the first
        rule that covers a minute has the last word."""
        periods = [self.default_period] * MINUTES_PER_DAY
        for rule in reversed(rules):
            for start, end in rule.spans():
                periods[start:end] = [rule.period] * (end - start)
        return tuple(periods)
