"""CDS usage segments: a year of 15-minute reads (35,040) of one service point, with a tariff, read
through `GET /api/v1/cds/usage-segments/` by a consent token (goal: <= 200 ms server-side, i.e.
the whole request inside Django, JSON rendering included); then the same for a solar home whose
surplus generation doubles the reads (forward, reverse and net usage, two costs). Prints the
median of 7 runs of each and removes what it made. Table statistics are gathered after loading,
as autovacuum would in a running system."""

import os
import secrets
import statistics
import time
from datetime import UTC, date, timedelta
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from agreements.services import grants as grant_services
from bench.cpu import backend_pid, process_cpu_seconds
from meters.models import Meter, Occupancy, Premise
from portal.cds import registration
from portal.cds.clients import group_of
from portal.cds.models import ClientRegistration, TestAccount
from portal.models import User
from usage.models import IntervalRead, Series, Tariff
from usage.services import IntervalReading, load_interval_reads

ESIIDS = ("10443799999000001", "10443799999000002")
RUNS = 7


def _build(*, solar: bool = False):
    now = timezone.now()
    number = 2 if solar else 1
    customer = User.objects.create_user(
        email=f"bench-cds-{number}@example.test", password=secrets.token_urlsafe(), full_name="B"
    )
    TestAccount.objects.create(customer=customer, note="bench")
    premise = Premise.objects.create(esiid=ESIIDS[number - 1], service_address="1 Bench St", postal_code="78701")
    Meter.objects.create(premise=premise, meter_number=f"BENCH-CDS-{number}")
    Occupancy.objects.create(
        customer=customer, premise=premise, account_number="BENCH-1", authorization_code="X", move_in=date(2020, 1, 1)
    )
    Tariff.objects.create(
        premise=premise,
        offtake_peak=Decimal("0.30000"),
        offtake_off_peak=Decimal("0.11835"),
        injection_peak=Decimal("0.06000"),
        injection_off_peak=Decimal("0.04125"),
        valid_from=date(2020, 1, 1),
    )
    start = (now - timedelta(days=364)).replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    readings = (
        IntervalReading(
            premise_id=premise.pk,
            interval_start=start + timedelta(minutes=15 * index),
            kwh=Decimal(100 + index % 400).scaleb(-3),
        )
        for index in range(365 * 96)
        if start + timedelta(minutes=15 * index) < now
    )
    load_interval_reads(readings=readings)
    if solar:  # surplus generation in the middle of the day, zero at night
        load_interval_reads(
            readings=(
                IntervalReading(
                    premise_id=premise.pk,
                    interval_start=start + timedelta(minutes=15 * index),
                    kwh=Decimal(max(0, 300 - abs(index % 96 - 60) * 12)).scaleb(-3),
                    series=Series.GENERATION,
                )
                for index in range(365 * 96)
                if start + timedelta(minutes=15 * index) < now
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {IntervalRead._meta.db_table}")
    registered = registration.register(
        scope="cds_client_admin cds_usage",
        submitted={
            "client_name": "Bench",
            "cds_company_name": "Bench LLC",
            "cds_contact_email": "bench@example.test",
            "cds_privacy_policy_url": "https://bench.example.test/privacy",
        },
        source=ClientRegistration.Source.DYNAMIC,
        site="http://testserver",
    )
    client = next(item for item in registered.clients if group_of(item) == "consent")
    details = [{"type": "cds_usage", "expires": "P6M", "sync_until": "infinite", "segment_start": "P12M"}]
    from portal.cds import rar

    entries = [rar.with_defaults(entry) for entry in details]
    grant = grant_services.create_grant(
        by=customer,
        client=client,
        scope_ids=["cds_usage"],
        authorization_details=entries,
        premise_ids=[premise.pk],
        include_future=False,
    )
    token = get_access_token_model().objects.create(
        user=customer,
        application=client,
        token=secrets.token_urlsafe(32),
        expires=now + timedelta(hours=1),
        scope="cds_usage",
    )
    grant_services.link_tokens(grant_ids=[grant.pk], access_token=token)
    return registered, customer, premise, token


def _clean_up(registered, customer, premise) -> None:
    from agreements.models import Agreement, AgreementEvent

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {IntervalRead._meta.db_table} WHERE premise_id = %s", [premise.pk])
    agreements = Agreement.objects.filter(customer=customer)
    AgreementEvent.objects.filter(agreement__in=agreements).delete()
    for agreement in agreements:
        agreement.premises.clear()
    agreements.delete()
    registered.registration.delete()
    Tariff.objects.filter(premise=premise).delete()
    Occupancy.objects.filter(premise=premise).delete()
    Meter.objects.filter(premise=premise).delete()
    premise.delete()
    TestAccount.objects.filter(customer=customer).delete()
    customer.delete()


def main() -> None:
    setup_test_environment()
    if Premise.objects.filter(esiid__in=ESIIDS).exists():
        print(f"   a previous run's data is still there (ESIIDs {ESIIDS}); remove it or use a fresh database")
        return
    for solar in (False, True):
        _measure(solar=solar)


def _measure(*, solar: bool) -> None:
    started = time.perf_counter()
    registered, customer, premise, token = _build(solar=solar)
    what = "consumption and surplus generation" if solar else "consumption"
    print(f"   built a year of 15-minute reads ({what}) in {time.perf_counter() - started:.1f} s")
    try:
        browser = Client()
        timings, cpu, size, values = [], [], 0, 0
        backend = backend_pid()
        database_started = process_cpu_seconds(backend)
        for _ in range(RUNS):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = browser.get(
                "/api/v1/cds/usage-segments/", secure=True, HTTP_AUTHORIZATION=f"Bearer {token.token}"
            )
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            assert response.status_code == 200, (response.status_code, response.get("Location"), response.content[:300])
            size = len(response.content)
        # The PostgreSQL backend's CPU per run (clock ticks are 10 ms: a mean over the runs; NaN
        # when the connection did not last, see DATABASE_CONN_MAX_AGE).
        database = (
            (process_cpu_seconds(backend) - database_started) / RUNS if backend_pid() == backend else float("nan")
        )
        body = response.json()
        values = sum(1 for segment in body["usage_segments"] for row in segment["values"] if row[0] is not None)
        segments = len(body["usage_segments"])
        print(f"   {segments} segments, {values:,} quarter hours with values and costs, {size / 1e6:.1f} MB of JSON")
        print(
            f"   server-side time: median {statistics.median(timings) * 1000:.0f} ms, "
            f"best {min(timings) * 1000:.0f} ms over {RUNS} runs (goal <= 200 ms)"
        )
        # The web process's own CPU (PostgreSQL's time is the rest): a figure a busy machine moves less.
        print(
            f"   web-process CPU: median {statistics.median(cpu) * 1000:.0f} ms; PostgreSQL backend CPU: "
            f"mean {database * 1000:.0f} ms; load average {os.getloadavg()[0]:.1f}"
        )
    finally:
        _clean_up(registered, customer, premise)
