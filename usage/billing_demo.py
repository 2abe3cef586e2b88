"""seed_demo's billing: accounts, service contracts on rate plans, programs, and bills generated
from the demo's usage x tariffs (so each bill's lines add up to its amount due), plus a postal-code
and a building aggregation and energy attribute certificates from solar surplus. Runs after
usage.demo (reads) and usage.tariffs_demo (tariffs)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from meters import billing
from meters.models import BillingAccount, Occupancy, Premise, Program, ServiceContract

from .models import Aggregation, EnergyAttributeCertificate, MonthlyRead, Series
from .selectors import interval_rows
from .services import bills
from .services.costs import estimate_cost, round_money

CENT = Decimal("0.01")
FLAT_RATE = Decimal("0.13500")  # for billing-cycle reads without 15-minute data


def seed(world) -> None:
    tou = billing.upsert_rate_plan(code="RES-TOU", name="Residential time-of-use")[0]
    flat = billing.upsert_rate_plan(code="RES-FLAT", name="Residential flat rate")[0]
    budget = billing.upsert_program(code="BUDGET", name="Budget billing", applies_to=Program.AppliesTo.ACCOUNT)[0]
    demand = billing.upsert_program(code="DR", name="Demand response", applies_to=Program.AppliesTo.SERVICE)[0]
    contracts = _accounts_and_contracts(tou, flat, budget, demand)
    usage_premises = set(world.objects.get("usage_premises", []))
    for contract in contracts:
        if contract.occupancy.move_out is None and contract.occupancy.premise_id in usage_premises:
            _bills_from_intervals(contract)
        elif contract.occupancy.move_out is None:
            _bills_from_cycles(contract)
    _aggregations(world)
    world.objects["service_contracts"] = contracts


def _accounts_and_contracts(tou, flat, budget, demand) -> list[ServiceContract]:
    contracts = []
    occupancies = Occupancy.objects.select_related("customer", "premise").order_by("pk")
    for index, occupancy in enumerate(occupancies):
        premise, customer = occupancy.premise, occupancy.customer
        account, _ = billing.upsert_billing_account(
            account_number=occupancy.account_number,
            customer=customer,
            name=customer.full_name,
            address=f"{premise.service_address}, {premise.city} {premise.state} {premise.postal_code}",
            account_types=["residential"],
            status=BillingAccount.Status.ACTIVE if occupancy.move_out is None else BillingAccount.Status.CLOSED,
            contacts=[customer.email],
            programs=[budget] if index % 4 == 0 else [],
        )
        contract, _ = billing.upsert_service_contract(
            contract_number=f"SC-{occupancy.pk:06d}",
            account=account,
            premise=premise,
            move_in=occupancy.move_in,
            contract_types=["residential"],
            rate_plan=tou if index % 2 == 0 else flat,
            programs=[demand] if index % 5 == 0 else [],
        )
        contracts.append(contract)
    return contracts


def _months(premise: Premise, count: int = 12):
    """[start, end) of the last `count` whole local months of the premise."""
    zone = ZoneInfo(premise.time_zone)
    first_of_this_month = timezone.localdate().replace(day=1)
    month = first_of_this_month
    months = []
    for _ in range(count):
        previous = (month - timedelta(days=1)).replace(day=1)
        months.append((previous, month))
        month = previous
    for first, following in reversed(months):
        yield first, following, datetime.combine(first, time.min, zone), datetime.combine(following, time.min, zone)


def _bills_from_intervals(contract: ServiceContract) -> None:
    premise = contract.occupancy.premise
    for first, following, start, end in _months(premise):
        rows = list(interval_rows(premise_id=premise.pk, windows=[(start.astimezone(UTC), end.astimezone(UTC))]))
        if not rows:
            continue
        summary = estimate_cost(premise=premise, rows=rows)
        lines = []
        for bucket, name in (("offtake_peak", "Energy, peak"), ("offtake_off_peak", "Energy, off-peak")):
            kwh, cost = getattr(summary, f"{bucket}_kwh"), getattr(summary, f"{bucket}_cost")
            if kwh and cost is not None:
                lines.append((bucket, name, kwh, round_money(cost), "usage"))
        for bucket, name in (
            ("injection_peak", "Solar credit, peak"),
            ("injection_off_peak", "Solar credit, off-peak"),
        ):
            kwh, cost = getattr(summary, f"{bucket}_kwh"), getattr(summary, f"{bucket}_cost")
            if kwh and cost:
                lines.append((bucket, name, kwh, -round_money(cost), "credit"))
        if lines:
            _bill(contract, first, following, lines)
            _certificate(premise, first, start, end, rows)


def _bills_from_cycles(contract: ServiceContract) -> None:
    premise = contract.occupancy.premise
    for read in MonthlyRead.objects.filter(premise=premise).order_by("start_date")[:12]:
        cost = round_money(read.actual_kwh * FLAT_RATE)
        _bill(
            contract,
            read.start_date,
            read.end_date + timedelta(days=1),
            [("energy", "Energy", read.actual_kwh, cost, "usage")],
        )


def _bill(contract: ServiceContract, first: date, following: date, lines: list) -> None:
    """One statement and its section; the amount due is the sum of the rounded lines."""
    account = contract.account
    number = f"{account.account_number}-{first:%Y%m}"
    amount_due = sum((line[3] for line in lines), Decimal("0.00"))
    statement, _ = bills.upsert_bill_statement(
        statement_number=number,
        account=account,
        statement_date=following + timedelta(days=3),
        amount_due=amount_due,
        amount_due_date=following + timedelta(days=24),
        file_uri=f"https://bills.lonestar.example/{number}.pdf",
        file_mimetype="application/pdf",
        previous_balance_amount=Decimal("0.00"),
        previous_balance_paid=Decimal("0.00"),
        previous_balance_unpaid=Decimal("0.00"),
        new_charges_amount=amount_due,
        new_charges=[
            {"id": key, "name": name, "types": [kind], "amount": str(cost), "included_in_amount_due": True}
            for key, name, _kwh, cost, kind in lines
        ],
        new_balance_amount=amount_due,
    )
    bills.upsert_bill_section(
        section_number=f"{number}-E",
        account=account,
        statement=statement,
        service_contract=contract,
        section_types=["delivery", "supply"],
        start_date=first,
        end_date=following - timedelta(days=1),
        currency="USD",
        usage_details=[
            {"id": key, "name": name, "types": [kind], "value": str(kwh), "units": "kWh"}
            for key, name, kwh, _c, kind in lines
        ],
        cost_details=[
            {"id": key, "name": name, "types": [kind], "amount": str(cost)} for key, name, _k, cost, kind in lines
        ],
        line_items=[
            {
                "id": key,
                "name": name,
                "types": [kind],
                "start_date": first.isoformat(),
                "end_date": (following - timedelta(days=1)).isoformat(),
                "cost": str(cost),
                "value": str(kwh),
                "units": "kWh",
                "rate": str((abs(cost) / kwh).quantize(Decimal("0.00001"))) if kwh else None,
            }
            for key, name, kwh, cost, kind in lines
        ],
    )


def _certificate(premise: Premise, first: date, start: datetime, end: datetime, rows) -> None:
    surplus = sum(wh for _start, series, wh, *_ in rows if series == Series.GENERATION)
    if surplus < 1000:
        return
    number = f"EAC-{premise.esiid[-6:]}-{first:%Y%m}"
    EnergyAttributeCertificate.objects.update_or_create(
        eac_number=number,
        defaults={
            "premise": premise,
            "period_start": start,
            "period_end": end,
            "kwh": Decimal(surplus).scaleb(-3),
            "data_url": f"https://certificates.lonestar.example/{number}.json",
        },
    )


def _aggregations(world) -> None:
    postal = Premise.objects.values_list("postal_code", flat=True).order_by("postal_code").first()
    if postal:
        Aggregation.objects.update_or_create(
            number=f"ZIP-{postal}",
            defaults={"name": f"Postal code {postal}", "kind": Aggregation.Kind.POSTAL_CODE, "postal_code": postal},
        )
    building = Premise.objects.values_list("service_address", flat=True).order_by("pk").first()
    if building:
        Aggregation.objects.update_or_create(
            number="BLDG-1",
            defaults={"name": f"Building {building}", "kind": Aggregation.Kind.BUILDING, "building_address": building},
        )
    demo_list, _ = Aggregation.objects.update_or_create(
        number="LIST-RESEARCH", defaults={"name": "Research panel", "kind": Aggregation.Kind.LIST}
    )
    demo_list.premises.set(Premise.objects.order_by("pk")[:20])
