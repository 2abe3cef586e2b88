"""The Smart Meter Texas v2 15-minute reads endpoint: 100 ESIIDs × one month (31 days, 297,600
interval reads) in one call, measured server-side (Django's test client in this process: the
time of the whole request, token check, access gate for each ESIID, reads, 100-slot layout,
access log and JSON rendering, without the network). Reuses the report benchmark's premises,
agreements and reads (bench_reports: October 2026).

The machine is shared, so besides wall time each run prints CPU seconds: this process's (Django:
gate, layout, rendering) and the PostgreSQL backend's serving the connection (from /proc), whose
sum is the server-side work whatever else the machine does. Then one run each of version A (every
revision), CSV and Green Button XML answered at once."""

import json
import time

from bench.cpu import backend_pid, process_cpu_seconds

ESIIDS = 100
RUNS = 3
BODY_DATES = {"startDate": "10/01/2026", "endDate": "10/31/2026"}
VARIANTS = [
    ("version A (JSON)", {"version": "A"}),
    ("CSV at once", {"reportFormat": "CSV"}),
    ("Green Button XML at once", {"reportFormat": "XML"}),
]


def _api_user(third_party):
    from portal.models import ThirdPartyMembership, User
    from reports.models import SmtApiSettings, SmtApiUser

    SmtApiSettings.objects.update_or_create(
        third_party=third_party, defaults={"service_id": "BENCHSVC", "duns": "999999999", "allowed_networks": ""}
    )
    user, _ = User.objects.get_or_create(email="bench-smt-v2@example.test")
    user.set_password("bench-smt-v2-password")
    user.save()
    ThirdPartyMembership.objects.get_or_create(user=user, defaults={"third_party": third_party, "role": "agent"})
    SmtApiUser.objects.get_or_create(user=user, defaults={"third_party": third_party})
    return user


def _timed(call):
    """(answer, wall s, this process's CPU s, the PostgreSQL backend's CPU s: NaN if the request
    did not keep one connection, e.g. past DATABASE_CONN_MAX_AGE)."""
    pid = backend_pid()
    wall, cpu, database = time.perf_counter(), time.process_time(), process_cpu_seconds(pid)
    answer = call()
    wall, cpu, database = time.perf_counter() - wall, time.process_time() - cpu, process_cpu_seconds(pid) - database
    return answer, wall, cpu, database if backend_pid() == pid else float("nan")


def main() -> None:
    from django.test import Client
    from django.test.utils import override_settings

    from bench import bench_reports
    from portal.models import ThirdParty

    third_party, _ = ThirdParty.objects.get_or_create(
        registration_number="BENCH-REPORTS", defaults={"name": "Bench Reports", "contact_email": "bench@example.test"}
    )
    esiids = bench_reports._build(third_party)[:ESIIDS]
    user = _api_user(third_party)
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        client = Client()
        token = client.post(
            "/v2/token/",
            {"username": user.email, "password": "bench-smt-v2-password"},
            content_type="application/json",
            secure=True,
        ).json()["accessToken"]
        body = {
            "trans_id": "bench",
            "requestorID": "BENCHSVC",
            "requesterAuthenticationID": "999999999",
            "version": "L",
            "readingType": "C",
            "esiid": esiids,
            "reportFormat": "JSON",
            "deliveryMode": "API",
            **BODY_DATES,
        }

        def call(**fields):
            return client.post(
                "/v2/15minintervalreads/",
                json.dumps({**body, **fields}),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
                secure=True,
            )

        for run in range(1, RUNS + 1):
            answer, seconds, cpu, database = _timed(call)
            entries = json.loads(answer.content)["energyData"]
            slots = sum(1 for entry in entries for value in entry["RD"].split(",") if value)
            print(
                f"   run {run}: HTTP {answer.status_code}, {len(entries)} day entries, {slots:,} reads, "
                f"{len(answer.content) / 1e6:.1f} MB JSON in {seconds:.2f} s wall ({slots / seconds:,.0f} reads/s); "
                f"CPU {cpu:.2f} s Django + {database:.2f} s PostgreSQL ({slots / (cpu + database):,.0f} reads/CPU-s)",
                flush=True,
            )
        for label, fields in VARIANTS:
            answer, seconds, cpu, database = _timed(lambda fields=fields: call(**fields))
            print(
                f"   {label}: HTTP {answer.status_code}, {len(answer.content) / 1e6:.1f} MB in {seconds:.2f} s wall; "
                f"CPU {cpu:.2f} s Django + {database:.2f} s PostgreSQL",
                flush=True,
            )
