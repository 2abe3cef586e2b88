"""Consumption extract requests: initial load, incrementals that move the extract-through and never
extract a period twice, historical corrections picked once, and errors kept with their reason."""

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection

from tests.factories import PremiseFactory
from usage.models import ExtractRequest, ExtractType, LoadProfile, TouMap, TouRule
from usage.services import UsageError
from usage.services.extracts import (
    create_correction,
    create_daily_requests,
    create_incremental,
    create_initial_load,
    retry_request,
    run_extract_request,
)

from .extract_support import CHICAGO, ORDINARY, Outbox, extract_type, lines_of, load_day, run

pytestmark = pytest.mark.django_db

Status = ExtractRequest.Status
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only: SQLite has no row locks"
)
NEXT_DAY = ORDINARY + timedelta(days=1)


def chicago(day: date, hour: int = 0) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=CHICAGO)


def loaded_through(kind_of_type: ExtractType, last_day: date) -> ExtractType:
    """The type after an initial load of `last_day` (extracted through the midnight after it)."""
    request, _ = run(create_initial_load(extract_type=kind_of_type, first_day=last_day, last_day=last_day))
    assert request.status == Status.COMPLETE, request.error
    kind_of_type.refresh_from_db()
    return kind_of_type


def revise(premise, day: date, changes: dict[int, int]):
    """Load new values for some quarter hours of `day` (index -> Wh) with a later revision."""
    load_day(premise, day, wh=lambda index: changes.get(index, index + 1), revised=datetime(2026, 1, 5, tzinfo=UTC))


def test_the_initial_load_moves_the_extract_through_to_the_end_of_its_last_day():
    kind_of_type = loaded_through(extract_type(), ORDINARY)

    assert kind_of_type.extract_through == chicago(NEXT_DAY)
    assert kind_of_type.corrections_through is not None


def test_an_initial_load_may_not_reach_today():
    with pytest.raises(UsageError) as refused:
        create_initial_load(extract_type=extract_type(), first_day=date.today(), last_day=date.today())

    assert refused.value.code == "range_not_over"


def test_an_incremental_extracts_after_the_extract_through_up_to_today_and_moves_it_on():
    premise = PremiseFactory()
    for day in (ORDINARY, NEXT_DAY, NEXT_DAY + timedelta(days=1)):
        load_day(premise, day, wh=lambda index: 1)
    kind_of_type = loaded_through(extract_type(interval_minutes=1440), ORDINARY)

    request = create_incremental(extract_type=kind_of_type, now=chicago(NEXT_DAY + timedelta(days=1), 9))
    request, outbox = run(request)

    assert request.status == Status.COMPLETE and request.rows == 1
    assert [line["INTERVAL_START"] for line in lines_of(outbox.files[request.file_name])] == ["2025-06-11 00:00"]
    kind_of_type.refresh_from_db()
    assert kind_of_type.extract_through == chicago(NEXT_DAY + timedelta(days=1))


def test_asking_for_an_incremental_again_gives_the_open_one_and_after_it_nothing_until_midnight():
    kind_of_type = loaded_through(extract_type(), ORDINARY)
    morning = chicago(NEXT_DAY + timedelta(days=1), 9)

    first = create_incremental(extract_type=kind_of_type, now=morning)
    again = create_incremental(extract_type=kind_of_type, now=morning + timedelta(hours=2))
    run(first)

    assert again.pk == first.pk
    with pytest.raises(UsageError) as refused:
        create_incremental(extract_type=kind_of_type, now=morning + timedelta(hours=3))
    assert refused.value.code == "up_to_date"


def test_consecutive_incrementals_never_extract_an_interval_twice():
    premise = PremiseFactory()
    days = [ORDINARY + timedelta(days=offset) for offset in range(4)]
    for day in days:
        load_day(premise, day, wh=lambda index: 1)
    kind_of_type = loaded_through(extract_type(interval_minutes=60), days[0])

    seen = []
    for day in days[2:] + [days[-1] + timedelta(days=1)]:
        request, outbox = run(create_incremental(extract_type=kind_of_type, now=chicago(day, 7)))
        seen += [line["INTERVAL_START"] for line in lines_of(outbox.files[request.file_name])]

    assert len(seen) == len(set(seen)) == 3 * 24
    assert (seen[0], seen[-1]) == ("2025-06-11 00:00", "2025-06-13 23:00")


def test_beat_creates_one_incremental_per_active_automated_type_however_often_it_fires():
    automated = loaded_through(extract_type(frequency=ExtractType.Frequency.DAILY), ORDINARY)
    loaded_through(extract_type(), ORDINARY)  # manual
    extract_type(frequency=ExtractType.Frequency.DAILY)  # never loaded: no starting point
    loaded_through(extract_type(frequency=ExtractType.Frequency.DAILY, active=False), ORDINARY)
    morning = chicago(NEXT_DAY + timedelta(days=1), 7)

    first = create_daily_requests(now=morning)
    second = create_daily_requests(now=morning + timedelta(minutes=5))

    assert [request.extract_type for request in first] == [automated]
    assert [request.pk for request in second] == [first[0].pk]
    assert ExtractRequest.objects.filter(kind="incremental").count() == 1


def test_the_extract_through_moves_only_once_the_file_is_delivered_and_the_error_is_kept():
    kind_of_type = loaded_through(extract_type(), ORDINARY)
    request = create_incremental(extract_type=kind_of_type, now=chicago(NEXT_DAY + timedelta(days=1), 7))

    failed, _ = run(request, Outbox(fail_with=OSError("No space left on device")))
    kind_of_type.refresh_from_db()

    assert (failed.status, failed.error) == (Status.ERROR, "No space left on device")
    assert kind_of_type.extract_through == chicago(NEXT_DAY)
    done, _ = run(retry_request(request=failed))
    kind_of_type.refresh_from_db()
    assert done.status == Status.COMPLETE and done.error == ""
    assert kind_of_type.extract_through == chicago(NEXT_DAY + timedelta(days=1))


