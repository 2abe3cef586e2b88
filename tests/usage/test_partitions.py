"""Monthly partitions of the interval table: created on demand by loads and ahead by the beat task."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

from tests.factories import PremiseFactory
from usage import partitions, services
from usage.models import IntervalRead

from .conftest import ingest_text, postgresql_only, texas_file, texas_row

pytestmark = pytest.mark.django_db


def _relkind(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


@postgresql_only
def test_interval_table_is_range_partitioned_with_a_premise_first_primary_key():
    assert _relkind("usage_intervalread") == "p"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_partkeydef('usage_intervalread'::regclass)")
        assert cursor.fetchone()[0] == "RANGE (interval_start)"
        cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'usage_intervalread_pkey'")
        assert cursor.fetchone()[0] == "PRIMARY KEY (premise_id, interval_start, series)"


@postgresql_only
def test_ingesting_a_month_without_partition_creates_it():
    premise = PremiseFactory()
    assert "usage_intervalread_2024_01" not in partitions.existing_partitions()

    result = ingest_text(texas_file(texas_row(premise.esiid, "01/10/2024", "10:00", "10:15")))

    assert result.loaded == 1
    assert "usage_intervalread_2024_01" in partitions.existing_partitions()
    assert _relkind("usage_intervalread_2024_01") == "r"


@postgresql_only
def test_partitions_follow_utc_months_so_a_late_local_evening_lands_in_the_next_month():
    premise = PremiseFactory()  # America/Chicago: 07/31 23:45 CDT is 08/01 04:45 UTC

    ingest_text(texas_file(texas_row(premise.esiid, "07/31/2024", "23:45", "00:00")))

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM usage_intervalread_2024_08")
        assert cursor.fetchone()[0] == 1
    assert "usage_intervalread_2024_07" not in partitions.existing_partitions()


@postgresql_only
def test_generated_reads_create_their_partitions_too():
    premise = PremiseFactory()
    reading = services.IntervalReading(
        premise_id=premise.pk, interval_start=datetime(2023, 3, 1, 6, 0, tzinfo=UTC), kwh=Decimal("1.5")
    )

    services.load_interval_reads(readings=[reading])

    assert "usage_intervalread_2023_03" in partitions.existing_partitions()
    assert IntervalRead.objects.get(premise=premise).wh == 1500


@postgresql_only
def test_beat_task_creates_this_month_and_the_next_ones_ahead():
    from usage.tasks import create_interval_partitions

    create_interval_partitions()

    month = partitions.month_start(datetime.now(UTC))
    expected = [month]
    for _ in range(3):
        month = partitions.next_month(month)
        expected.append(month)
    existing = partitions.existing_partitions()
    assert all(partitions.partition_name(month) in existing for month in expected)


@postgresql_only
def test_creating_partitions_twice_creates_nothing_the_second_time():
    months = partitions.months_between(datetime(2022, 1, 5, tzinfo=UTC), datetime(2022, 3, 5, tzinfo=UTC))

    first = partitions.ensure_partitions(months)
    second = partitions.ensure_partitions(months)

    assert first == ["usage_intervalread_2022_01", "usage_intervalread_2022_02", "usage_intervalread_2022_03"]
    assert second == []


def test_sqlite_keeps_a_plain_table_and_partition_calls_do_nothing():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite behaviour: on PostgreSQL the table is partitioned")
    assert partitions.ensure_partitions([datetime(2024, 1, 1).date()]) == []
    assert partitions.existing_partitions() == []
    premise = PremiseFactory()
    assert ingest_text(texas_file(texas_row(premise.esiid, "01/10/2024", "10:00", "10:15"))).loaded == 1


def test_month_arithmetic_crosses_the_year():
    months = partitions.months_between(datetime(2024, 11, 30), datetime(2025, 2, 1))

    assert [month.isoformat() for month in months] == ["2024-11-01", "2024-12-01", "2025-01-01", "2025-02-01"]
    assert partitions.partition_name(months[1]) == "usage_intervalread_2024_12"


@postgresql_only
@pytest.mark.django_db(transaction=True)  # REINDEX CONCURRENTLY cannot run inside a transaction
def test_compacting_a_closed_month_rebuilds_its_index_and_keeps_its_reads():
    premise = PremiseFactory()
    ingest_text(texas_file(texas_row(premise.esiid, "05/10/2021", "10:00", "10:15")))
    month = datetime(2021, 5, 1).date()
    try:
        assert partitions.compact_partition(month) == "usage_intervalread_2021_05"
        assert IntervalRead.objects.filter(premise=premise).count() == 1
        assert partitions.compact_partition(datetime(1999, 1, 1).date()) is None  # no such partition
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS usage_intervalread_2021_05")


def test_interval_read_factory_makes_its_partition_first():
    from tests.factories import IntervalReadFactory

    read = IntervalReadFactory(interval_start=datetime(2020, 2, 29, 23, 45, tzinfo=UTC), wh=1234)

    assert IntervalRead.objects.get(premise=read.premise).kwh == Decimal("1.234")
    if connection.vendor == "postgresql":
        assert "usage_intervalread_2020_02" in partitions.existing_partitions()
