"""The expiry sweep: invitations and extension requests unanswered for 30 days, and agreements
past their end, change status in set-based statements, each with its audit event. Running it again
changes nothing more."""

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from .. import webhooks
from ..models import Agreement, AgreementEvent, AgreementInvitation, ExtensionRequest

EVENT_TABLE = AgreementEvent._meta.db_table
NO_ID = "CAST(NULL AS bigint)"  # typed, so PostgreSQL inserts it into a bigint column
EVENT_COLUMNS = (
    "agreement_id, invitation_id, extension_request_id, action, actor_user_id, actor_third_party_id, at, detail"
)

# Table names come from the models, values are parameters: no outside text reaches the SQL.
# Each step: the UPDATE that expires due rows, returning what the audit event needs
# (agreement_id, invitation_id, extension_request_id), and the event's action and detail.
_STEPS = {
    "invitations": (
        f"""UPDATE {AgreementInvitation._meta.db_table} SET status = 'expired', updated_at = %(now)s
            WHERE status = 'pending' AND expires_at <= %(now)s""",  # noqa: S608
        f"{NO_ID}, id, {NO_ID}",
        AgreementEvent.Action.INVITATION_EXPIRED,
        "Not answered within 30 days.",
    ),
    "agreements": (
        f"""UPDATE {Agreement._meta.db_table}
            SET status = 'expired', ended_at = %(now)s, ended_by_role = 'system',
                end_reason = 'The agreement reached its end.', updated_at = %(now)s
            WHERE status = 'active' AND ends_at <= %(now)s""",  # noqa: S608
        f"id, {NO_ID}, {NO_ID}",
        AgreementEvent.Action.AGREEMENT_EXPIRED,
        "The agreement reached its end.",
    ),
    # After the agreements: a request whose agreement has just ended cannot be answered either.
    "extension_requests": (
        f"""UPDATE {ExtensionRequest._meta.db_table} SET status = 'expired', updated_at = %(now)s
            WHERE status = 'pending' AND (expires_at <= %(now)s OR EXISTS (
                SELECT 1 FROM {Agreement._meta.db_table} AS agreement
                WHERE agreement.id = {ExtensionRequest._meta.db_table}.agreement_id
                AND agreement.status <> 'active'))""",  # noqa: S608
        f"agreement_id, {NO_ID}, id",
        AgreementEvent.Action.EXTENSION_EXPIRED,
        "Not answered within 30 days, or the agreement ended.",
    ),
}


def _run_step(cursor, update_sql: str, returned: str, action: str, detail: str, now: datetime) -> int:
    params = {"now": now, "action": action, "detail": detail}
    insert = f"INSERT INTO {EVENT_TABLE} ({EVENT_COLUMNS})"
    if connection.vendor == "postgresql":
        # One statement: the rows expired are exactly the rows audited.
        cursor.execute(
            f"""WITH expired AS ({update_sql} RETURNING {returned})
                {insert} SELECT *, %(action)s, NULL, NULL, %(now)s, %(detail)s FROM expired""",  # noqa: S608
            params,
        )
        return cursor.rowcount
    # Elsewhere (SQLite) the write transaction holds the whole database, so no row changes between
    # the UPDATE ... RETURNING and the INSERT.
    cursor.execute(f"{update_sql} RETURNING {returned}", params)
    rows = cursor.fetchall()
    if rows:
        AgreementEvent.objects.bulk_create(
            AgreementEvent(
                agreement_id=agreement_id,
                invitation_id=invitation_id,
                extension_request_id=extension_request_id,
                action=action,
                at=now,
                detail=detail,
            )
            for agreement_id, invitation_id, extension_request_id in rows
        )
    return len(rows)


@transaction.atomic
def expire_due(*, now: datetime | None = None) -> dict[str, int]:
    """Expire everything due at `now`; returns how many rows of each kind expired."""
    now = now or timezone.now()
    counts = {}
    with connection.cursor() as cursor:
        for name, (update_sql, returned, action, detail) in _STEPS.items():
            counts[name] = _run_step(cursor, update_sql, returned, action, detail, now)
    webhooks.expired_by_sweep(now)
    return counts
