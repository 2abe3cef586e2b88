"""The expiry sweep over a million rows: 500,000 invitations and 500,000 agreements, half of each
due, built set-based with INSERT ... SELECT generate_series, then `expire_due` timed (goal: under
10 s), run again to show it is idempotent, and everything removed again."""

import time
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from agreements.models import Agreement, AgreementEvent, AgreementInvitation
from agreements.services import expire_due
from portal.models import ThirdParty, User

INVITATIONS = 500_000
AGREEMENTS = 500_000
MARKER = "BENCH-EXPIRY"


def _seconds(started: float) -> str:
    return f"{time.perf_counter() - started:.2f} s"


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

        started = time.perf_counter()
        counts = expire_due(now=now)
        print(f"   expire_due: {_seconds(started)} for {counts}", flush=True)
        assert counts["invitations"] >= INVITATIONS // 2 and counts["agreements"] >= AGREEMENTS // 2, counts

        started = time.perf_counter()
        again = expire_due(now=now)
        print(f"   expire_due again (idempotent): {_seconds(started)} for {again}", flush=True)
        assert again == {"invitations": 0, "agreements": 0, "extension_requests": 0}, again
        events = AgreementEvent.objects.filter(agreement__third_party=third_party).count()
        events += AgreementEvent.objects.filter(invitation__third_party=third_party).count()
        print(f"   audit events written: {events:,}", flush=True)
    finally:
        started = time.perf_counter()
        _clean_up(third_party, customer)
        print(f"   cleaned up in {_seconds(started)}", flush=True)
