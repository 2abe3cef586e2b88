"""The expiry sweep over a million rows: 500,000 invitations and 500,000 agreements, half of each
due (the worst case: half of every page expires at once), built set-based with INSERT ... SELECT
generate_series, then `expire_due` timed as a first sweep ever (a full pass; goal: under 10 s), run
again to show it is idempotent, and everything removed again.

Each run prints its wall time and rows per second, and, since the machine may be shared, what
PostgreSQL did: buffers touched (pg_stat_database), WAL written and the server process's CPU time
(when the server runs on this machine)."""

import math
import time
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from agreements.models import Agreement, AgreementEvent, AgreementInvitation, ExpirySweep
from agreements.services import expire_due
from bench.cpu import backend_pid, process_cpu_seconds
from portal.models import ThirdParty, User

INVITATIONS = 500_000
AGREEMENTS = 500_000
MARKER = "BENCH-EXPIRY"


GOAL_SECONDS = 10


def _seconds(started: float) -> str:
    return f"{time.perf_counter() - started:.2f} s"


def _server_counters() -> tuple[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # this backend's counters, now
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT blks_hit + blks_read, pg_current_wal_lsn() FROM pg_stat_database WHERE datname = current_database()"
        )
        return cursor.fetchone()


def _timed_sweep(now) -> tuple[dict, float, str]:
    pid = backend_pid()
    buffers, wal = _server_counters()
    cpu = process_cpu_seconds(pid)
    started = time.perf_counter()
    counts = expire_due(now=now)
    seconds = time.perf_counter() - started
    cpu = process_cpu_seconds(pid) - cpu
    buffers_after, wal_after = _server_counters()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(%s, %s)", [wal_after, wal])
        wal_bytes = cursor.fetchone()[0]
    server = f"{buffers_after - buffers:,} buffers, {float(wal_bytes) / 1e6:,.0f} MB WAL"
    if not math.isnan(cpu):  # NaN: the server runs on another machine
        server += f", server CPU {cpu:.2f} s"
    return counts, seconds, server


def _build(third_party_id: int, customer_id: int, now) -> None:
    invitation_table = AgreementInvitation._meta.db_table
    agreement_table = Agreement._meta.db_table
    params = {
        "third_party": third_party_id,
        "customer": customer_id,
        "now": now,
        "due": now - timedelta(days=1),
        "later": now + timedelta(days=20),
        "started": now - timedelta(days=200),
    }
    with connection.cursor() as cursor:
        # Even rows are due, odd rows are not.
        cursor.execute(
            f"""INSERT INTO {invitation_table} (number, token, third_party_id, agreement_type, customer_id,
                    identified_by, customer_email, duration_kind, one_time_kind, months, device_mac,
                    device_install_code, device_type, device_description, status, expires_at,
                    rejection_reason, created_at, updated_at)
                SELECT '{MARKER}-I' || g, md5('{MARKER}' || g), %(third_party)s, 'energy_data', %(customer)s,
                    'email', '', 'continuous', '', 6, '', '', '', '', 'pending',
                    CASE WHEN g %% 2 = 0 THEN %(due)s ELSE %(later)s END, '', %(started)s, %(started)s
                FROM generate_series(1, {INVITATIONS}) AS g""",
            params,
        )
        cursor.execute(
            f"""INSERT INTO {agreement_table} (number, agreement_type, source, customer_id, third_party_id,
                    data_kinds, duration_kind, months, starts_at, accepted_at, ends_at, data_from, status,
                    ended_by_role, end_reason, created_at, updated_at)
                SELECT '{MARKER}-A' || g, 'energy_data', 'invitation', %(customer)s, %(third_party)s,
                    '["interval", "daily", "monthly", "on_demand"]'::jsonb, 'continuous', 6, %(started)s,
                    %(started)s, CASE WHEN g %% 2 = 0 THEN %(due)s ELSE %(later)s END,
                    %(started)s - interval '12 months', 'active', '', '', %(started)s, %(started)s
                FROM generate_series(1, {AGREEMENTS}) AS g""",
            params,
        )
        cursor.execute(f"ANALYZE {invitation_table}")
        cursor.execute(f"ANALYZE {agreement_table}")
    # Time the worst case: a full pass, as the first sweep ever makes (see services.expiry).
    ExpirySweep.objects.all().delete()


def _clean_up(third_party: ThirdParty, customer: User) -> None:
    events = AgreementEvent._meta.db_table
    invitations = AgreementInvitation._meta.db_table
    agreements = Agreement._meta.db_table
    with connection.cursor() as cursor:
        # Joins, not IN (...) OR IN (...): that form falls back to a row-by-row subplan at this size.
        cursor.execute(
            f"DELETE FROM {events} e USING {invitations} i WHERE e.invitation_id = i.id AND i.third_party_id = %s",
            [third_party.pk],
        )
        cursor.execute(
            f"DELETE FROM {events} e USING {agreements} a WHERE e.agreement_id = a.id AND a.third_party_id = %s",
            [third_party.pk],
        )
        cursor.execute(f"DELETE FROM {agreements} WHERE third_party_id = %s", [third_party.pk])
        cursor.execute(f"DELETE FROM {invitations} WHERE third_party_id = %s", [third_party.pk])
        # Plain deletes: nothing else points at these two rows, and no cascade reaches other apps.
        cursor.execute(f"DELETE FROM {ThirdParty._meta.db_table} WHERE id = %s", [third_party.pk])
        cursor.execute(f"DELETE FROM {User._meta.db_table} WHERE id = %s", [customer.pk])


def main() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("The expiry benchmark runs on PostgreSQL (python -m bench expiry).")
    third_party, _ = ThirdParty.objects.get_or_create(
        registration_number=MARKER, defaults={"name": "Expiry benchmark", "contact_email": "bench@example.test"}
    )
    customer, _ = User.objects.get_or_create(email="bench-expiry@example.test")
    _clean_up(third_party, customer)  # a previous run that died half-way
    third_party = ThirdParty.objects.create(
        registration_number=MARKER, name="Expiry benchmark", contact_email="bench@example.test"
    )
    customer = User.objects.create(email="bench-expiry@example.test")
    try:
        now = timezone.now()
        started = time.perf_counter()
        _build(third_party.pk, customer.pk, now)
        print(f"   built {INVITATIONS:,} invitations + {AGREEMENTS:,} agreements in {_seconds(started)}", flush=True)

        counts, seconds, server = _timed_sweep(now)
        expired = sum(counts.values())
        verdict = "goal met" if seconds < GOAL_SECONDS else "goal missed"
        print(f"   expire_due: {seconds:.2f} s ({verdict}: under {GOAL_SECONDS} s) for {counts}", flush=True)
        print(f"      {expired / seconds:,.0f} rows/s; {server}", flush=True)
        assert counts["invitations"] >= INVITATIONS // 2 and counts["agreements"] >= AGREEMENTS // 2, counts

        again, seconds, server = _timed_sweep(now)
        print(f"   expire_due again (idempotent): {seconds:.2f} s for {again}; {server}", flush=True)
        assert again == {"invitations": 0, "agreements": 0, "extension_requests": 0}, again
        events = AgreementEvent.objects.filter(agreement__third_party=third_party).count()
        events += AgreementEvent.objects.filter(invitation__third_party=third_party).count()
        print(f"   audit events written: {events:,}", flush=True)
    finally:
        started = time.perf_counter()
        _clean_up(third_party, customer)
        print(f"   cleaned up in {_seconds(started)}", flush=True)
