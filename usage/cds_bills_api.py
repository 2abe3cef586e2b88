"""CDS customer-data lists of bills (WG3-01 §3.6): bill statements and bill sections, limited to
what the token's grants reach; and which of those sections a usage segment or another section
relates to (`related_billsections`: only sections the token may read)."""

from datetime import date

from django.db.models import Q

from agreements.cds_api import GrantedListView
from meters.cds_api import list_schema
from meters.models import Meter
from portal.cds.resources import date_filter, decimal_text, filter_by, ids_parameter, stamps

from .models import BillSection, BillStatement


def sections_in_reach(reach):
    """The bill sections the token may read: of the reach's accounts, and of a service contract
    only when that contract's occupancy is in reach too."""
    if not reach.opens("bill_sections"):
        return BillSection.objects.none()
    return BillSection.objects.filter(account__in=reach.accounts("bill_sections")).filter(
        Q(service_contract__isnull=True) | Q(service_contract__occupancy__in=reach.occupancies("bill_sections"))
    )


def sections_by_premise(reach, premise_ids) -> dict[int, list[tuple[date, date, str]]]:
    """Premise id -> [(start date, end date, section id)] of the readable sections billing a
    service contract at that premise: the sections a usage segment of the premise may relate to."""
    found: dict[int, list] = {}
    rows = (
        sections_in_reach(reach)
        .filter(service_contract__occupancy__premise_id__in=premise_ids)
        .order_by("start_date", "pk")
        .values_list("service_contract__occupancy__premise_id", "start_date", "end_date", "pk")
    )
    for premise_id, start, end, pk in rows:
        found.setdefault(premise_id, []).append((start, end, str(pk)))
    return found


def covering(sections: list[tuple[date, date, str]], first_day: date, last_day: date) -> list[str]:
    """Ids of the sections whose billed days overlap [first_day, last_day]."""
    return [pk for start, end, pk in sections if start <= last_day and first_day <= end]


# --- Bill statements -----------------------------------------------------------------------------


def _dated(queryset, request, field: str):
    after, before = date_filter(request, "after"), date_filter(request, "before")
    if after is not None:
        queryset = queryset.filter(**{f"{field}__gte": after})
    if before is not None:
        queryset = queryset.filter(**{f"{field}__lt": before})
    return queryset


