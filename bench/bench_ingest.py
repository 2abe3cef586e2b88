"""Ingest benchmark: Texas interval CSV into PostgreSQL, end to end (read, parse, validate, COPY).

Builds 1,000 premises and a realistic 30-day Smart Meter Texas file for them (both series
interleaved, about 1 % estimated reads, the fall-back day with its 100 rows and the `02:00,01:15`
quirk: 5.77 M rows), then measures in fresh processes:
- reads/s of `usage.services.ingest_file` for a 100-premise file and the 1,000-premise file, and
  the peak RSS of each (memory must not grow with the file);
- the CPU time per read of the loading process and of its PostgreSQL server process (from /proc):
  on a machine shared with other work, wall-clock rates vary with that work; CPU per read does not;
- reads/s and CPU per read of loading the big file again (every read unchanged: the upsert path);
- reads/s of parsing alone (no database; into binary COPY rows, as the PostgreSQL load parses), the
  Python side's ceiling;
- the same load done the plain Django way (csv + datetime + Decimal + bulk_create with
  update_conflicts) on a 20-premise sample, extrapolated;
- bytes per stored interval read: table + indexes of the partitions / rows, loaded as one file, and
  loaded day by day (30 daily files) before and after the monthly REINDEX of closed months.
The data lives in 2019 partitions of its own; premises, reads and partitions are removed after.
"""

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from bench.cpu import backend_pid, process_cpu_seconds

PREMISES = 1_000
SMALL_PREMISES = 100
BASELINE_PREMISES = 20
FIRST_DAY = date(2019, 10, 20)  # 30 days, with the fall-back day 11/03/2019
DAYS = 30
ESIID_BASE = 10443729900000000  # 17 digits, an Oncor-like prefix no real premise uses here
BENCH_PREFIX = str(ESIID_BASE)[:11]
BENCH_MONTHS = ("2019_10", "2019_11")
HEADER = (
    "ESIID,USAGE_DATE,REVISION_DATE,USAGE_START_TIME,USAGE_END_TIME,USAGE_KWH,ESTIMATED_ACTUAL,"
    "CONSUMPTION_SURPLUSGENERATION\n"
)
ROOT = Path(__file__).resolve().parent.parent


# --- The file ------------------------------------------------------------------------------------


def _clock(minute: int) -> str:
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}"


def _day_slots(day: date) -> list[tuple[str, str]]:
    """(start, end) as SMT writes them: 96 a day; 100 on the fall-back day, whose first repeated
    quarter hour reads 02:00,01:15."""
    slots = [(_clock(minute), _clock(minute + 15)) for minute in range(0, 24 * 60, 15)]
    if day == date(2019, 11, 3):
        repeated = [(_clock(minute), _clock(minute + 15)) for minute in range(60, 120, 15)]
        repeated[0] = ("02:00", "01:15")
        slots = slots[:8] + repeated + slots[8:]
    return slots


def _day_rows(rng: random.Random, esiid: str, base: float, day: date) -> list[str]:
    """One premise's day: consumption with an evening peak, rooftop solar around noon."""
    prefix = f"{esiid},{day:%m/%d/%Y},{day + timedelta(days=1):%m/%d/%Y} 06:{rng.randrange(60):02d}:11,"
    rows = []
    for start, end in _day_slots(day):
        hour = int(start[:2])
        evening = 1.8 if 17 <= hour <= 21 else 1.0
        consumption = base * evening * (0.6 + rng.random())
        sun = max(0.0, 1 - abs(hour + 0.5 - 13) / 6)
        flag = "E" if rng.random() < 0.01 else "A"
        rows.append(f"{prefix}{start},{end},{consumption:.3f},{flag},Consumption\n")
        rows.append(f"{prefix}{start},{end},{sun * 0.9 * rng.random():.3f},A,Surplus Generation\n")
    return rows


