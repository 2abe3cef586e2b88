"""Consumption extracts: an initial load of 500 premises × January 2026 of 15-minute data (1,488,000
interval reads) written to a folder, once as 15-minute kWh (the ingest layout) and once as hourly
kWh by TOU period. Prints rows/s and the process's peak memory (the extract streams: it should
not grow with the size).

The reads are built once, set-based, and kept for later runs; premises of other benchmarks are
active too but have no January data, so they cost one empty query each.
"""

import resource
import tempfile
import time
from datetime import UTC, date, datetime
from datetime import time as clock

PREMISES = 500
ESIID_PREFIX = "1044372888"
FIRST_DAY, LAST_DAY = date(2026, 1, 1), date(2026, 1, 31)


def _build() -> None:
    from django.db import connection

    from meters.models import Premise
    from usage import partitions
    from usage.models import IntervalRead

    esiids = [f"{ESIID_PREFIX}{number:07d}" for number in range(PREMISES)]
    if Premise.objects.filter(esiid__in=esiids).count() < PREMISES:
        Premise.objects.bulk_create(
            [
                Premise(esiid=esiid, service_address=f"{index} Extract St", postal_code="78701")
                for index, esiid in enumerate(esiids)
            ]  # fmt: skip
        )
    last = Premise.objects.get(esiid=esiids[-1])
    if IntervalRead.objects.filter(premise=last).exists():
        return
    partitions.ensure_partitions([date(2026, 1, 1), date(2026, 2, 1)])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {IntervalRead._meta.db_table}
                    (premise_id, interval_start, revised_at, meter_id, wh, series, estimated, historical_correction)
                SELECT premise.id, moment, %s, NULL,
                       ((premise.id * 7919 + extract(epoch FROM moment)::bigint / 900) %% 1500)::int, 1, false, false
                FROM meters_premise AS premise,
                     generate_series(%s::timestamptz, %s::timestamptz - interval '15 minutes',
                                     interval '15 minutes') AS moment
                WHERE premise.esiid LIKE %s
                ON CONFLICT DO NOTHING""",  # noqa: S608 - the table name is ours
            [datetime(2026, 2, 2, tzinfo=UTC), datetime(2026, 1, 1, 6, tzinfo=UTC),
             datetime(2026, 2, 1, 6, tzinfo=UTC), f"{ESIID_PREFIX}%"],
        )  # fmt: skip


def _tou_map():
    from usage.models import TouMap, TouRule

    tou_map, created = TouMap.objects.get_or_create(code="bench-extracts", defaults={"name": "Bench peak"})
    if created:
        TouRule.objects.create(tou_map=tou_map, period="peak", weekdays="12345", start_time=clock(7),
                               end_time=clock(10))  # fmt: skip
        TouRule.objects.create(tou_map=tou_map, period="peak", weekdays="12345", start_time=clock(17),
                               end_time=clock(20), position=1)  # fmt: skip
    return tou_map


def main() -> None:
    from django.test.utils import override_settings

    from usage.models import ExtractType
    from usage.services import extracts
    from usage.tasks import extract_delivery

    started = time.perf_counter()
    _build()
    print(f"   data ready in {time.perf_counter() - started:.1f} s", flush=True)
    shapes = [("bench-15min-kwh", 15, None), ("bench-hourly-tou", 60, _tou_map())]
    with tempfile.TemporaryDirectory() as folder, override_settings(EXTRACTS_ROOT=folder):
        for code, minutes, tou_map in shapes:
            extract_type, _ = ExtractType.objects.update_or_create(
                code=code, defaults={"name": code, "interval_minutes": minutes, "tou_map": tou_map}
            )
            request = extracts.create_initial_load(extract_type=extract_type, first_day=FIRST_DAY, last_day=LAST_DAY)
            began = time.perf_counter()
            request = extracts.run_extract_request(request_id=request.pk, deliver=extract_delivery(extract_type))
            seconds = time.perf_counter() - began
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"   {code}: {request.status}, {request.rows:,} lines from {PREMISES * 2976:,} quarter hours in "
                f"{seconds:.1f} s ({PREMISES * 2976 / seconds:,.0f} quarter hours/s), peak memory {peak:.0f} MB",
                flush=True,
            )
