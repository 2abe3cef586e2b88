"""Factories of the billing records behind the CDS customer-data APIs (accounts, contracts, rate
plans, programs, bills, aggregations, certificates), and `billed_customer`, a customer with one
account, one contract and one meter at one premise."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import factory

from meters.models import BillingAccount, Program, RatePlan, ServiceContract
from tests.factories import CustomerFactory, MeterFactory, OccupancyFactory, PremiseFactory
from usage.models import Aggregation, BillSection, BillStatement, EnergyAttributeCertificate


class RatePlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RatePlan

    code = factory.Sequence(lambda n: f"RES-{n}")
    name = factory.Sequence(lambda n: f"Residential plan {n}")


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    code = factory.Sequence(lambda n: f"PRG-{n}")
    name = factory.Sequence(lambda n: f"Program {n}")


class BillingAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillingAccount

    account_number = factory.Sequence(lambda n: f"BA{n:08d}")
    customer = factory.SubFactory(CustomerFactory)
    name = factory.LazyAttribute(lambda account: account.customer.full_name)
    address = "100 Congress Ave, Austin TX 78701"
    account_types = factory.LazyFunction(lambda: ["residential"])
    contacts = factory.LazyFunction(lambda: ["+15125550100"])


class ServiceContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceContract

    contract_number = factory.Sequence(lambda n: f"SC{n:08d}")
    account = factory.SubFactory(BillingAccountFactory)
    occupancy = factory.LazyAttribute(
        lambda contract: OccupancyFactory(
            customer=contract.account.customer, account_number=contract.account.account_number
        )
    )
    contract_types = factory.LazyFunction(lambda: ["residential"])
    rate_plan = factory.SubFactory(RatePlanFactory)


class BillStatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillStatement

    statement_number = factory.Sequence(lambda n: f"BS{n:08d}")
    account = factory.SubFactory(BillingAccountFactory)
    statement_date = date(2026, 10, 5)
    amount_due = Decimal("96.10")
    amount_due_date = date(2026, 10, 25)
    previous_balance_amount = Decimal("80.00")
    previous_balance_paid = Decimal("80.00")
    previous_balance_unpaid = Decimal("0.00")
    new_charges_amount = Decimal("96.10")
    new_charges = factory.LazyFunction(
        lambda: [
            {"id": "energy", "name": "Energy", "types": ["usage"], "amount": "96.10", "included_in_amount_due": True}
        ]
    )
    new_balance_amount = Decimal("96.10")
    file_uri = "https://bills.example.test/BS.pdf"
    file_mimetype = "application/pdf"


class BillSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillSection

    section_number = factory.Sequence(lambda n: f"SEC{n:08d}")
    statement = factory.SubFactory(BillStatementFactory)
    account = factory.LazyAttribute(lambda section: section.statement.account)
    section_types = factory.LazyFunction(lambda: ["delivery"])
    start_date = date(2026, 9, 1)
    end_date = date(2026, 9, 30)
    usage_details = factory.LazyFunction(
        lambda: [{"id": "energy", "name": "Energy used", "types": ["usage"], "value": "812.000", "units": "kWh"}]
    )
    cost_details = factory.LazyFunction(lambda: [{"id": "energy", "name": "Energy", "types": [], "amount": "96.10"}])
    line_items = factory.LazyFunction(
        lambda: [
            {
                "id": "energy",
                "name": "Energy charge",
                "types": ["usage"],
                "start_date": "2026-09-01",
                "end_date": "2026-09-30",
                "cost": "96.10",
                "value": "812.000",
                "units": "kWh",
                "rate": "0.11835",
            }
        ]
    )


class AggregationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Aggregation

    number = factory.Sequence(lambda n: f"AGG-{n}")
    name = factory.Sequence(lambda n: f"Group {n}")
    kind = Aggregation.Kind.POSTAL_CODE
    postal_code = "78701"


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnergyAttributeCertificate

    eac_number = factory.Sequence(lambda n: f"EAC-{n:06d}")
    premise = factory.SubFactory(PremiseFactory)
    period_start = datetime(2026, 9, 1, 5, tzinfo=UTC)
    period_end = datetime(2026, 10, 1, 5, tzinfo=UTC)
    kwh = Decimal("123.456")


@dataclass
class Billed:
    customer: object
    premise: object
    meter: object
    account: BillingAccount
    contract: ServiceContract


def billed_customer(*, customer=None, premise=None, move_in=date(2024, 1, 1), **account_fields) -> Billed:
    """A customer living at a premise with a meter, a billing account and a service contract."""
    customer = customer or CustomerFactory()
    premise = premise or PremiseFactory()
    meter = MeterFactory(premise=premise)
    account = BillingAccountFactory(customer=customer, **account_fields)
    occupancy = OccupancyFactory(
        customer=customer, premise=premise, account_number=account.account_number, move_in=move_in
    )
    contract = ServiceContractFactory(account=account, occupancy=occupancy)
    return Billed(customer, premise, meter, account, contract)