def write_file(path: Path, premises: int) -> int:
    """A 30-day interval file for `premises` premises, premise after premise; returns its data lines."""
    rng = random.Random(20191103)
    lines = 0
    with path.open("w") as out:
        out.write(HEADER)
        for number in range(premises):
            base = 0.15 + rng.random() * 0.4
            for offset in range(DAYS):
                rows = _day_rows(rng, f"'{ESIID_BASE + number + 1}", base, FIRST_DAY + timedelta(days=offset))
                out.write("".join(rows))
                lines += len(rows)
    return lines


def write_daily_files(folder: Path, premises: int) -> list[Path]:
    """The same 30 days as 30 daily files of every premise, as a utility sends them day by day."""
    rng = random.Random(20191104)
    bases = [0.15 + rng.random() * 0.4 for _ in range(premises)]
    paths = []
    for offset in range(DAYS):
        day = FIRST_DAY + timedelta(days=offset)
        path = folder / f"IntervalMeterUsage{day:%Y%m%d}.csv"
        with path.open("w") as out:
            out.write(HEADER)
            for number in range(premises):
                out.write("".join(_day_rows(rng, f"'{ESIID_BASE + number + 1}", bases[number], day)))
        paths.append(path)
    return paths


# --- Children (fresh processes, so that peak memory is the load's own) ---------------------------


def _child(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    mode, path = argv[0], Path(argv[1])
    backend = backend_pid()  # the server process that will do this child's database work
    server_cpu_before = process_cpu_seconds(backend)
    started = time.perf_counter()
    if mode == "ingest":
        from usage.services import ingest_file

        figures = dict.fromkeys(("lines", "loaded", "unchanged", "revised", "rejected", "skipped"), 0)
        for name in argv[1:]:
            result = ingest_file(path=name)
            for key in figures:
                figures[key] += getattr(result, key)
    elif mode == "parse":
        figures = {"lines": _parse_only(path)}
    else:
        figures = {"lines": _bulk_create_baseline(path, int(argv[2]))}
    figures["seconds"] = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures["peak_rss_mb"] = usage.ru_maxrss / 1024
    figures["python_cpu"] = usage.ru_utime + usage.ru_stime  # every thread of this process
    figures["server_cpu"] = process_cpu_seconds(backend) - server_cpu_before
    print(json.dumps(figures))


def _parse_only(path: Path) -> int:
    from django.utils import timezone

    from usage.ingest import PremiseDirectory, detect_format
    from usage.ingest.common import read_batches

    lines = 0
    with path.open() as stream:
        header = stream.readline()
        parser = detect_format(header)(header, directory=PremiseDirectory(), received_at=timezone.now())
        for batch, first_number, _size in read_batches(stream, 100_000, 2):
            parser.prefetch(batch)
            lines += parser.parse_packed(batch, first_number).count
    return lines


def _bulk_create_baseline(path: Path, limit: int) -> int:
    """How the same load looks written the plain Django way."""
    import csv
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from django.db import transaction

    from meters.models import Premise
    from usage.models import IntervalRead, Series

    zone = ZoneInfo("America/Chicago")
    premises = dict(Premise.objects.filter(esiid__startswith=BENCH_PREFIX).values_list("esiid", "id"))
    series_codes = {"Consumption": Series.CONSUMPTION, "Surplus Generation": Series.GENERATION}
    seen: set = set()
    batch, count = [], 0
    with path.open(newline="") as stream:
        reader = csv.reader(stream)
        next(reader)
        for esiid, usage_date, revision, start, end, kwh, flag, series in reader:
            if count >= limit:
                break
            if start == "02:00" and end == "01:15":
                start = "01:00"
            key = (esiid, usage_date, start, series)
            wall = datetime.strptime(f"{usage_date} {start}", "%m/%d/%Y %H:%M")
            moment = wall.replace(tzinfo=zone, fold=1 if key in seen else 0)
            seen.add(key)
            batch.append(
                IntervalRead(
                    premise_id=premises[esiid.lstrip("'")],
                    interval_start=moment,
                    revised_at=datetime.strptime(revision, "%m/%d/%Y %H:%M:%S").replace(tzinfo=zone),
                    wh=int(Decimal(kwh) * 1000),
                    series=series_codes[series],
                    estimated=flag == "E",
                )
            )
            count += 1
            if len(batch) == 10_000:
                _bulk_create(batch, transaction)
                batch = []
    if batch:
        _bulk_create(batch, transaction)
    return count


def _bulk_create(batch, transaction) -> None:
    from usage.models import IntervalRead

    with transaction.atomic():
        IntervalRead.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["premise", "interval_start", "series"],
            update_fields=["wh", "estimated", "revised_at"],
        )


