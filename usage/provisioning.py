"""Provisioning of bills from the utility's billing system: the operations the API and
`manage.py import_accounts` run (the same `meters.provisioning.Operation` machinery)."""

from meters.provisioning import Operation, upserter

from . import bill_serializers
from .models import BillSection, BillStatement
from .services import bills

OPERATIONS: dict[str, Operation] = {
    operation.kind: operation
    for operation in [
        Operation(
            "bill_statements",
            bill_serializers.BillStatementUpsertInputSerializer,
            upserter(BillStatement, "statement_number", bills.upsert_bill_statement),
            key="statement_number",
            key_field=bill_serializers.STATEMENT_KEY,
        ),
        Operation(
            "bill_sections",
            bill_serializers.BillSectionUpsertInputSerializer,
            upserter(BillSection, "section_number", bills.upsert_bill_section),
            key="section_number",
            key_field=bill_serializers.SECTION_KEY,
        ),
    ]
}
