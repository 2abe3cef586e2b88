"""Billing rules: the utility's billing system provisions rate plans, programs, billing accounts
and service contracts. Each upsert saves only when a value differs (so `updated_at`, which the CDS
APIs show as `cds_modified`, moves only on a real change) and answers (instance, created)."""

from django.db import transaction

from portal.models import User

from .models import BillingAccount, Occupancy, Program, RatePlan, ServiceContract
from .services import MeterError, _apply


def _upsert(model, lookup: dict, values: dict, programs=None):
    instance = model.objects.select_for_update().filter(**lookup).first()
    created = instance is None
    if created:
        instance = model.objects.create(**lookup, **values)
        changed = False
    else:
        changed = _apply(instance, values)
    if programs is not None and (created or set(instance.programs.all()) != set(programs)):
        instance.programs.set(programs)
        changed = True
    if changed and not created:
        instance.save()
    return instance, created


@transaction.atomic
def upsert_rate_plan(*, code: str, name: str, description: str = "") -> tuple[RatePlan, bool]:
    return _upsert(RatePlan, {"code": code}, {"name": name, "description": description})


@transaction.atomic
def upsert_program(
    *, code: str, name: str, description: str = "", applies_to: str = Program.AppliesTo.ACCOUNT
) -> tuple[Program, bool]:
    return _upsert(Program, {"code": code}, {"name": name, "description": description, "applies_to": applies_to})


def _check_programs(programs, applies_to: str, field: str = "programs") -> None:
    wrong = [program.code for program in programs if program.applies_to != applies_to]
    if wrong:
        raise MeterError(
            "wrong_program",
            f"Program(s) {', '.join(wrong)} are not {Program.AppliesTo(applies_to).label.lower()} programs.",
            fields={field: [f"Not for {Program.AppliesTo(applies_to).label.lower()}."]},
        )


@transaction.atomic
def upsert_billing_account(
    *,
    account_number: str,
    customer: User,
    parent: BillingAccount | None = None,
    programs=(),
    **fields,
) -> tuple[BillingAccount, bool]:
    """An account of a provisioned customer; a parent account is another existing account, never itself."""
    if parent is not None and parent.account_number == account_number:
        raise MeterError("own_parent", "An account cannot be its own parent.", fields={"parent": ["Itself."]})
    _check_programs(programs, Program.AppliesTo.ACCOUNT)
    return _upsert(
        BillingAccount,
        {"account_number": account_number},
        {"customer": customer, "parent": parent, **fields},
        programs=list(programs),
    )


def _occupancy_for(account: BillingAccount, premise, move_in) -> Occupancy:
    occupancies = Occupancy.objects.filter(
        premise=premise, account_number=account.account_number, customer=account.customer
    )
    if move_in is not None:
        occupancies = occupancies.filter(move_in=move_in)
    occupancy = occupancies.order_by("-move_in").first()
    if occupancy is None:
        raise MeterError(
            "no_occupancy",
            "The account's customer has no occupancy with this account number at this ESIID"
            + (" with that move-in date." if move_in else "."),
            fields={"esiid": ["No matching occupancy."]},
        )
    return occupancy


@transaction.atomic
def upsert_service_contract(
    *,
    contract_number: str,
    account: BillingAccount,
    premise,
    move_in=None,
    rate_plan: RatePlan | None = None,
    programs=(),
    **fields,
) -> tuple[ServiceContract, bool]:
    """A service contract is the account's occupancy at the premise (the latest one, or the one
    moved into on `move_in`), with its rate plan and service programs."""
    occupancy = _occupancy_for(account, premise, move_in)
    taken = ServiceContract.objects.filter(occupancy=occupancy).exclude(contract_number=contract_number)
    if taken.exists():
        raise MeterError(
            "occupancy_contracted",
            "This occupancy already has another service contract.",
            fields={"esiid": ["Another contract covers it."]},
            status_code=409,
        )
    _check_programs(programs, Program.AppliesTo.SERVICE)
    return _upsert(
        ServiceContract,
        {"contract_number": contract_number},
        {"account": account, "occupancy": occupancy, "rate_plan": rate_plan, **fields},
        programs=list(programs),
    )
