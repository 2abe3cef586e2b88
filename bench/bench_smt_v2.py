"""The Smart Meter Texas v2 15-minute reads endpoint: 100 ESIIDs × one month (31 days, 297,600
interval reads) in one call, measured server-side (Django's test client in this process: the
time of the whole request, token check, access gate for each ESIID, reads, 100-slot layout,
access log and JSON rendering, without the network). Reuses the report benchmark's premises,
agreements and reads (bench_reports: October 2026)."""

import json
import time

ESIIDS = 100
RUNS = 3
BODY_DATES = {"startDate": "10/01/2026", "endDate": "10/31/2026"}


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
        for run in range(1, RUNS + 1):
            started = time.perf_counter()
            answer = client.post(
                "/v2/15minintervalreads/",
                json.dumps(body),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
                secure=True,
            )
            seconds = time.perf_counter() - started
            entries = json.loads(answer.content)["energyData"]
            slots = sum(1 for entry in entries for value in entry["RD"].split(",") if value)
            print(
                f"   run {run}: HTTP {answer.status_code}, {len(entries)} day entries, {slots:,} reads, "
                f"{len(answer.content) / 1e6:.1f} MB JSON in {seconds:.2f} s ({slots / seconds:,.0f} reads/s)",
                flush=True,
            )
