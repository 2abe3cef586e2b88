"""The Green Button (ESPI XML) writer, read back by an independent parser (greenbutton-objects)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tests.factories import MonthlyReadFactory, PremiseFactory
from usage import greenbutton

from .greenbutton_support import FALL_BACK, SPRING_FORWARD, load_days, local, parsed, readings_of, xml_root

pytestmark = pytest.mark.django_db

NS = {"atom": "http://www.w3.org/2005/Atom", "espi": "http://naesb.org/espi"}
HREFS = greenbutton.Hrefs("https://portal.example.test/espi/1_1/resource", "RetailCustomer/7")
NOW = datetime(2025, 12, 1, 12, tzinfo=UTC)


def export(premise, windows, summary_windows=()) -> bytes:
    point = greenbutton.Point(
        premise.pk, premise.esiid, premise.time_zone, "100 Congress Ave", list(windows), list(summary_windows)
    )
    chunks = greenbutton.feed(
        hrefs=HREFS, points=[point], self_href=HREFS.usage_points, title="Green Button", updated=NOW
    )
    return "".join(chunks).encode()


def days(first: date, count: int):
    return [(local(first), local(first + timedelta(days=count)))]


def test_every_stored_reading_comes_back_through_the_independent_parser():
    premise = PremiseFactory()
    load_days(premise, date(2025, 7, 1), 2, generation=True)

    (usage_point,) = parsed(export(premise, days(date(2025, 7, 1), 2)))

    readings = readings_of(usage_point)
    assert usage_point.serviceCategory.name == "electricity"
    assert len(readings["forward"]) == len(readings["reverse"]) == 192
    first = readings["forward"][0]
    assert first == (local(date(2025, 7, 1)).astimezone(UTC), 900, 100, False)
    assert readings["forward"][3][3] is True  # the estimated read carries its quality
    assert {reading[2] for reading in readings["reverse"]} == {7}


def test_reading_types_say_watt_hours_every_15_minutes_forward_and_reverse():
    premise = PremiseFactory()
    load_days(premise, date(2025, 7, 1), 1, generation=True)

    (usage_point,) = parsed(export(premise, days(date(2025, 7, 1), 1)))

    types = {reading.readingType.flowDirection.name: reading.readingType for reading in usage_point.meterReadings}
    assert set(types) == {"forward", "reverse"}
    for reading_type in types.values():
        assert reading_type.uom.name == "wattHours"
        assert reading_type.intervalLength == 900
        assert reading_type.powerOfTenMultiplier == 0
        assert reading_type.accumulationBehaviour.name == "deltaData"


def test_without_generation_only_the_forward_meter_reading_is_written():
    premise = PremiseFactory()
    load_days(premise, date(2025, 7, 1), 1)

    (usage_point,) = parsed(export(premise, days(date(2025, 7, 1), 1)))

    assert [reading.readingType.flowDirection.name for reading in usage_point.meterReadings] == ["forward"]


def test_daylight_saving_days_have_92_and_100_readings_in_one_block_each():
    premise = PremiseFactory()
    load_days(premise, SPRING_FORWARD, 1)
    load_days(premise, FALL_BACK, 1)

    content = export(premise, [*days(SPRING_FORWARD, 1), *days(FALL_BACK, 1)])

    (usage_point,) = parsed(content)
    (meter_reading,) = usage_point.meterReadings
    assert [len(block.intervalReadings) for block in meter_reading.intervalBlocks] == [92, 100]
    assert [block.interval.duration.total_seconds() for block in meter_reading.intervalBlocks] == [82800, 90000]
    starts = [reading[0] for reading in readings_of(usage_point)["forward"]]
    assert len(set(starts)) == len(starts) == 192  # the repeated hour's readings are distinct instants


def test_a_days_readings_add_up_to_the_stored_kwh_exactly():
    premise = PremiseFactory()
    load_days(premise, FALL_BACK, 1)

    (usage_point,) = parsed(export(premise, days(FALL_BACK, 1)))

    total = sum(reading[2] for reading in readings_of(usage_point)["forward"])
    assert total == sum(100 + index for index in range(100))
    assert Decimal(total).scaleb(-3) == Decimal("14.950")


def test_only_the_windows_readings_are_written():
    premise = PremiseFactory()
    load_days(premise, date(2025, 7, 1), 3)

    (usage_point,) = parsed(export(premise, [(local(date(2025, 7, 2), 6), local(date(2025, 7, 2), 12))]))

    readings = readings_of(usage_point)["forward"]
    assert len(readings) == 24
    assert readings[0][0] == local(date(2025, 7, 2), 6).astimezone(UTC)


def test_local_time_parameters_carry_the_us_central_rules():
    premise = PremiseFactory(time_zone="America/Chicago")

    root = xml_root(export(premise, days(date(2025, 7, 1), 1)))

    (parameters,) = root.findall("atom:entry/atom:content/espi:LocalTimeParameters", NS)
    values = {child.tag.split("}")[1]: child.text for child in parameters}
    assert values == {"dstEndRule": "B40E2000", "dstOffset": "3600", "dstStartRule": "360E2000", "tzOffset": "-21600"}


def test_a_zone_without_daylight_saving_has_no_rules():
    assert greenbutton.local_time_parameters("America/Phoenix") == ("FFFFFFFF", 0, "FFFFFFFF", -25200)


def test_billing_periods_become_usage_summaries_in_watt_hours():
    premise = PremiseFactory()
    MonthlyReadFactory(premise=premise, start_date=date(2025, 6, 15), end_date=date(2025, 7, 14))

    root = xml_root(export(premise, [], summary_windows=days(date(2025, 6, 1), 60)))

    (summary,) = root.findall("atom:entry/atom:content/espi:UsageSummary", NS)
    assert summary.find("espi:overallConsumptionLastPeriod/espi:value", NS).text == "720000"
    assert summary.find("espi:overallConsumptionLastPeriod/espi:uom", NS).text == "72"
    start = int(summary.find("espi:billingPeriod/espi:start", NS).text)
    assert start == int(local(date(2025, 6, 15)).timestamp())
    assert summary.find("espi:billingPeriod/espi:duration", NS).text == str(30 * 86400)
    usage_point = root.find("atom:entry/atom:content/espi:UsagePoint/../..", NS)
    related = [link.get("href") for link in usage_point.findall("atom:link[@rel='related']", NS)]
    assert HREFS.usage_summaries(premise.esiid) in related


def test_entry_ids_are_unique_name_based_uuids():
    premise = PremiseFactory()
    load_days(premise, date(2025, 7, 1), 2, generation=True)

    root = xml_root(export(premise, days(date(2025, 7, 1), 2)))

    ids = [element.text for element in root.findall("atom:entry/atom:id", NS)]
    assert len(ids) == len(set(ids)) == 2 + 2 * 2 + 2 * 2  # point, local time, 2x(reading, type), 4 blocks
    assert all(value.startswith("urn:uuid:") and value[23] == "5" for value in ids)


def test_the_feed_streams_a_block_at_a_time():
    premise = PremiseFactory()
    load_days(premise, date(2025, 7, 1), 10)
    point = greenbutton.Point(premise.pk, premise.esiid, premise.time_zone, "", days(date(2025, 7, 1), 10))

    chunks = list(greenbutton.feed(hrefs=HREFS, points=[point], self_href="x", title="t", updated=NOW))

    assert len(chunks) >= 10
    assert max(len(chunk) for chunk in chunks) < 30_000  # one day's block, never the whole period
