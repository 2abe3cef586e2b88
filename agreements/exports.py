"""CSV exports of a third party's agreements and invitations, streamed row by row so memory
does not grow with the list."""

import csv

from django.http import StreamingHttpResponse
from django.utils import timezone


class _Echo:
    def write(self, value):
        return value


def _when(moment) -> str:
    return moment.isoformat() if moment else ""


def agreement_rows(agreements):
    yield [
        "number", "type", "status", "esiids", "customer_email", "data_kinds", "starts_at", "ends_at",
        "ended_at", "ended_by", "end_reason", "invitation", "device_mac", "direct_access_scope",
    ]  # fmt: skip
    # Direct access (staff-approved, no customer): no e-mail, its cds_query_* scopes in the last column.
    for agreement in agreements.iterator(chunk_size=500):
        yield [
            agreement.number,
            agreement.agreement_type,
            agreement.status,
            " ".join(sorted(premise.esiid for premise in agreement.premises.all())),
            agreement.customer.email if agreement.customer_id else "",
            " ".join(agreement.data_kinds or []),
            _when(agreement.starts_at),
            _when(agreement.ends_at),
            _when(agreement.ended_at),
            agreement.ended_by_role,
            agreement.end_reason,
            agreement.invitation.number if agreement.invitation_id else "",
            agreement.device.mac if agreement.device_id else "",
            agreement.direct_access.scope if agreement.is_direct else "",
        ]


def invitation_rows(invitations):
    yield [
        "number", "type", "status", "esiids", "customer_email", "identified_by", "duration_kind", "one_time_kind",
        "months", "device_mac", "created_at", "expires_at", "resent_at", "answered_at", "rejection_reason",
    ]  # fmt: skip
    for invitation in invitations.iterator(chunk_size=500):
        yield [
            invitation.number,
            invitation.agreement_type,
            invitation.status,
            " ".join(sorted(premise.esiid for premise in invitation.premises.all())),
            invitation.customer_email,
            invitation.identified_by,
            invitation.duration_kind,
            invitation.one_time_kind,
            invitation.months or "",
            invitation.device_mac,
            _when(invitation.created_at),
            _when(invitation.expires_at),
            _when(invitation.resent_at),
            _when(invitation.answered_at),
            invitation.rejection_reason,
        ]


def csv_response(rows, name: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response
