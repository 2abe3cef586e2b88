"""The bulk report: 1,000 ESIIDs × one month of 15-minute data (2,976,000 interval reads) delivered
as 1,000 Texas CSV files to a real FTPS server (pyftpdlib, explicit TLS) on loopback, in a
process of its own. Goal: ≤ 60 s, peak worker memory < 300 MB.

The data (premises, customers, agreements, reads) is built once, set-based, and kept for later
runs. The report runs in a fresh worker process (`python -m bench.bench_reports --run ID`), which
samples its resident memory every 20 ms and reports the peak with rows/s.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

ESIIDS = 1_000
MONTH = date(2026, 10, 1)  # 31 days without a clock change: 2,976 intervals per premise
ESIID_PREFIX = "1044372777"
GOAL_SECONDS = 60
GOAL_MEGABYTES = 300
THREADS = (1, 2)  # the report is run once with each setting of REPORTS_DELIVERY_THREADS


def _build(third_party) -> list[str]:
    """Premises, customers, occupancies, agreements and reads of the benchmark (once)."""
    from django.utils import timezone

    from meters.models import Premise
    from usage.models import IntervalRead

    esiids = [f"{ESIID_PREFIX}{number:07d}" for number in range(ESIIDS)]
    started = time.perf_counter()
    now = timezone.now()
    if Premise.objects.filter(esiid__in=esiids).count() == ESIIDS:
        if IntervalRead.objects.filter(premise__esiid=esiids[-1]).exists():
            return esiids
    else:
        _build_consent(esiids, third_party, now)
    _build_reads(started)
    return esiids


def _build_consent(esiids, third_party, now) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from agreements.models import Agreement, DataKind
    from agreements.services import add_months
    from meters.models import Occupancy, Premise
    from portal.models import User

    with transaction.atomic():
        premises = Premise.objects.bulk_create(
            [
                Premise(esiid=esiid, service_address=f"{index} Bench St", postal_code="78701")
                for index, esiid in enumerate(esiids)
            ]
        )
        password = make_password(None)
        customers = User.objects.bulk_create(
            [User(email=f"bench-report-{index}@example.test", password=password) for index in range(ESIIDS)]
        )
        Occupancy.objects.bulk_create(
            [
                Occupancy(
                    customer=customer,
                    premise=premise,
                    account_number=f"B{index:09d}",
                    authorization_code=f"BENCH{index}",
                    move_in=date(2024, 1, 1),
                )
                for index, (customer, premise) in enumerate(zip(customers, premises, strict=True))
            ]
        )
        agreements = Agreement.objects.bulk_create(
            [
                Agreement(
                    agreement_type="energy_data",
                    customer=customer,
                    third_party=third_party,
                    data_kinds=list(DataKind.values),
                    duration_kind="continuous",
                    months=12,
                    starts_at=now,
                    accepted_at=now,
                    ends_at=add_months(now, 12),
                    data_from=add_months(now, -12),
                    number=f"BENCH-R-{index}",
                )
                for index, customer in enumerate(customers)
            ]
        )
        Agreement.premises.through.objects.bulk_create(
            [
                Agreement.premises.through(agreement=agreement, premise=premise)
                for agreement, premise in zip(agreements, premises, strict=True)
            ]
        )


def _build_reads(started: float) -> None:
    from django.db import connection

    from usage import partitions
    from usage.models import IntervalRead

    partitions.ensure_partitions([MONTH, date(2026, 11, 1)])  # the month ends at 05:00 UTC on Nov 1
    start = datetime(2026, 10, 1, 5, 0, tzinfo=UTC)  # midnight CDT
    end = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {IntervalRead._meta.db_table}
                    (premise_id, interval_start, revised_at, meter_id, wh, series, estimated, historical_correction)
                SELECT premise.id, moment, %s, NULL,
                       ((premise.id * 7919 + extract(epoch FROM moment)::bigint / 900) %% 1500)::int, 1,
                       (extract(epoch FROM moment)::bigint / 900) %% 97 = 0, false
                FROM meters_premise AS premise,
                     generate_series(%s::timestamptz, %s::timestamptz - interval '15 minutes', interval '15 minutes')
                         AS moment
                WHERE premise.esiid LIKE %s
                -- Stored as daily ingestion stores them: day by day, each premise's day together.
                ORDER BY date_trunc('day', moment AT TIME ZONE 'America/Chicago'), premise.id, moment""",
            [end, start, end, f"{ESIID_PREFIX}%"],
        )
        elapsed = time.perf_counter() - started
        print(f"   built {cursor.rowcount:,} interval reads for {ESIIDS:,} ESIIDs in {elapsed:.1f} s")
        cursor.execute(f"ANALYZE {IntervalRead._meta.db_table}")


