"""Shaping one premise's quarter hours into an extract type's target intervals: local days of the
premise's time zone (92, 96 or 100 quarter hours), 15/30/60-minute or day buckets aligned to local
wall-clock time, TOU periods, and daily register reads spread over a day with a load profile.

Everything is integer Wh until the line is written (`layout.convert`), so sums are exact. Rows are
the selectors' tuples: (interval start epoch, series, Wh, estimated, revised epoch).
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from ... import selectors
from ...models import ExtractType, Series, kwh_to_wh

QUARTER = 900
QUARTERS_PER_DAY = 96
DAY_MINUTES = ExtractType.Interval.DAY
EPOCH_DATE = date(1970, 1, 1)


@dataclass(slots=True)
class Bucket:
    """One line of the extract: a target interval (or one TOU period of it) of one series."""

    start: int
    seconds: int
    series: int
    period: str
    wh: int = 0
    estimated: bool = False
    revised: int = 0

    @property
    def end(self) -> int:
        return self.start + self.seconds


class LocalDays:
    """Local midnights and UTC offsets of one time zone, as epoch seconds, cached."""

    def __init__(self, zone_name: str):
        self.zone = ZoneInfo(zone_name)
        self._midnights: dict[date, int] = {}
        self._offsets: dict[int, int] = {}

    def offset(self, epoch: int) -> int:
        """The zone's UTC offset in seconds at `epoch` (constant within a quarter hour)."""
        quarter = epoch // QUARTER
        found = self._offsets.get(quarter)
        if found is None:
            if len(self._offsets) > 200_000:
                self._offsets.clear()
            found = self._offsets[quarter] = int(datetime.fromtimestamp(epoch, self.zone).utcoffset().total_seconds())
        return found

    def local_date(self, epoch: int) -> date:
        return EPOCH_DATE + timedelta(days=(epoch + self.offset(epoch)) // 86400)

    def midnight(self, day: date) -> int:
        found = self._midnights.get(day)
        if found is None:
            found = self._midnights[day] = int(datetime.combine(day, time(), tzinfo=self.zone).timestamp())
        return found

    def bounds(self, day: date) -> tuple[int, int]:
        return self.midnight(day), self.midnight(day + timedelta(days=1))


class Shaper:
    """Sums a day's quarter hours into the target intervals (and TOU periods) of an extract type.

    `tou` is a TOU calendar (`period_of_epoch(epoch) -> str`) or None; `weights` the load
    profile's 96 weights (None: flat)."""

    def __init__(self, *, interval_minutes: int, tou=None, weights: list[Fraction] | None = None):
        self.interval_minutes = interval_minutes
        self.size = interval_minutes * 60
        self.tou = tou
        self.weights = weights

    def floor(self, epoch: int, days: LocalDays) -> int:
        """Start of the target interval that contains `epoch`."""
        if self.interval_minutes == DAY_MINUTES:
            return days.midnight(days.local_date(epoch))
        return epoch - (epoch + days.offset(epoch)) % self.size

    def aggregate(self, rows: Iterable[tuple], days: LocalDays, day: date) -> list[Bucket]:
        """The buckets of one local day's rows, ordered by start, series, TOU period."""
        if self.size == QUARTER and self.tou is None:  # each quarter hour is its own bucket, in order
            return [Bucket(epoch, QUARTER, series, "", wh, estimated, revised) for epoch, series, wh, estimated, revised
                    in rows]  # fmt: skip
        if self.interval_minutes == DAY_MINUTES:
            day_start, day_end = days.bounds(day)
        buckets: dict[tuple, Bucket] = {}
        for epoch, series, wh, estimated, revised in rows:
            period = self.tou.period_of_epoch(epoch) if self.tou is not None else ""
            if self.interval_minutes == DAY_MINUTES:
                start, seconds = day_start, day_end - day_start
            else:
                start, seconds = epoch - (epoch + days.offset(epoch)) % self.size, self.size
            key = (start, series, period)
            bucket = buckets.get(key)
            if bucket is None:
                bucket = buckets[key] = Bucket(start, seconds, series, period)
            bucket.wh += wh
            bucket.estimated = bucket.estimated or estimated
            bucket.revised = max(bucket.revised, revised)
        return [buckets[key] for key in sorted(buckets)]

    def spread(self, *, wh: int, revised: int, days: LocalDays, day: date) -> list[tuple]:
        """A daily register read as estimated consumption quarter hours of its local day: shares
        by the load profile's weight of each quarter's local time of day (a 23-hour day skips the
        missing hour's weights, a 25-hour day uses the repeated hour's twice), rounded to whole
        Wh by largest remainder so the quarters sum to the day's value exactly."""
        day_start, day_end = days.bounds(day)
        quarters = list(range(day_start, day_end, QUARTER))
        if self.weights is None:
            weights = [Fraction(1)] * len(quarters)
        else:
            weights = [self.weights[(epoch + days.offset(epoch)) % 86400 // QUARTER] for epoch in quarters]
        total_weight = sum(weights)
        if total_weight == 0:  # a profile with no weight on this day's hours: flat
            weights, total_weight = [Fraction(1)] * len(quarters), Fraction(len(quarters))
        shares = [wh * weight / total_weight for weight in weights]
        values = [int(share) for share in shares]  # floor: shares are never negative
        left = wh - sum(values)
        by_remainder = sorted(range(len(shares)), key=lambda index: (-(shares[index] - values[index]), index))
        for index in by_remainder[:left]:
            values[index] += 1
        return [
            (epoch, Series.CONSUMPTION, value, True, revised) for epoch, value in zip(quarters, values, strict=True)
        ]


def profile_weights(weights) -> list[Fraction]:
    """A load profile's weights as exact fractions; ValueError unless 96 non-negative numbers."""
    if not isinstance(weights, list) or len(weights) != QUARTERS_PER_DAY:
        raise ValueError(f"must hold {QUARTERS_PER_DAY} weights, one per quarter hour of the day")
    try:
        fractions = [Fraction(str(weight)) for weight in weights]
    except (ValueError, ZeroDivisionError, TypeError):
        raise ValueError("every weight must be a number") from None
    if any(weight < 0 for weight in fractions):
        raise ValueError("weights may not be negative")
    return fractions


def premise_buckets(
    *,
    premise_id: int,
    days: LocalDays,
    shaper: Shaper,
    read_from: int,
    read_to: int,
    keep: Callable[[Bucket], bool],
) -> Iterator[Bucket]:
    """The premise's buckets built from quarter hours in [read_from, read_to), day by local day,
    those `keep` accepts. A local day without any interval read takes its daily register read,
    spread with the load profile. Memory holds one day's quarter hours."""
    first_day, last_day = days.local_date(read_from), days.local_date(read_to - 1)
    daily = {
        read.read_date: read
        for read in selectors.daily_reads(premise_id=premise_id, first_day=first_day, last_day=last_day)
    }
    rows = iter(
        selectors.interval_rows(
            premise_id=premise_id,
            windows=[(datetime.fromtimestamp(read_from, UTC), datetime.fromtimestamp(read_to, UTC))],
        )
    )
    following = next(rows, None)
    day = first_day
    while day <= last_day:
        day_end = days.midnight(day + timedelta(days=1))
        day_rows = []
        while following is not None and following[0] < day_end:
            day_rows.append(following)
            following = next(rows, None)
        if not day_rows and (read := daily.get(day)) is not None:
            spread = shaper.spread(wh=kwh_to_wh(read.kwh), revised=int(read.revised_at.timestamp()), days=days, day=day)
            day_rows = [row for row in spread if read_from <= row[0] < read_to]
        for bucket in shaper.aggregate(day_rows, days, day):
            if keep(bucket):
                yield bucket
        day += timedelta(days=1)
