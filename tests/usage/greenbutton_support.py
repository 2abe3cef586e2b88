"""Helpers of the Green Button tests: interval data over whole local days (the report tests'
loader) and the independent parser (greenbutton-objects, from PyPI) reading our files back."""

import io
import xml.etree.ElementTree as ET
from datetime import date

from greenbutton_objects import parse

from tests.reports.conftest import load_days, local

SPRING_FORWARD = date(2025, 3, 9)  # 92 intervals in Chicago
FALL_BACK = date(2025, 11, 2)  # 100 intervals

# `load_days` loads whole local days of reads (interval i of a day has 100 + i Wh, the 4th
# estimated; with `generation`, 7 Wh of surplus generation in every interval) in Chicago time.
__all__ = ["FALL_BACK", "SPRING_FORWARD", "load_days", "local", "parsed", "readings_of", "xml_root"]


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