def run_child(*args: str) -> dict:
    completed = subprocess.run(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-m", "bench.bench_ingest", *args],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode:
        raise RuntimeError(f"bench child {args} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --- The benchmark -------------------------------------------------------------------------------


def _create_premises() -> None:
    from meters.models import Premise

    Premise.objects.bulk_create(
        [
            Premise(esiid=str(ESIID_BASE + number + 1), service_address=f"{number} Bench St", postal_code="75201")
            for number in range(PREMISES)
        ],
        ignore_conflicts=True,
    )


def _cleanup() -> None:
    """Remove what the benchmark made (also what an interrupted run left)."""
    from django.db import connection

    from meters.models import Premise

    bench_ids = list(Premise.objects.filter(esiid__startswith=BENCH_PREFIX).values_list("id", flat=True))
    with connection.cursor() as cursor:
        for month in BENCH_MONTHS:
            table = f"usage_intervalread_{month}"
            cursor.execute("SELECT to_regclass(%s)", [table])
            if cursor.fetchone()[0] is None:
                continue
            cursor.execute(f"SELECT count(*) FROM {table} WHERE NOT (premise_id = ANY(%s))", [bench_ids])
            if cursor.fetchone()[0] == 0:
                cursor.execute(f"DROP TABLE {table}")
            else:
                cursor.execute(f"DELETE FROM {table} WHERE premise_id = ANY(%s)", [bench_ids])
        cursor.execute("DELETE FROM usage_intervalcorrection WHERE premise_id = ANY(%s)", [bench_ids])
        # The benchmark's premises have nothing else pointing at them: no need for the ORM's collector.
        cursor.execute("DELETE FROM meters_premise WHERE id = ANY(%s)", [bench_ids])


def _storage() -> tuple[int, int, int, int]:
    """Rows, heap bytes, index bytes and total bytes of the benchmark's partitions."""
    from django.db import connection

    rows = heap = indexes = total = 0
    with connection.cursor() as cursor:
        for month in BENCH_MONTHS:
            table = f"usage_intervalread_{month}"
            cursor.execute(
                f"SELECT count(*), pg_table_size('{table}'), pg_indexes_size('{table}'), "
                f"pg_total_relation_size('{table}') FROM {table}"
            )
            counted, table_bytes, index_bytes, all_bytes = cursor.fetchone()
            rows, heap, indexes, total = rows + counted, heap + table_bytes, indexes + index_bytes, total + all_bytes
    return rows, heap, indexes, total


def _rate(figures: dict) -> float:
    return figures["lines"] / figures["seconds"]


def main() -> None:
    from django.db import connection

    from usage import partitions

    if connection.vendor != "postgresql":
        print("   the ingest benchmark measures PostgreSQL; set BENCH_DATABASE_URL")
        return
    _cleanup()
    _create_premises()
    with tempfile.TemporaryDirectory(prefix="metergate-bench-") as folder:
        small, large = Path(folder) / "small.csv", Path(folder) / "IntervalData.csv"
        started = time.perf_counter()
        small_lines = write_file(small, SMALL_PREMISES)
        large_lines = write_file(large, PREMISES)
        print(
            f"   files: {large_lines:,} rows ({PREMISES} premises × {DAYS} days × 96–100 × 2 series, "
            f"{large.stat().st_size / 1e6:.0f} MB) and {small_lines:,} rows; written in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        try:
            first = run_child("ingest", str(small))
            print(
                f"   ingest {small_lines:,} rows: {first['seconds']:.1f} s, {_rate(first):,.0f} reads/s, "
                f"peak RSS {first['peak_rss_mb']:.0f} MB",
                flush=True,
            )
            _cleanup()  # the big file starts from empty partitions too
            _create_premises()
            big = run_child("ingest", str(large))
            assert big["loaded"] == large_lines and big["rejected"] == 0, big
            print(
                f"   ingest {large_lines:,} rows (COPY path): {big['seconds']:.1f} s, {_rate(big):,.0f} reads/s, "
                f"peak RSS {big['peak_rss_mb']:.0f} MB",
                flush=True,
            )
            python_us, server_us = (big[key] / big["lines"] * 1e6 for key in ("python_cpu", "server_cpu"))
            print(
                f"   CPU per read: {python_us:.2f} µs in Python (both threads), {server_us:.2f} µs in PostgreSQL; "
                f"this machine's other work aside, two cores bound the load at about "
                f"{1e6 / max(python_us, server_us, (python_us + server_us) / 2):,.0f} reads/s",
                flush=True,
            )
            rows, heap, indexes, total = _storage()
            print(
                f"   storage: {total / rows:.1f} bytes per interval read ({heap / rows:.1f} table + "
                f"{indexes / rows:.1f} primary key; {rows:,} rows, {total / 2**20:.0f} MiB)",
                flush=True,
            )
            again = run_child("ingest", str(large))
            assert again["unchanged"] == large_lines and again["loaded"] == 0, again
            print(
                f"   same file again, every read unchanged (upsert path): {again['seconds']:.1f} s, "
                f"{_rate(again):,.0f} reads/s; CPU per read {again['python_cpu'] / again['lines'] * 1e6:.2f} µs "
                f"in Python, {again['server_cpu'] / again['lines'] * 1e6:.2f} µs in PostgreSQL",
                flush=True,
            )
            parsing = run_child("parse", str(large))
            print(f"   parsing alone, no database: {_rate(parsing):,.0f} reads/s", flush=True)
            _cleanup()
            _create_premises()
            daily = write_daily_files(Path(folder), SMALL_PREMISES)
            day_by_day = run_child("ingest", *map(str, daily))
            rows, heap, indexes, total = _storage()
            print(
                f"   {SMALL_PREMISES} premises loaded day by day (30 daily files, {day_by_day['lines']:,} rows): "
                f"{_rate(day_by_day):,.0f} reads/s, {total / rows:.1f} bytes per interval read ({heap / rows:.1f} "
                f"table + {indexes / rows:.1f} primary key: each day lands inside every premise's key range)",
                flush=True,
            )
            for month in (date(2019, 10, 1), date(2019, 11, 1)):
                partitions.compact_partition(month)
            rows, heap, indexes, total = _storage()
            print(
                f"   … after the monthly REINDEX of closed months: {total / rows:.1f} bytes per interval read",
                flush=True,
            )
            _cleanup()
            _create_premises()
            partitions.ensure_partitions([date(2019, 10, 1), date(2019, 11, 1)])  # bulk_create cannot make them
            sample = BASELINE_PREMISES * (large_lines // PREMISES)
            baseline = run_child("baseline", str(large), str(sample))
            estimate = large_lines / _rate(baseline)
            print(
                f"   Django bulk_create baseline on {baseline['lines']:,} rows: {_rate(baseline):,.0f} reads/s "
                f"(the {large_lines:,} rows would take about {estimate:.0f} s, extrapolated); "
                f"the COPY path is {_rate(big) / _rate(baseline):.1f}× faster",
                flush=True,
            )
        finally:
            _cleanup()


if __name__ == "__main__":
    _child(sys.argv[1:])