class BillStatementListView(GrantedListView):
    api = "bill_statements"
    response_key = "bill_statements"

    def objects(self, request, reach):
        statements = BillStatement.objects.filter(account__in=reach.accounts(self.api))
        statements = filter_by(
            statements,
            request,
            {
                "cds_billstatement_ids": "pk",
                "cds_account_ids": "account_id",
                "account_numbers": "account__account_number",
            },
        )
        statements = _dated(statements, request, "statement_date")
        return (
            statements.select_related("account")
            .prefetch_related("account__programs")
            .order_by("-statement_date", "-pk")
        )

    def represent(self, request, statement, reach):
        data = {
            "cds_billstatement_id": str(statement.pk),
            **stamps(statement),
            "cds_account_id": str(statement.account_id),
            "account_number": statement.account.account_number,
            "statement_date": statement.statement_date,
            "currency": statement.currency,
            "amount_due": decimal_text(statement.amount_due),
            "amount_due_date": statement.amount_due_date,
            "shutoff_prevention_minimum_due": decimal_text(statement.shutoff_prevention_minimum_due),
            "shutoff_prevention_date": statement.shutoff_prevention_date,
        }
        if reach.includes(self.api, "include_bill_statement_files"):
            data |= {"file_uri": statement.file_uri or None, "file_mimetype": statement.file_mimetype or None}
        if reach.includes(self.api, "include_bill_statement_charges"):
            data |= {
                "previous_balance_amount": decimal_text(statement.previous_balance_amount),
                "previous_balance_paid": decimal_text(statement.previous_balance_paid),
                "previous_balance_unpaid": decimal_text(statement.previous_balance_unpaid),
                "new_charges_amount": decimal_text(statement.new_charges_amount),
                "new_charges": [dict(charge) for charge in statement.new_charges],
                "new_balance_amount": decimal_text(statement.new_balance_amount),
            }
        if reach.includes(self.api, "include_bill_statement_programs"):
            data["account_programs"] = [
                {"program_id": program.code, "program_name": program.name}
                for program in statement.account.programs.all()
            ]
        return data

    @list_schema(
        "bill_statements",
        "Bill statements the token's grants reach",
        [
            ids_parameter("cds_billstatement_ids", "bill statement ids"),
            ids_parameter("cds_account_ids", "account ids"),
            ids_parameter("account_numbers", "account numbers"),
            ids_parameter("after", "statement dates from (inclusive)"),
            ids_parameter("before", "statement dates before"),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Bill sections -------------------------------------------------------------------------------


class BillSectionListView(GrantedListView):
    api = "bill_sections"
    response_key = "bill_sections"

    def objects(self, request, reach):
        sections = filter_by(
            sections_in_reach(reach),
            request,
            {
                "cds_billsection_ids": "pk",
                "cds_billstatement_ids": "statement_id",
                "cds_account_ids": "account_id",
                "account_numbers": "account__account_number",
                "cds_servicecontract_ids": "service_contract_id",
                "contract_numbers": "service_contract__contract_number",
            },
        )
        sections = _dated(sections, request, "start_date")
        return sections.select_related("account", "service_contract__occupancy").order_by("-start_date", "-pk")

    def prepare(self, request, items, reach):
        premise_ids = {item.service_contract.occupancy.premise_id for item in items if item.service_contract_id}
        self.meters = {}
        for pk, premise_id in Meter.objects.filter(premise_id__in=premise_ids).values_list("pk", "premise_id"):
            self.meters.setdefault(premise_id, []).append(str(pk))
        # Statements in scope, without this request's filters (they are the sections'): a section
        # names its statement only when the token may read that statement too.
        statement_ids = {item.statement_id for item in items if item.statement_id}
        in_scope = BillStatement.objects.filter(pk__in=statement_ids, account__in=reach.accounts("bill_statements"))
        self.statements = (
            set(in_scope.values_list("pk", flat=True)) if statement_ids and reach.opens("bill_statements") else set()
        )
        # Sections issued alongside one another: the same statement, the same service contract.
        self.siblings: dict[tuple, list[str]] = {}
        if statement_ids:
            for pk, statement_id, contract_id in (
                sections_in_reach(reach)
                .filter(statement_id__in=statement_ids, service_contract__isnull=False)
                .order_by("pk")
                .values_list("pk", "statement_id", "service_contract_id")
            ):
                self.siblings.setdefault((statement_id, contract_id), []).append(str(pk))

    def represent(self, request, section, reach):
        contract = section.service_contract
        premise_id = contract.occupancy.premise_id if contract else None
        data = {
            "cds_billsection_id": str(section.pk),
            **stamps(section),
            "cds_billstatement_id": str(section.statement_id) if section.statement_id in self.statements else None,
            "cds_account_id": str(section.account_id),
            "account_number": section.account.account_number,
            "section_types": list(section.section_types),
            "start_date": section.start_date,
            "end_date": section.end_date,
            "currency": section.currency,
            "distribution_entity": section.distribution_entity,
            "supply_entity": section.supply_entity,
            "related_servicecontracts": [str(contract.pk)] if contract else [],
            "related_servicepoints": [str(premise_id)] if premise_id else [],
            "related_meterdevices": self.meters.get(premise_id, []),
            "related_billsections": [
                pk
                for pk in self.siblings.get((section.statement_id, section.service_contract_id), [])
                if pk != str(section.pk) and section.service_contract_id
            ],
            "usage_details": [dict(item) for item in section.usage_details],
            "cost_details": [dict(item) for item in section.cost_details],
        }
        if reach.includes(self.api, "include_bill_section_line_items"):
            data["line_items"] = [dict(item) for item in section.line_items]
        return data

    @list_schema(
        "bill_sections",
        "Bill sections the token's grants reach",
        [
            ids_parameter("cds_billsection_ids", "bill section ids"),
            ids_parameter("cds_billstatement_ids", "bill statement ids"),
            ids_parameter("cds_account_ids", "account ids"),
            ids_parameter("account_numbers", "account numbers"),
            ids_parameter("cds_servicecontract_ids", "service contract ids"),
            ids_parameter("contract_numbers", "contract numbers"),
            ids_parameter("after", "sections starting from (inclusive)"),
            ids_parameter("before", "sections starting before"),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
