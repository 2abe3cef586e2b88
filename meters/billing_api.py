"""Provisioning API of billing records (scope `provisioning`, the utility's own systems only):
rate plans, programs, billing accounts and service contracts, each read and upserted by its key."""

from drf_spectacular.utils import extend_schema

from portal.api import ERRORS, TAG, ProvisioningListView, ProvisioningRecordView, record_schema

from . import billing_serializers as s
from .models import BillingAccount, Program, RatePlan, ServiceContract
from .provisioning import OPERATIONS


def record_view(
    *, kind: str, operations=OPERATIONS, model_queryset, key: str, key_help: str, noun: str, input_serializer, output
):
    """A GET/PUT view of one keyed billing record."""

    @record_schema(
        key=key,
        key_help=key_help,
        noun=noun,
        input_serializer=input_serializer,
        upsert_output=output,
        detail_output=output,
    )
    class View(ProvisioningRecordView):
        operation = operations[kind]
        queryset = model_queryset
        lookup_field = key
        detail_output_serializer = output
        upsert_output_serializer = output

    View.__name__ = View.__qualname__ = f"{noun.title().replace(' ', '')}View"
    return View


def list_view(*, model_queryset, output, noun: str):
    @extend_schema(tags=[TAG], summary=f"List {noun}", responses={200: output, **ERRORS})
    class View(ProvisioningListView):
        queryset = model_queryset
        serializer_class = output

    View.__name__ = View.__qualname__ = f"{noun.title().replace(' ', '')}ListView"
    return View


RatePlanView = record_view(
    kind="rate_plans",
    model_queryset=RatePlan.objects.all(),
    key="code",
    key_help="The rate plan's code in the billing system.",
    noun="rate plan",
    input_serializer=s.RatePlanUpsertInputSerializer,
    output=s.RatePlanOutputSerializer,
)
RatePlanListView = list_view(
    model_queryset=RatePlan.objects.all(), output=s.RatePlanOutputSerializer, noun="rate plans"
)

ProgramView = record_view(
    kind="programs",
    model_queryset=Program.objects.all(),
    key="code",
    key_help="The program's code.",
    noun="program",
    input_serializer=s.ProgramUpsertInputSerializer,
    output=s.ProgramOutputSerializer,
)
ProgramListView = list_view(model_queryset=Program.objects.all(), output=s.ProgramOutputSerializer, noun="programs")

_accounts = BillingAccount.objects.select_related("customer", "parent").prefetch_related("programs")
BillingAccountView = record_view(
    kind="billing_accounts",
    model_queryset=_accounts,
    key="account_number",
    key_help="The billing account number (the number occupancies carry).",
    noun="billing account",
    input_serializer=s.BillingAccountUpsertInputSerializer,
    output=s.BillingAccountOutputSerializer,
)
BillingAccountListView = list_view(
    model_queryset=_accounts, output=s.BillingAccountOutputSerializer, noun="billing accounts"
)

_contracts = ServiceContract.objects.select_related("account", "occupancy__premise", "rate_plan").prefetch_related(
    "programs"
)
ServiceContractView = record_view(
    kind="service_contracts",
    model_queryset=_contracts,
    key="contract_number",
    key_help="The service contract number.",
    noun="service contract",
    input_serializer=s.ServiceContractUpsertInputSerializer,
    output=s.ServiceContractOutputSerializer,
)
ServiceContractListView = list_view(
    model_queryset=_contracts, output=s.ServiceContractOutputSerializer, noun="service contracts"
)
