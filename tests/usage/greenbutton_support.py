"""Helpers of the Green Button tests: interval data over whole local days and the independent
parser (greenbutton-objects, from PyPI) reading our files back."""

import io
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from greenbutton_objects import parse

from usage.services import IntervalReading, load_interval_reads

CHICAGO = ZoneInfo("America/Chicago")
SPRING_FORWARD = date(2025, 3, 9)  # 92 intervals in Chicago
FALL_BACK = date(2025, 11, 2)  # 100 intervals


def local(day: date, hour: int = 0) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=CHICAGO)


def load_days(premise, first_day: date, days: int, *, generation: bool = False, revised=None) -> int:
    """Whole local days of reads: interval i of a day has 100 + i Wh (the 4th estimated); with
    `generation`, 7 Wh of surplus generation in every interval."""
    revised = revised or timezone.now() - timedelta(hours=1)
    readings = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        moment, end = local(day).astimezone(UTC), local(day + timedelta(days=1)).astimezone(UTC)
        index = 0
        while moment < end:
            kwh = Decimal(100 + index).scaleb(-3)
            readings.append(IntervalReading(premise.pk, moment, kwh, estimated=index == 3, revised_at=revised))
            if generation:
                readings.append(IntervalReading(premise.pk, moment, Decimal("0.007"), series=2, revised_at=revised))
            moment, index = moment + timedelta(minutes=15), index + 1
    load_interval_reads(readings=readings)
    return len(readings)


def parsed(content: bytes):
    """The usage points greenbutton-objects finds in `content`."""
    return parse.parse_feed(io.BytesIO(content))


def xml_root(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - our own output, in a test


def readings_of(usage_point) -> dict[str, list]:
    """Flow direction name -> [(start UTC, seconds, Wh, estimated)] as the parser reads them."""
    found = {}
    for meter_reading in usage_point.meterReadings:
        flow = meter_reading.readingType.flowDirection.name
        found[flow] = [
            (
                reading.timePeriod.start,
                int(reading.timePeriod.duration.total_seconds()),
                reading.value,
                any(quality.quality.value == 8 for quality in reading.readingQualities),
            )
            for reading in meter_reading.intervalReadings
        ]
    return found
