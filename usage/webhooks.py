"""Webhook event `usage.available`: after a batch of meter data is loaded, each third party with an
active Energy Data agreement on some of its premises (covering that kind of data) hears once per
batch which premises got data and for what span. Called inside the batch's transaction; sent
once it commits, so a batch that rolls back announces nothing."""

from datetime import date

from agreements.models import Agreement, AgreementType
from meters.models import Premise
from portal.webhooks.events import Event
from portal.webhooks.services import anyone_listens, emit

from .ingest.common import ParsedBatch, from_epoch
from .ingest.loader import LoadCounts


def _moment(value):
    return value if isinstance(value, date) else from_epoch(value)  # interval starts are epoch seconds


def new_data(kind: str, batch: ParsedBatch, counts: LoadCounts) -> None:
    """`batch` is the parsed batch just loaded; its spans (premise id -> first and last interval start,
    read date or billing period's start) are worked out only when someone listens."""
    if not (counts.loaded or counts.revised) or not anyone_listens(Event.USAGE_AVAILABLE):
        return
    spans = batch.spans
    covered = (
        Agreement.premises.through.objects.filter(
            premise_id__in=list(spans),
            agreement__status=Agreement.Status.ACTIVE,
            agreement__agreement_type=AgreementType.ENERGY_DATA,
        )
        .values_list("agreement__third_party_id", "agreement__number", "agreement__data_kinds", "premise_id")
        .order_by("agreement__third_party_id", "premise_id")
    )
    listeners: dict[int, list[tuple[int, str]]] = {}
    for third_party_id, number, data_kinds, premise_id in covered:
        if kind in (data_kinds or []):
            listeners.setdefault(third_party_id, []).append((premise_id, number))
    if not listeners:
        return
    esiids = dict(
        Premise.objects.filter(pk__in={pk for found in listeners.values() for pk, _ in found}).values_list(
            "pk", "esiid"
        )
    )
    for third_party_id, found in listeners.items():
        premises = [
            {
                "esiid": esiids[premise_id],
                "agreement": number,
                "first": _moment(spans[premise_id][0]),
                "last": _moment(spans[premise_id][1]),
            }
            for premise_id, number in found
        ]
        emit(Event.USAGE_AVAILABLE, third_party=third_party_id, payload={"kind": kind, "premises": premises})
