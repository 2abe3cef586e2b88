"""The expiry sweep (Celery beat, every 15 minutes): invitations and extension requests unanswered
for 30 days, and agreements past their end, change status set-based, each with its audit event in
the same transaction (on PostgreSQL the same statement). Running it again changes nothing more.

How it stays fast on big tables (PostgreSQL; bench: `python -m bench expiry`):
- Expiring a row is a HOT update: no index of invitations or agreements covers a column the sweep
  writes (status, ended_*, updated_at), and those tables leave room on each page (fillfactor,
  migration 0007), so only the heap page changes, not every index of the table.
- So the due-date indexes hold every row, and a sweep must not walk all history: it reads due dates
  after the previous sweep's cutoff (less a margin) and rows created since (ids above the highest it
  saw), kept in `ExpirySweep`. Services only ever set due dates from now on; a due date moved back
  in time some other way is caught by the full pass, once a day (the access gate compares
  `ends_at` itself, so access ends on time whatever the status says).
- Batches by id, each its own transaction with its events and webhooks: locks are short, and a
  sweep that dies keeps what it committed. Each batch re-checks that its rows are still due, so
  two sweeps at once cannot expire a row twice; an advisory lock keeps a second one from even
  starting."""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from .. import webhooks
from ..models import Agreement, AgreementEvent, AgreementInvitation, ExpirySweep, ExtensionRequest

BATCH = 20_000
MARGIN = timedelta(hours=1)  # clocks of web and beat hosts, transactions in flight at the last cutoff
FULL_PASS_EVERY = timedelta(days=1)
LOCK = 0x4D47_4558  # pg_try_advisory_lock key of the sweep

EVENT_TABLE = AgreementEvent._meta.db_table
NO_ID = "CAST(NULL AS bigint)"  # typed, so PostgreSQL inserts it into a bigint column
EVENT_COLUMNS = (
    "agreement_id, invitation_id, extension_request_id, action, actor_user_id, actor_third_party_id, at, detail"
)
INVITATIONS = AgreementInvitation._meta.db_table
AGREEMENTS = Agreement._meta.db_table
REQUESTS = ExtensionRequest._meta.db_table


@dataclass(frozen=True)
class _Step:
    table: str
    due: str  # SQL: the row is due at %(now)s
    writes: str  # SQL SET list
    returned: str  # what the audit event needs: agreement_id, invitation_id, extension_request_id
    action: str
    detail: str
    due_column: str = ""  # indexed without status: the scan is bounded by ExpirySweep (empty: not bounded)
    webhook: object = None  # called with the expired ids of a batch
    webhook_key: int = 0  # which of the returned columns holds them


# Table names come from the models, values are parameters: no outside text reaches the SQL.
_STEPS = {
    "invitations": _Step(
        INVITATIONS,
        "status = 'pending' AND expires_at <= %(now)s",
        "status = 'expired', updated_at = %(now)s",
        f"{NO_ID}, id, {NO_ID}",
        AgreementEvent.Action.INVITATION_EXPIRED,
        "Not answered within 30 days.",
        due_column="expires_at",
        webhook=webhooks.invitations_expired,
        webhook_key=1,
    ),
    "agreements": _Step(
        AGREEMENTS,
        "status = 'active' AND ends_at <= %(now)s",
        "status = 'expired', ended_at = %(now)s, ended_by_role = 'system', "
        "end_reason = 'The agreement reached its end.', updated_at = %(now)s",
        f"id, {NO_ID}, {NO_ID}",
        AgreementEvent.Action.AGREEMENT_EXPIRED,
        "The agreement reached its end.",
        due_column="ends_at",
        webhook=webhooks.agreements_ended,
        webhook_key=0,
    ),
    # After the agreements: a request whose agreement has just ended cannot be answered either.
    # Few rows are pending at once and its index starts with status, so its scan needs no bound.
    "extension_requests": _Step(
        REQUESTS,
        f"""status = 'pending' AND (expires_at <= %(now)s OR EXISTS (
            SELECT 1 FROM {AGREEMENTS} AS agreement
            WHERE agreement.id = {REQUESTS}.agreement_id AND agreement.status <> 'active'))""",  # noqa: S608
        "status = 'expired', updated_at = %(now)s",
        f"agreement_id, {NO_ID}, id",
        AgreementEvent.Action.EXTENSION_EXPIRED,
        "Not answered within 30 days, or the agreement ended.",
    ),
}


