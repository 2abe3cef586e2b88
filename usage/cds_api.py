"""CDS customer-data lists of the data usage owns (WG3-01 §3.6): usage segments, aggregations and
energy attribute certificates, each limited to what the token's grants reach; usage is read through
the access gate. Bill statements and sections are in `cds_bills_api`."""

from collections import defaultdict
from datetime import timedelta

from django.utils import timezone
from rest_framework.renderers import BrowsableAPIRenderer

from agreements.cds_api import GrantedListView
from meters.cds_api import list_schema
from meters.models import Meter, Premise
from portal.cds import paging
from portal.cds.resources import Q_PARAMETER, decimal_text, filter_by, ids_parameter, numeric, search, stamps

from . import cds_bills_api
from .cds_renderers import UsageSegmentsRenderer
from .models import Aggregation, EnergyAttributeCertificate
from .services import aggregations as aggregation_services
from .services import segments as segment_services

# --- Usage segments ------------------------------------------------------------------------------

KINDS = (segment_services.INTERVAL, segment_services.DAILY, segment_services.MONTHLY)
HISTORY = timedelta(days=400)  # grants reach back 12 months at most


class UsageSegmentListView(GrantedListView):
    """Segments are planned first (no reads), paged, then only the page's values are read."""

    api = "usage_segments"
    response_key = "usage_segments"
    renderer_classes = [UsageSegmentsRenderer, BrowsableAPIRenderer]

    def premises(self, request, reach):
        premises = Premise.objects.filter(pk__in=reach.premise_ids(self.api))
        premises = filter_by(premises, request, {"cds_servicepoint_ids": "pk", "servicepoint_numbers": "esiid"})
        premises = filter_by(
            premises, request, {"cds_meterdevice_ids": "meters__pk", "meter_numbers": "meters__meter_number"}
        )
        occupancies = reach.occupancies(self.api)
        for param, field in (
            ("cds_account_ids", "account_number__in"),
            ("account_numbers", "account_number__in"),
            ("cds_servicecontract_ids", "service_contract__pk__in"),
            ("contract_numbers", "service_contract__contract_number__in"),
        ):
            values = paging.id_list(request, param)
            if values is None:
                continue
            if param.startswith("cds_"):  # our ids are numbers: anything else matches nothing
                values = numeric(values)
            if param == "cds_account_ids":
                values = list(reach.accounts(self.api).filter(pk__in=values).values_list("account_number", flat=True))
            premises = premises.filter(pk__in=occupancies.filter(**{field: values}).values("premise_id"))
        return list(premises.distinct().order_by("pk"))

    def objects(self, request, reach):
        now = timezone.now()
        after, before = paging.moment(request, "after"), paging.moment(request, "before")
        if reach.direct:
            return aggregation_services.aggregated_segments(
                numbers=paging.id_list(request, "aggregation_numbers"),
                after=after or now - HISTORY,
                before=before or now,
                approvals=reach.approvals_for(self.api),
                approved_numbers=reach.aggregation_numbers(self.api),
            )
        wanted = set(paging.id_list(request, "cds_usagesegment_ids") or []) or None
        premises = self.premises(request, reach)
        self.premise_by_id = {premise.pk: premise for premise in premises}
        planned = []
        for kind in KINDS:
            windows = reach.usage_windows(self.api, kind=kind, start=now - HISTORY, end=now)
            for premise in premises:
                premise_windows = sorted(windows.get(premise.pk, []))
                if not premise_windows:
                    continue
                cycles = None
                if kind == segment_services.MONTHLY:
                    cycles = premise.monthly_reads.values_list("start_date", "end_date")
                planned.extend(
                    segment_services.plan(premise=premise, kind=kind, windows=premise_windows, monthly_cycles=cycles)
                )
        if wanted is not None:
            planned = [segment for segment in planned if segment.id in wanted]
        # `after` and `before` keep whole segments (WG3-01): ending on or after `after`, starting on
        # or before `before`; only the grant's own durations trim a segment.
        if after is not None:
            planned = [segment for segment in planned if segment.end >= after]
        if before is not None:
            planned = [segment for segment in planned if segment.start <= before]
        section_ids = paging.id_list(request, "cds_billsection_ids")
        if section_ids is not None:
            planned = _of_sections(planned, reach, numeric(section_ids))
        self.related = _related(reach, self.api, {segment.premise_id for segment in planned})
        planned.sort(key=lambda segment: _list_order(segment, self.related[segment.premise_id]))
        return planned

    def prepare(self, request, items, reach):
        if reach.direct:
            return
        by_premise = {}
        for segment in items:
            by_premise.setdefault(segment.premise_id, []).append(segment)
        value_types = reach.usage_value_types(self.api)
        for premise_id, segments in by_premise.items():
            segment_services.fill(
                premise=self.premise_by_id[premise_id],
                segments=segments,
                value_types=value_types.get(premise_id, set()),
            )
        self.sections = cds_bills_api.sections_by_premise(reach, list(by_premise))

    def represent(self, request, segment, reach):
        if reach.direct:
            return segment
        related = self.related.get(segment.premise_id, {})
        synced = segment.modified or segment.end
        return {
            "cds_usagesegment_id": segment.id,
            "cds_created": segment.created or synced,
            "cds_modified": segment.modified or synced,
            "cds_synced": min(synced, timezone.now()),
            "related_accounts": related.get("accounts", []),
            "related_servicecontracts": related.get("contracts", []),
            "related_servicepoints": [str(segment.premise_id)],
            "related_meterdevices": related.get("meters", []),
            "related_billsections": _covering(self.sections.get(segment.premise_id, []), segment),
            "related_aggregations": related.get("aggregations", []),
            "segment_start": segment.start,
            "segment_end": segment.end,
            "interval": segment.interval,
            "formats": segment.formats,
            "values": segment.values,
        }

    @list_schema(
        "usage_segments",
        "Usage segments (15-minute, daily and billing-cycle reads) the token's grants reach",
        [
            ids_parameter("cds_usagesegment_ids", "usage segment ids"),
            ids_parameter("after", "segments ending on or after this datetime"),
            ids_parameter("before", "segments starting on or before this datetime"),
            ids_parameter("cds_servicepoint_ids", "service point ids"),
            ids_parameter("servicepoint_numbers", "service point numbers"),
            ids_parameter("cds_meterdevice_ids", "meter device ids"),
            ids_parameter("meter_numbers", "meter numbers"),
            ids_parameter("cds_account_ids", "account ids"),
            ids_parameter("account_numbers", "account numbers"),
            ids_parameter("cds_servicecontract_ids", "service contract ids"),
            ids_parameter("contract_numbers", "contract numbers"),
            ids_parameter("cds_billsection_ids", "bill section ids (segments of the days they bill)"),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _covering(sections: list, segment) -> list[str]:
    """The sections billing any local day of the segment (its end is exclusive)."""
    last_moment = segment.end - timedelta(microseconds=1)
    return cds_bills_api.covering(sections, segment.start.date(), last_moment.date())


def _of_sections(planned: list, reach, section_ids: list[int]) -> list:
    """The segments a `cds_billsection_ids` filter keeps: those the given readable sections cover."""
    sections = cds_bills_api.sections_by_premise(reach, {segment.premise_id for segment in planned})
    wanted = {str(pk) for pk in section_ids}
    chosen = {premise_id: [item for item in items if item[2] in wanted] for premise_id, items in sections.items()}
    return [segment for segment in planned if _covering(chosen.get(segment.premise_id, []), segment)]


def _related(reach, api: str, premise_ids: set) -> dict:
    """Per premise: the in-scope account, contract, meter and aggregation ids its segments refer to,
    and the numbers of those accounts, contracts and aggregations (the list's order)."""
    related = {
        premise_id: {key: [] for key in ("accounts", "contracts", "meters", "aggregations", "numbers")}
        for premise_id in premise_ids
    }
    accounts = dict(reach.accounts(api).values_list("account_number", "pk"))
    account_numbers, contract_numbers = defaultdict(list), defaultdict(list)
    for premise_id, number, contract_id, contract_number in (
        reach.occupancies(api)
        .filter(premise_id__in=premise_ids)
        .values_list("premise_id", "account_number", "service_contract__pk", "service_contract__contract_number")
    ):
        if number in accounts and str(accounts[number]) not in related[premise_id]["accounts"]:
            related[premise_id]["accounts"].append(str(accounts[number]))
            account_numbers[premise_id].append(number)
        if contract_id:
            related[premise_id]["contracts"].append(str(contract_id))
            contract_numbers[premise_id].append(contract_number or "")
    for pk, premise_id in Meter.objects.filter(premise_id__in=premise_ids).values_list("pk", "premise_id"):
        related[premise_id]["meters"].append(str(pk))
    # WG3-01 §10.8.1: the aggregations a segment "is applicable" to. A premise's usage is part of
    # every group holding it (and §10.8.8 orders such segments by aggregation number, which only
    # means something if they name groups), so they are named; only those the token may see
    # (include_aggregations), exactly as the aggregations list shows them.
    visible = premise_ids & reach.premise_ids("aggregations") if reach.opens("aggregations") else set()
    aggregation_numbers = defaultdict(list)
    for premise_id, aggregations in (aggregation_services.containing(visible) if visible else {}).items():
        related[premise_id]["aggregations"] = [str(aggregation.pk) for aggregation in aggregations]
        aggregation_numbers[premise_id] = [aggregation.number for aggregation in aggregations]
    for premise_id, item in related.items():
        item["numbers"] = tuple(
            min(numbers[premise_id], default="") for numbers in (aggregation_numbers, account_numbers, contract_numbers)
        )
    return related


def _list_order(segment, related: dict) -> tuple:
    """WG3-01 §10.8.8: by aggregation number, account number, contract number (the first of each the
    token sees; none sorts first), then segment_start. Its last key, latest cds_modified first, is
    known only once values are read, and a page must be chosen before that: segments starting
    together are ordered by kind (15-minute, daily, cycle) and service point instead, so pages
    never shift between requests."""
    return (*related["numbers"], segment.start, KINDS.index(segment.kind), segment.premise_id)


# --- Aggregations --------------------------------------------------------------------------------


class AggregationListView(GrantedListView):
    api = "aggregations"
    response_key = "aggregations"

    def objects(self, request, reach):
        if reach.direct:
            return self.filtered(Aggregation.objects.filter(number__in=reach.aggregation_numbers(self.api)), request)
        held = aggregation_services.containing(reach.premise_ids(self.api))
        aggregations = Aggregation.objects.filter(pk__in={item.pk for items in held.values() for item in items})
        return self.filtered(aggregations, request)

    def filtered(self, aggregations, request):
        aggregations = filter_by(
            aggregations,
            request,
            {"cds_aggregation_ids": "pk", "aggregation_numbers": "number", "aggregation_types": "kind"},
        )
        return search(aggregations, request, ["number", "name"]).order_by("-updated_at", "-pk")

    def represent(self, request, aggregation, reach):
        in_scope = reach.premise_ids(self.api)
        members = [
            pk for pk in aggregation_services.members(aggregation).values_list("pk", flat=True) if pk in in_scope
        ]
        data = {
            "cds_aggregation_id": str(aggregation.pk),
            **stamps(aggregation),
            "aggregation_types": [aggregation.kind],
            "aggregation_number": aggregation.number,
            "scope": "cds_aggregation_consent",
            "authorization_details": [],
            "grouped_accounts": [],
            "grouped_servicecontracts": [],
            "grouped_servicepoints": [str(pk) for pk in members[:1000]],
            "grouped_meterdevices": [],
            "grouped_aggregations": [],
            "grouped_regions": [aggregation.postal_code] if aggregation.postal_code else [],
            "consent_requirements": [{"type": "sometimes", "description": "Below the privacy threshold."}],
        }
        if reach.direct:
            consented, _ = aggregation_services.consent_of(aggregation, reach.approvals_for(self.api))
            data["threshold_met"] = aggregation_services.check_threshold(aggregation, consenting=consented).met
        if reach.includes(self.api, "include_aggregation_addresses"):
            data["grouped_addresses"] = list(
                Premise.objects.filter(pk__in=members[:1000]).values_list("service_address", flat=True)
            )
        return data

    @list_schema(
        "aggregations",
        "Aggregations the token's grants reach",
        [
            ids_parameter("cds_aggregation_ids", "aggregation ids"),
            ids_parameter("aggregation_numbers", "aggregation numbers"),
            ids_parameter("aggregation_types", "types (postal_code, building, list)"),
            Q_PARAMETER,
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Energy attribute certificates ---------------------------------------------------------------


class CertificateListView(GrantedListView):
    api = "eacs"
    response_key = "eacs"

    def objects(self, request, reach):
        certificates = EnergyAttributeCertificate.objects.filter(premise_id__in=reach.premise_ids(self.api))
        certificates = filter_by(certificates, request, {"cds_eac_ids": "pk", "eac_numbers": "eac_number"})
        beneficiaries = paging.id_list(request, "beneficiaries")
        if beneficiaries is not None:
            certificates = certificates.filter(premise__esiid__in=beneficiaries)
        after, before = paging.moment(request, "after"), paging.moment(request, "before")
        if after:
            certificates = certificates.filter(period_end__gt=after)
        if before:
            certificates = certificates.filter(period_start__lt=before)
        return certificates.select_related("premise").order_by("-period_start", "-pk")

    def represent(self, request, certificate, reach):
        return {
            "cds_eac_id": str(certificate.pk),
            **stamps(certificate),
            "beneficiary_type": "servicepoint",
            "beneficiaries": [certificate.premise.esiid],
            "eac_numbers": [certificate.eac_number],
            "eac_format": certificate.eac_format,
            "eac_data_url": certificate.data_url or None,
            "period_start": certificate.period_start,
            "period_end": certificate.period_end,
            "kwh": decimal_text(certificate.kwh),
        }

    @list_schema(
        "eacs",
        "Energy attribute certificates of the service points the token's grants reach (include_eacs)",
        [
            ids_parameter("cds_eac_ids", "certificate ids"),
            ids_parameter("eac_numbers", "certificate numbers"),
            ids_parameter("beneficiaries", "beneficiaries (service point numbers)"),
            ids_parameter("after", "periods ending after this datetime"),
            ids_parameter("before", "periods starting before this datetime"),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