def _start_server(folder: Path) -> tuple[subprocess.Popen, int, str]:
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tests.reports.ftps", str(folder / "root"), str(folder / "tls")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # pyftpdlib logs every command
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    port, certificate = server.stdout.readline().split()
    return server, int(port), certificate


def main() -> None:
    from portal.models import ThirdParty, ThirdPartyMembership, User
    from reports.services import requests as request_services

    third_party, _ = ThirdParty.objects.get_or_create(
        registration_number="BENCH-REPORTS", defaults={"name": "Bench Reports", "contact_email": "bench@example.test"}
    )
    agent, _ = User.objects.get_or_create(email="bench-reports-agent@example.test")
    ThirdPartyMembership.objects.get_or_create(user=agent, defaults={"third_party": third_party, "role": "admin"})
    esiids = _build(third_party)
    request_services._enqueue = lambda request_id: None  # the worker process below runs the report
    for threads in THREADS:
        _run(third_party, agent, esiids, threads)


def _run(third_party, agent, esiids: list[str], threads: int) -> None:
    """One report of every ESIID to a fresh FTPS server, run by a fresh worker process."""
    from django.db import connection
    from django.test.utils import override_settings
    from django.utils import timezone

    from reports import secrets, services
    from reports.models import DeliveryDestination, ReportRequest
    from tests.reports.ftps import FTP_PASSWORD, FTP_USER

    with tempfile.TemporaryDirectory() as folder:
        server, port, certificate = _start_server(Path(folder))
        try:
            (Path(folder) / "root" / "inbox").mkdir(parents=True)
            DeliveryDestination.objects.update_or_create(
                third_party=third_party,
                defaults={
                    "backend": "ftps",
                    "host": "127.0.0.1",
                    "port": port,
                    "username": FTP_USER,
                    "password_encrypted": secrets.encrypt(FTP_PASSWORD),
                    "folder": "inbox",
                },
            )
            started = time.perf_counter()
            with override_settings(REPORTS_MAX_ESIIDS=ESIIDS):
                request = services.build_request(
                    third_party=third_party,
                    customer=None,
                    requested_by=agent,
                    kind="interval",
                    format="texas_csv",
                    start_date=MONTH,
                    end_date=date(2026, 10, 31),
                    entries=[services.EsiidEntry(esiid) for esiid in esiids],
                    source=ReportRequest.Source.FILE,
                    now=timezone.now(),
                )
            checked = time.perf_counter() - started
            connection.close()
            environment = {**os.environ, "REPORTS_FTPS_CAFILE": certificate, "REPORTS_DELIVERY_THREADS": str(threads)}
            answer = subprocess.run(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "bench.bench_reports", "--run", str(request.pk)],
                env=environment,
                capture_output=True,
                text=True,
                cwd=Path(__file__).resolve().parent.parent,
                check=False,
            )
            if answer.returncode:
                print(answer.stdout, answer.stderr)
                raise SystemExit("the report worker failed")
            figures = json.loads(answer.stdout.strip().splitlines()[-1])
            files = list((Path(folder) / "root" / "inbox").iterdir())
            size = sum(path.stat().st_size for path in files)
        finally:
            server.terminate()
            server.wait(timeout=20)
    request.refresh_from_db()
    seconds = figures["seconds"]
    print(f"   -- {threads} delivery thread{'s' if threads > 1 else ''} (REPORTS_DELIVERY_THREADS)")
    print(f"   gate check of {ESIIDS:,} ESIIDs and request saved: {checked:.2f} s")
    print(
        f"   report {request.number}: {request.status}, {request.esiids_done:,} files ({len(files):,} on the server, "
        f"{size / 1e6:.0f} MB), {request.rows_delivered:,} rows"
    )
    print(
        f"   delivered in {seconds:.1f} s (goal ≤ {GOAL_SECONDS} s): {request.rows_delivered / seconds:,.0f} rows/s, "
        f"{request.esiids_done / seconds:.0f} files/s"
    )
    print(
        f"   worker peak memory: {figures['peak_rss_mb']:.0f} MB RSS sampled, {figures['max_rss_mb']:.0f} MB ru_maxrss "
        f"(goal < {GOAL_MEGABYTES} MB); at start {figures['start_rss_mb']:.0f} MB"
    )


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run_worker(request_id: int) -> None:
    """The worker side: run the report in this fresh process, sampling memory as it goes."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from reports import services

    start_rss = _rss_mb()
    peak = [start_rss]
    done = threading.Event()

    def sample():
        while not done.wait(0.02):
            peak[0] = max(peak[0], _rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    services.run_report(request_id=request_id)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    peak[0] = max(peak[0], _rss_mb())
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak[0], "max_rss_mb": max_rss, "start_rss_mb": start_rss}))


if __name__ == "__main__" and sys.argv[1:2] == ["--run"]:
    run_worker(int(sys.argv[2]))
elif __name__ == "__main__":
    print("Run it through the runner: python -m bench reports")
