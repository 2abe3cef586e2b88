"""Consumption extract files delivered into the type's folder under EXTRACTS_ROOT by the task (the
reports app's folder backend), read back by our own tab-delimited ingest; the staff admin actions,
the `extract` command, beat and the demo."""

import io
import random
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from portal.management.commands.seed_demo import DemoWorld
from tests.factories import MeterFactory, PremiseFactory, StaffFactory
from usage import extracts_demo, services, tasks
from usage.models import ExtractRequest, ExtractType, IntervalRead

from .extract_support import CHICAGO, FALL_BACK, ORDINARY, extract_type, lines_of, load_day

pytestmark = pytest.mark.django_db

Status = ExtractRequest.Status


@pytest.fixture
def extracts_root(settings, tmp_path):
    settings.EXTRACTS_ROOT = tmp_path / "extracts"
    return settings.EXTRACTS_ROOT


@pytest.fixture
def staff():
    client = Client()
    client.force_login(StaffFactory())
    return client


def initial_request(kind_of_type, day=ORDINARY):
    return services.extracts.create_initial_load(extract_type=kind_of_type, first_day=day, last_day=day)


def test_the_task_writes_the_file_into_the_types_folder_under_the_extracts_root(extracts_root):
    load_day(PremiseFactory(), ORDINARY)
    request = initial_request(extract_type(destination="mdm/daily"))

    assert tasks.run_extract(request.pk) == Status.COMPLETE

    request.refresh_from_db()
    folder = extracts_root / "mdm" / "daily"
    assert [path.name for path in folder.iterdir()] == [request.file_name]
    assert request.location == str(folder / request.file_name)
    assert len(lines_of((folder / request.file_name).read_bytes())) == request.rows == 96


def test_a_15_minute_kwh_extract_loads_back_through_the_tab_delimited_ingest_across_fall_back(extracts_root):
    meter = MeterFactory()
    premise = meter.premise
    load_day(premise, FALL_BACK, wh=lambda index: 7 * index, estimated=lambda index: index % 9 == 0)
    stored = premise.interval_reads.order_by("interval_start")
    before = list(stored.values_list("interval_start", "wh", "estimated", "revised_at"))
    request = initial_request(extract_type(), FALL_BACK)
    tasks.run_extract(request.pk)
    request.refresh_from_db()

    IntervalRead.objects.filter(premise=premise).delete()
    with open(request.location, encoding="utf-8") as extract_file:
        result = services.ingest_stream(stream=extract_file, name=request.file_name)

    assert (result.format, result.loaded, result.rejected) == ("tab_utc", 100, 0)
    assert list(stored.values_list("interval_start", "wh", "estimated", "revised_at")) == before
    assert set(stored.values_list("meter_id", flat=True)) == {meter.pk}


def test_a_complete_request_run_again_leaves_its_file_alone(extracts_root):
    PremiseFactory()
    request = initial_request(extract_type())
    tasks.run_extract(request.pk)
    request.refresh_from_db()
    path = extracts_root / request.file_name
    path.write_text("kept\n")

    tasks.run_extract(request.pk)

    assert path.read_text() == "kept\n"


def test_a_run_taken_over_after_a_crash_replaces_the_half_file_with_one_whole_file(extracts_root):
    load_day(PremiseFactory(), ORDINARY)
    request = initial_request(extract_type())
    tasks.run_extract(request.pk)  # to learn the name the request's file always has
    request.refresh_from_db()
    (extracts_root / request.file_name).unlink()
    (extracts_root / (request.file_name + ".part")).write_text("ESIID\thalf")  # as a killed run leaves it
    ExtractRequest.objects.filter(pk=request.pk).update(status=Status.RUNNING)

    tasks.run_extract(request.pk)

    assert [path.name for path in extracts_root.iterdir()] == [request.file_name]
    assert len(lines_of((extracts_root / request.file_name).read_bytes())) == 96


def test_beat_queues_each_automated_types_incremental(extracts_root, django_capture_on_commit_callbacks):
    load_day(PremiseFactory(), ORDINARY + timedelta(days=1))
    kind_of_type = extract_type(frequency=ExtractType.Frequency.DAILY, interval_minutes=1440)
    kind_of_type.extract_through = datetime(2025, 6, 11, 5, tzinfo=UTC)
    kind_of_type.save()

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.create_incremental_extracts() == 1

    request = kind_of_type.requests.get()
    assert (request.kind, request.status) == ("incremental", Status.COMPLETE)
    kind_of_type.refresh_from_db()
    assert kind_of_type.extract_through > datetime.now(UTC) - timedelta(days=1)


