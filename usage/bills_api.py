"""Provisioning API of bills (scope `provisioning`, the utility's own systems only): bill
statements and bill sections, each read and upserted by its number."""

from meters.billing_api import list_view, record_view

from . import bill_serializers as s
from .models import BillSection, BillStatement
from .provisioning import OPERATIONS

_statements = BillStatement.objects.select_related("account")
BillStatementView = record_view(
    operations=OPERATIONS,
    kind="bill_statements",
    model_queryset=_statements,
    key="statement_number",
    key_help="The bill statement's number in the billing system.",
    noun="bill statement",
    input_serializer=s.BillStatementUpsertInputSerializer,
    output=s.BillStatementOutputSerializer,
)
BillStatementListView = list_view(
    model_queryset=_statements, output=s.BillStatementOutputSerializer, noun="bill statements"
)

_sections = BillSection.objects.select_related("account", "statement", "service_contract")
BillSectionView = record_view(
    operations=OPERATIONS,
    kind="bill_sections",
    model_queryset=_sections,
    key="section_number",
    key_help="The bill section's number in the billing system.",
    noun="bill section",
    input_serializer=s.BillSectionUpsertInputSerializer,
    output=s.BillSectionOutputSerializer,
)
BillSectionListView = list_view(model_queryset=_sections, output=s.BillSectionOutputSerializer, noun="bill sections")
