"""Daily register reads and monthly (billing-cycle) reads."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tests.factories import PremiseFactory
from usage.models import DailyRead, MonthlyRead

from .conftest import ingest_text

pytestmark = pytest.mark.django_db

DAILY_HEADER = "ESIID,READ_DATE,REVISION_DATE,START_READING,END_READING,USAGE_KWH"
SMT_DAILY_HEADER = "esiid,readDate,revisionDate,startReading,endReading,energyDataKwh"
MONTHLY_HEADER = "ESIID,START_DATE,END_DATE,REVISION_DATE,ACTUAL_KWH,METERED_KW,BILLED_KW,METERED_KVA,BILLED_KVA"


def csv(*lines: str) -> str:
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("header", [DAILY_HEADER, SMT_DAILY_HEADER], ids=["upper-underscore", "smt-json-names"])
def test_daily_reads_are_stored_as_given_even_when_kwh_differs_from_the_register_difference(header):
    premise = PremiseFactory()
    text = csv(
        header,
        f"'{premise.esiid},04/21/2025,04/22/2025 07:41:22,24002.915,24038.915,36.492",
        f"'{premise.esiid},04/22/2025,04/23/2025 07:40:00,,,12.5",
    )

    result = ingest_text(text, name="DailyMeterUsage.csv")

    assert (result.format, result.loaded, result.rejected) == ("daily_csv", 2, 0)
    first = DailyRead.objects.get(premise=premise, read_date=date(2025, 4, 21))
    assert (first.start_reading, first.end_reading, first.kwh) == (
        Decimal("24002.915"),
        Decimal("24038.915"),
        Decimal("36.492"),
    )
    assert first.revised_at == datetime(2025, 4, 22, 12, 41, 22, tzinfo=UTC)
    second = DailyRead.objects.get(premise=premise, read_date=date(2025, 4, 22))
    assert (second.start_reading, second.kwh) == (None, Decimal("12.500"))


def test_bad_daily_lines_are_reported_and_the_good_ones_load():
    premise = PremiseFactory()
    text = csv(
        DAILY_HEADER,
        f"'{premise.esiid},04/31/2025,04/22/2025 07:41:22,1,2,1",
        f"'{premise.esiid},04/21/2025,04/22/2025 07:41:22,1,2,-1",
        f"'{premise.esiid},04/21/2025,04/22/2025 07:41:22,1,2,1.2345",
        f"'{premise.esiid},04/21/2025,04/22/2025 07:41:22,1,x,1",
        "'10443720099999999,04/21/2025,04/22/2025 07:41:22,1,2,1",
        f"'{premise.esiid},04/21/2025,04/22/2025 07:41:22,1,2",
        f"'{premise.esiid},04/21/2025,04/22/2025 07:41:22,1,2,",
        f"'{premise.esiid},04/21/2025,04/22/2025 07:41:22,1,2,1",
    )

    result = ingest_text(text)

    assert result.loaded == 1
    assert [(item.line, item.reason) for item in result.rejections] == [
        (2, "READ_DATE '04/31/2025' is not a date (MM/DD/YYYY)"),
        (3, "USAGE_KWH -1 is negative"),
        (4, "USAGE_KWH 1.2345 has more than 3 decimal places"),
        (5, "END_READING 'x' is not a number"),
        (6, "unknown ESIID 10443720099999999"),
        (7, "expected 6 fields, found 5"),
        (8, "USAGE_KWH is empty"),
    ]


def test_a_later_daily_revision_replaces_an_older_one_changes_nothing_and_reloads_are_unchanged():
    premise = PremiseFactory()
    first = csv(DAILY_HEADER, f"'{premise.esiid},04/21/2025,04/22/2025 07:00:00,1.000,11.000,10")
    later = csv(DAILY_HEADER, f"'{premise.esiid},04/21/2025,04/23/2025 07:00:00,1.000,12.000,11")
    older = csv(DAILY_HEADER, f"'{premise.esiid},04/21/2025,04/20/2025 07:00:00,1.000,9.000,8")

    loads = [ingest_text(text) for text in (first, first, later, older)]

    assert [(load.loaded, load.revised, load.unchanged) for load in loads] == [
        (1, 0, 0),
        (0, 0, 1),
        (0, 1, 0),
        (0, 0, 1),
    ]
    read = DailyRead.objects.get(premise=premise)
    assert (read.kwh, read.end_reading) == (Decimal("11.000"), Decimal("12.000"))


def test_monthly_reads_with_and_without_demand_figures():
    premise = PremiseFactory()
    text = csv(
        MONTHLY_HEADER,
        f"'{premise.esiid},03/15/2025,04/14/2025,04/15/2025 08:02:11,1187,5.21,5.21,5.48,5.48",
        f"'{premise.esiid},04/15/2025,05/14/2025,05/15/2025 08:02:11,990.5,,,,",
    )

    result = ingest_text(text, name="MonthlyBilling.csv")

    assert (result.format, result.loaded) == ("monthly_csv", 2)
    march = MonthlyRead.objects.get(premise=premise, start_date=date(2025, 3, 15))
    assert (march.end_date, march.actual_kwh, march.billed_kw, march.metered_kva) == (
        date(2025, 4, 14),
        Decimal("1187.000"),
        Decimal("5.210"),
        Decimal("5.480"),
    )
    assert MonthlyRead.objects.get(premise=premise, start_date=date(2025, 4, 15)).billed_kw is None


def test_monthly_smt_column_names_are_accepted():
    premise = PremiseFactory()
    text = csv(
        "esiid,startDate,endDate,revisionDate,actualkWh,meteredKW,billedKW,meteredKVA,billedKVA",
        f"{premise.esiid},2025-03-15,2025-04-14,04/15/2025 08:02:11,1187,,,,",
    )

    assert ingest_text(text).loaded == 1


def test_bad_monthly_lines_are_reported():
    premise = PremiseFactory()
    text = csv(
        MONTHLY_HEADER,
        f"'{premise.esiid},04/14/2025,03/15/2025,04/15/2025 08:02:11,1187,,,,",
        f"'{premise.esiid},03/15/2025,04/14/2025,04/15/2025 08:02:11,lots,,,,",
        f"'{premise.esiid},03/15/2025,04/14/2025,04/15/2025 08:02:11,1187,-1,,,",
    )

    result = ingest_text(text)

    assert [(item.line, item.reason) for item in result.rejections] == [
        (2, "END_DATE 03/15/2025 is before START_DATE 04/14/2025"),
        (3, "ACTUAL_KWH 'lots' is not a number"),
        (4, "METERED_KW -1 is negative"),
    ]


def test_a_later_monthly_revision_replaces_the_cycle():
    premise = PremiseFactory()
    ingest_text(csv(MONTHLY_HEADER, f"'{premise.esiid},03/15/2025,04/14/2025,04/15/2025 08:00:00,1187,,,,"))

    result = ingest_text(csv(MONTHLY_HEADER, f"'{premise.esiid},03/15/2025,04/14/2025,04/20/2025 08:00:00,1190,,,,"))

    assert result.revised == 1
    assert MonthlyRead.objects.get(premise=premise).actual_kwh == Decimal("1190.000")