# --- Staff: admin actions and the command ----------------------------------------------------------


def test_staff_run_an_initial_load_from_the_admin_after_choosing_its_days(
    staff, extracts_root, django_capture_on_commit_callbacks
):
    load_day(PremiseFactory(), ORDINARY)
    kind_of_type = extract_type()
    chosen = {"action": "run_initial_load", "_selected_action": [kind_of_type.pk]}

    form = staff.post("/admin/usage/extracttype/", chosen)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post("/admin/usage/extracttype/", {**chosen, "apply": "1", "first_day": "2025-06-10",
                                                 "last_day": "2025-06-10"})  # fmt: skip

    assert 'name="first_day"' in form.content.decode()
    request = kind_of_type.requests.get()
    assert (request.kind, request.status, request.rows) == ("initial", Status.COMPLETE, 96)
    listing = staff.get("/admin/usage/extractrequest/").content.decode()
    assert request.file_name in listing and "Complete" in listing


def test_an_initial_load_ending_today_is_refused_in_the_admin_with_the_reason(staff, extracts_root):
    kind_of_type = extract_type()
    today = datetime.now(CHICAGO).date().isoformat()

    chosen = {"action": "run_initial_load", "_selected_action": [kind_of_type.pk], "apply": "1"}

    page = staff.post("/admin/usage/extracttype/", {**chosen, "first_day": today, "last_day": today}, follow=True)

    assert "ends yesterday" in page.content.decode()
    assert not kind_of_type.requests.exists()


@pytest.mark.parametrize(
    ("action", "reason"),
    [("run_incremental_now", "run an initial load first"), ("run_correction_extract", "nothing is extracted yet")],
)
def test_incremental_and_correction_actions_need_an_initial_load_first(staff, action, reason):
    kind_of_type = extract_type()

    page = staff.post(
        "/admin/usage/extracttype/", {"action": action, "_selected_action": [kind_of_type.pk]}, follow=True
    )

    assert reason in page.content.decode()
    assert not kind_of_type.requests.exists()


def test_an_errored_request_shows_its_error_and_runs_again_from_the_admin(
    staff, extracts_root, django_capture_on_commit_callbacks
):
    request = initial_request(extract_type())
    ExtractRequest.objects.filter(pk=request.pk).update(status=Status.ERROR, error="Writing failed: disk full.")

    listing = staff.get("/admin/usage/extractrequest/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        staff.post("/admin/usage/extractrequest/", {"action": "run_again", "_selected_action": [request.pk]})

    assert "Writing failed: disk full." in listing
    request.refresh_from_db()
    assert (request.status, request.error) == (Status.COMPLETE, "")


def test_the_extract_command_runs_an_initial_load_and_reports_the_file(extracts_root):
    load_day(PremiseFactory(), ORDINARY)
    extract_type(code="mdm")
    out = io.StringIO()

    call_command("extract", "mdm", "--initial", "--from", "2025-06-10", "--to", "2025-06-10", stdout=out)

    assert "complete: 96 rows" in out.getvalue()
    with pytest.raises(CommandError, match="run an initial load first"):
        call_command("extract", extract_type(code="fresh").code, "--incremental")
    with pytest.raises(CommandError, match="No extract type"):
        call_command("extract", "nope", "--incremental")


def test_the_demo_makes_two_extract_types_with_a_completed_initial_load(extracts_root):
    premise = PremiseFactory()
    load_day(premise, datetime.now(CHICAGO).date() - timedelta(days=2), wh=lambda index: 100)
    world = DemoWorld(rng=random.Random(1), password="x", stdout=io.StringIO())

    extracts_demo.seed(world)

    quarter_hours, hourly_tou = world.objects["extract_types"]
    assert hourly_tou.tou_map is not None and hourly_tou.interval_minutes == 60
    for kind_of_type in (quarter_hours, hourly_tou):
        request = kind_of_type.requests.get()
        assert (request.kind, request.status) == ("initial", Status.COMPLETE)
    assert quarter_hours.requests.get().rows == 96