def test_a_complete_request_is_never_run_again():
    PremiseFactory()
    request = create_initial_load(extract_type=extract_type(), first_day=ORDINARY, last_day=ORDINARY)
    outbox = Outbox()

    run(request, outbox)
    run(request, outbox)

    assert outbox.deliveries == 1


def test_a_bad_load_profile_leaves_the_request_in_error_with_the_reason():
    profile = LoadProfile.objects.create(code="short", name="Short", weights=[1, 2, 3])
    request = create_initial_load(
        extract_type=extract_type(load_profile=profile), first_day=ORDINARY, last_day=ORDINARY
    )

    request, outbox = run(request)

    assert request.status == Status.ERROR
    assert request.error == "The load profile Short: must hold 96 weights, one per quarter hour of the day."
    assert outbox.files == {}


def test_a_bad_tou_rule_leaves_the_request_in_error_with_the_reason():
    tou_map = TouMap.objects.create(code="bad", name="Bad")
    TouRule.objects.create(tou_map=tou_map, period="peak", weekdays="89", start_time=time(14), end_time=time(19))
    request = create_initial_load(extract_type=extract_type(tou_map=tou_map), first_day=ORDINARY, last_day=ORDINARY)

    request, _ = run(request)

    assert request.status == Status.ERROR and "ISO weekday" in request.error


def test_an_incremental_needs_an_initial_load_first():
    with pytest.raises(UsageError) as refused:
        create_incremental(extract_type=extract_type())

    assert refused.value.code == "no_initial_load"


# --- Historical corrections ----------------------------------------------------------------------


def test_a_correction_extract_sends_each_revised_hour_whole_with_its_new_values_once():
    premise, other = PremiseFactory(), PremiseFactory()
    load_day(premise, ORDINARY)
    load_day(other, ORDINARY)
    kind_of_type = loaded_through(extract_type(interval_minutes=60), ORDINARY)
    revise(premise, ORDINARY, {5: 500, 6: 600, 40: 4000})  # hours 01:00 and 10:00

    request, outbox = run(create_correction(extract_type=kind_of_type))

    lines = lines_of(outbox.files[request.file_name])
    assert [(line["ESIID"], line["INTERVAL_START"], line["KWH"]) for line in lines] == [
        (premise.esiid, "2025-06-10 01:00", "1.113"),  # 5 + 500 + 600 + 8 Wh
        (premise.esiid, "2025-06-10 10:00", "4.129"),  # 4000 + 42 + 43 + 44 Wh
    ]
    assert create_correction(extract_type=kind_of_type, only_when_due=True) is None
    again, outbox = run(create_correction(extract_type=kind_of_type))
    assert again.rows == 0 and lines_of(outbox.files[again.file_name]) == []


def test_revisions_after_the_extract_through_are_left_to_the_incremental():
    premise = PremiseFactory()
    load_day(premise, ORDINARY)
    load_day(premise, NEXT_DAY)
    kind_of_type = loaded_through(extract_type(), ORDINARY)
    revise(premise, NEXT_DAY, {0: 999})

    assert create_correction(extract_type=kind_of_type, only_when_due=True) is None
    request, outbox = run(create_incremental(extract_type=kind_of_type, now=chicago(NEXT_DAY + timedelta(days=1), 7)))
    assert lines_of(outbox.files[request.file_name])[0]["KWH"] == "0.999"


def test_beat_creates_a_correction_extract_only_when_corrections_wait():
    premise = PremiseFactory()
    load_day(premise, ORDINARY)
    loaded_through(extract_type(frequency=ExtractType.Frequency.DAILY), ORDINARY)
    today = chicago(NEXT_DAY + timedelta(days=1), 7)

    quiet = create_daily_requests(now=today)
    revise(premise, ORDINARY, {0: 7})
    busy = create_daily_requests(now=datetime.now(UTC))

    assert [request.kind for request in quiet] == ["incremental"]
    assert sorted(request.kind for request in busy) == ["correction", "incremental"]


def test_corrections_loaded_before_the_initial_load_are_already_in_it():
    premise = PremiseFactory()
    load_day(premise, ORDINARY)
    revise(premise, ORDINARY, {0: 7})
    kind_of_type = loaded_through(extract_type(), ORDINARY)

    assert create_correction(extract_type=kind_of_type, only_when_due=True) is None


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_request_asked_for_while_a_run_holds_the_type_is_refused_at_once_when_not_waiting():
    kind_of_type = extract_type(extract_through=chicago(NEXT_DAY))
    initial = create_initial_load(extract_type=kind_of_type, first_day=ORDINARY, last_day=ORDINARY)
    delivering, release = threading.Event(), threading.Event()

    def slow_delivery(name, produce):
        delivering.set()
        release.wait(20)
        return 0, 0, name

    def run_in_thread():
        try:
            run_extract_request(request_id=initial.pk, deliver=slow_delivery)
        finally:
            connection.close()

    runner = threading.Thread(target=run_in_thread)
    runner.start()
    try:
        assert delivering.wait(20)
        with pytest.raises(UsageError) as refused:
            create_incremental(extract_type=kind_of_type, wait=False)
    finally:
        release.set()
        runner.join(20)

    assert (refused.value.code, refused.value.status_code) == ("busy", 409)
    assert (
        create_incremental(extract_type=kind_of_type, now=chicago(NEXT_DAY + timedelta(days=2))).kind == "incremental"
    )