def _due_ids(cursor, step: _Step, now: datetime, swept: ExpirySweep | None) -> list[int]:
    params = {"now": now}
    bound = ""
    if swept is not None:
        # Due after the last cutoff (less the margin), or created since: see the module docstring.
        bound = f"AND ({step.due_column} > %(since)s OR id > %(after_id)s)"
        params.update(since=swept.swept_through - MARGIN, after_id=swept.after_id)
    cursor.execute(f"SELECT id FROM {step.table} WHERE {step.due} {bound} ORDER BY id", params)  # noqa: S608
    return [row[0] for row in cursor.fetchall()]


def _expire_batch(cursor, step: _Step, ids: list[int], now: datetime) -> list[tuple]:
    """Expires the rows of `ids` still due and writes their events; returns what they returned."""
    params = {"now": now, "action": step.action, "detail": step.detail}
    insert = f"INSERT INTO {EVENT_TABLE} ({EVENT_COLUMNS})"
    if connection.vendor == "postgresql":
        # One statement: the rows expired are exactly the rows audited.
        cursor.execute(
            f"""WITH expired AS (
                    UPDATE {step.table} SET {step.writes}
                    WHERE id = ANY(%(ids)s) AND {step.due} RETURNING {step.returned}),
                audited AS ({insert} SELECT *, %(action)s, NULL, NULL, %(now)s, %(detail)s FROM expired)
                SELECT * FROM expired""",  # noqa: S608
            {**params, "ids": ids},
        )
        return cursor.fetchall()
    # Elsewhere (SQLite) the write transaction holds the whole database, so no row changes between
    # the UPDATE ... RETURNING and the INSERT.
    cursor.execute(
        f"""UPDATE {step.table} SET {step.writes}
            WHERE id IN (SELECT value FROM json_each(%(ids)s)) AND {step.due} RETURNING {step.returned}""",  # noqa: S608
        {**params, "ids": json.dumps(ids)},
    )
    rows = cursor.fetchall()
    AgreementEvent.objects.bulk_create(
        AgreementEvent(
            agreement_id=agreement_id,
            invitation_id=invitation_id,
            extension_request_id=extension_request_id,
            action=step.action,
            at=now,
            detail=step.detail,
        )
        for agreement_id, invitation_id, extension_request_id in rows
    )
    return rows


def _run_step(name: str, step: _Step, now: datetime) -> int:
    swept = ExpirySweep.objects.filter(subject=name).first() if step.due_column else None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {step.table}")  # noqa: S608
        highest = cursor.fetchone()[0] or 0
        # A full pass the first time, once a day, and when ids went back (a restored database).
        full = swept is None or swept.full_pass_at <= now - FULL_PASS_EVERY or highest < swept.after_id
        ids = _due_ids(cursor, step, now, None if full else swept)
        expired = 0
        for start in range(0, len(ids), BATCH):
            with transaction.atomic():
                rows = _expire_batch(cursor, step, ids[start : start + BATCH], now)
                if rows and step.webhook:
                    step.webhook([row[step.webhook_key] for row in rows])
            expired += len(rows)
    if step.due_column:
        ExpirySweep.objects.update_or_create(
            subject=name,
            defaults={
                "swept_through": now,
                "after_id": highest,
                "full_pass_at": now if full else swept.full_pass_at,
            },
        )
    return expired


def expire_due(*, now: datetime | None = None) -> dict[str, int]:
    """Expire everything due at `now`; returns how many rows of each kind expired (zeros when
    another sweep is running: it expires them)."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK])
            if not cursor.fetchone()[0]:
                return dict.fromkeys(_STEPS, 0)
    try:
        return {name: _run_step(name, step, now) for name, step in _STEPS.items()}
    finally:
        if connection.vendor == "postgresql":
            _unlock()


def _unlock() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK])
    except DatabaseError:
        connection.close()  # an aborted outer transaction: ending the session releases the lock
