"""Revisions: a later revision replaces a value and keeps the previous one; nothing else changes."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.factories import PremiseFactory
from usage import services
from usage.models import IntervalCorrection, IntervalRead

from .conftest import ingest_text, postgresql_only, texas_day, texas_file, texas_row

pytestmark = pytest.mark.django_db


def _snapshot(premise) -> list[tuple]:
    return list(
        IntervalRead.objects.filter(premise=premise)
        .order_by("interval_start", "series")
        .values_list("interval_start", "series", "wh", "estimated", "revised_at", "historical_correction")
    )


def _one(premise, *, kwh: str, revision: str, flag: str = "A") -> str:
    return texas_file(texas_row(premise.esiid, "07/01/2025", "10:00", "10:15", kwh=kwh, flag=flag, revision=revision))


def test_loading_the_same_file_twice_changes_nothing():
    premise = PremiseFactory()
    text = texas_file(*texas_day(premise.esiid, "07/01/2025"), *texas_day(premise.esiid, "07/02/2025"))
    first = ingest_text(text)
    before = _snapshot(premise)

    second = ingest_text(text)

    assert (first.loaded, first.unchanged) == (192, 0)
    assert (second.loaded, second.revised, second.unchanged) == (0, 0, 192)
    assert _snapshot(premise) == before
    assert not IntervalCorrection.objects.exists()


def test_a_later_revision_replaces_the_value_keeps_the_previous_and_flags_a_historical_correction():
    premise = PremiseFactory()
    ingest_text(_one(premise, kwh="0.620", revision="07/02/2025 07:00:00", flag="E"))

    result = ingest_text(_one(premise, kwh="0.655", revision="07/03/2025 07:30:00"))

    assert (result.loaded, result.revised, result.unchanged) == (0, 1, 0)
    read = IntervalRead.objects.get(premise=premise)
    assert (read.kwh, read.estimated, read.historical_correction) == (Decimal("0.655"), False, True)
    assert read.revised_at == datetime(2025, 7, 3, 12, 30, tzinfo=UTC)
    correction = IntervalCorrection.objects.get(premise=premise)
    assert correction.interval_start == read.interval_start
    assert (correction.previous_kwh, correction.previous_estimated) == (Decimal("0.620"), True)
    assert correction.previous_revised_at == datetime(2025, 7, 2, 12, 0, tzinfo=UTC)
    assert correction.revised_at == read.revised_at
    assert correction.replaced_at is not None


def test_an_older_revision_changes_nothing():
    premise = PremiseFactory()
    ingest_text(_one(premise, kwh="0.655", revision="07/03/2025 07:30:00"))

    result = ingest_text(_one(premise, kwh="0.620", revision="07/02/2025 07:00:00"))

    assert (result.revised, result.unchanged) == (0, 1)
    read = IntervalRead.objects.get(premise=premise)
    assert (read.kwh, read.historical_correction) == (Decimal("0.655"), False)
    assert not IntervalCorrection.objects.exists()


def test_the_same_revision_with_another_value_changes_nothing():
    premise = PremiseFactory()
    ingest_text(_one(premise, kwh="0.655", revision="07/03/2025 07:30:00"))

    result = ingest_text(_one(premise, kwh="0.999", revision="07/03/2025 07:30:00"))

    assert result.unchanged == 1
    assert IntervalRead.objects.get(premise=premise).kwh == Decimal("0.655")


def test_a_later_revision_with_the_same_value_is_no_correction():
    premise = PremiseFactory()
    ingest_text(_one(premise, kwh="0.655", revision="07/02/2025 07:30:00"))

    result = ingest_text(_one(premise, kwh="0.655", revision="07/05/2025 07:30:00"))

    assert (result.revised, result.unchanged) == (0, 1)
    read = IntervalRead.objects.get(premise=premise)
    assert (read.historical_correction, read.revised_at.day) == (False, 2)
    assert not IntervalCorrection.objects.exists()


def test_an_estimate_replaced_by_an_actual_of_the_same_kwh_is_a_revision():
    premise = PremiseFactory()
    ingest_text(_one(premise, kwh="0.655", revision="07/02/2025 07:30:00", flag="E"))

    result = ingest_text(_one(premise, kwh="0.655", revision="07/03/2025 07:30:00", flag="A"))

    assert result.revised == 1
    assert IntervalRead.objects.get(premise=premise).estimated is False
    assert IntervalCorrection.objects.get(premise=premise).previous_estimated is True


def test_each_successive_revision_keeps_its_predecessor():
    premise = PremiseFactory()
    for kwh, revision in [
        ("0.100", "07/02/2025 07:00:00"),
        ("0.200", "07/03/2025 07:00:00"),
        ("0.300", "07/04/2025 07:00:00"),
    ]:
        ingest_text(_one(premise, kwh=kwh, revision=revision))

    history = IntervalCorrection.objects.filter(premise=premise).order_by("revised_at")

    assert [(item.previous_wh, item.revised_at.day) for item in history] == [(100, 3), (200, 4)]
    assert IntervalRead.objects.get(premise=premise).wh == 300


def test_within_one_file_the_newest_revision_of_an_interval_wins_and_the_first_of_equals():
    premise = PremiseFactory()
    text = texas_file(
        texas_row(premise.esiid, "07/01/2025", "10:00", "10:15", kwh="0.100", revision="07/02/2025 07:00:00"),
        texas_row(premise.esiid, "07/01/2025", "10:00", "10:15", kwh="0.300", revision="07/04/2025 07:00:00"),
        texas_row(premise.esiid, "07/01/2025", "10:00", "10:15", kwh="0.200", revision="07/03/2025 07:00:00"),
        texas_row(premise.esiid, "07/01/2025", "10:15", "10:30", kwh="0.400", revision="07/02/2025 07:00:00"),
        texas_row(premise.esiid, "07/01/2025", "10:15", "10:30", kwh="0.500", revision="07/02/2025 07:00:00"),
    )

    result = ingest_text(text)

    assert (result.loaded, result.unchanged) == (2, 3)
    assert [read.wh for read in IntervalRead.objects.filter(premise=premise).order_by("interval_start")] == [300, 400]


def test_revisions_across_batches_of_one_file_are_recorded_as_corrections():
    premise = PremiseFactory()
    text = texas_file(
        texas_row(premise.esiid, "07/01/2025", "10:00", "10:15", kwh="0.100", revision="07/02/2025 07:00:00"),
        texas_row(premise.esiid, "07/01/2025", "10:15", "10:30", kwh="0.100", revision="07/02/2025 07:00:00"),
        texas_row(premise.esiid, "07/01/2025", "10:00", "10:15", kwh="0.150", revision="07/03/2025 07:00:00"),
    )

    result = ingest_text(text, batch_size=2)

    assert (result.loaded, result.revised) == (2, 1)
    assert IntervalCorrection.objects.get(premise=premise).previous_wh == 100


def test_a_correction_of_one_premise_leaves_other_premises_untouched():
    premise, neighbour = PremiseFactory(), PremiseFactory()
    ingest_text(texas_file(*texas_day(premise.esiid, "07/01/2025"), *texas_day(neighbour.esiid, "07/01/2025")))
    neighbour_before = _snapshot(neighbour)

    result = ingest_text(_one(premise, kwh="9.999", revision="07/09/2025 07:00:00"))

    assert result.revised == 1
    assert _snapshot(neighbour) == neighbour_before
    assert IntervalRead.objects.filter(historical_correction=True).count() == 1


def test_revisions_at_both_ends_of_each_premises_span_across_a_month_boundary_are_corrections():
    premises = [PremiseFactory(), PremiseFactory()]
    ingest_text(
        texas_file(*[row for p in premises for day in ("10/31/2025", "11/01/2025") for row in texas_day(p.esiid, day)])
    )
    revision = "11/05/2025 07:00:00"
    resent = [
        row
        for premise in premises
        for row in (
            texas_row(premise.esiid, "10/31/2025", "00:00", "00:15", kwh="0.111", revision=revision),
            texas_row(premise.esiid, "10/31/2025", "19:00", "19:15", kwh="0.250"),  # 00:00 UTC in November
            texas_row(premise.esiid, "11/01/2025", "23:45", "00:00", kwh="0.999", revision=revision),
        )
    ]

    result = ingest_text(texas_file(*resent))

    assert (result.loaded, result.revised, result.unchanged) == (0, 4, 2)
    for premise in premises:
        reads = IntervalRead.objects.filter(premise=premise).order_by("interval_start")
        assert [(read.wh, read.historical_correction) for read in (reads.first(), reads.last())] == [
            (111, True),
            (999, True),
        ]
        assert reads.filter(historical_correction=True).count() == 2
    assert sorted(IntervalCorrection.objects.values_list("previous_wh", flat=True)) == [250] * 4


def test_generated_reads_follow_the_same_revision_rules():
    premise = PremiseFactory()
    start = datetime(2025, 7, 1, 15, 0, tzinfo=UTC)
    first = services.IntervalReading(
        premise_id=premise.pk, interval_start=start, kwh=Decimal("0.5"), revised_at=datetime(2025, 7, 2, tzinfo=UTC)
    )
    later = services.IntervalReading(
        premise_id=premise.pk, interval_start=start, kwh=Decimal("0.75"), revised_at=datetime(2025, 7, 3, tzinfo=UTC)
    )

    loaded = services.load_interval_reads(readings=[first])
    again = services.load_interval_reads(readings=[first])
    revised = services.load_interval_reads(readings=[later])

    assert (loaded.loaded, again.unchanged, revised.revised) == (1, 1, 1)
    assert IntervalRead.objects.get(premise=premise).kwh == Decimal("0.750")
    assert IntervalCorrection.objects.get(premise=premise).previous_wh == 500


def test_generated_reads_off_the_quarter_hour_or_with_four_decimals_are_refused():
    premise = PremiseFactory()
    odd = services.IntervalReading(
        premise_id=premise.pk, interval_start=datetime(2025, 7, 1, 15, 5, tzinfo=UTC), kwh=Decimal("0.5")
    )
    precise = services.IntervalReading(
        premise_id=premise.pk, interval_start=datetime(2025, 7, 1, 15, 0, tzinfo=UTC), kwh=Decimal("0.5001")
    )

    with pytest.raises(services.UsageError) as off_quarter:
        services.load_interval_reads(readings=[odd])
    with pytest.raises(services.UsageError) as too_precise:
        services.load_interval_reads(readings=[precise])

    assert (off_quarter.value.code, too_precise.value.code) == ("not_quarter_hour", "kwh_precision")
    assert not IntervalRead.objects.exists()


def test_new_lines_out_of_order_and_repeated_load_once_each():
    premise = PremiseFactory()
    text = texas_file(
        texas_row(premise.esiid, "07/01/2025", "10:15", "10:30", kwh="0.200"),
        texas_row(premise.esiid, "07/01/2025", "10:00", "10:15", kwh="0.100"),
        texas_row(premise.esiid, "07/01/2025", "10:15", "10:30", kwh="0.999"),
    )

    result = ingest_text(text)

    assert (result.loaded, result.unchanged) == (2, 1)
    assert [read.wh for read in IntervalRead.objects.filter(premise=premise).order_by("interval_start")] == [100, 200]


@postgresql_only
def test_new_data_meeting_a_read_written_behind_the_loaders_back_falls_back_to_the_upsert(monkeypatch):
    from usage.ingest import postgres

    premise = PremiseFactory()
    ingest_text(_one(premise, kwh="0.100", revision="07/02/2025 07:00:00"))
    # As if another writer had stored the read without the premise lock: the batch looks new.
    monkeypatch.setattr(postgres.PostgresLoader, "_lock_and_find_touched", lambda self, cursor, ranges: [])

    result = ingest_text(
        texas_file(
            texas_row(premise.esiid, "07/01/2025", "09:45", "10:00", kwh="0.050", revision="07/03/2025 07:00:00"),
            texas_row(premise.esiid, "07/01/2025", "10:00", "10:15", kwh="0.150", revision="07/03/2025 07:00:00"),
        )
    )

    assert (result.loaded, result.revised) == (1, 1)
    assert [read.wh for read in IntervalRead.objects.filter(premise=premise).order_by("interval_start")] == [50, 150]


def test_premise_ranges_of_a_batch_in_any_order():
    from usage.ingest.postgres import premise_ranges

    rows = [(1, 1800, 1, 0, False, 0, None, 2), (2, 0, 1, 0, False, 0, None, 3), (1, 900, 2, 0, False, 0, None, 4)]

    assert premise_ranges(rows) == {1: (900, 1800), 2: (0, 0)}
