"""Bills the utility's billing system supplies: check and store bill statements and bill sections.

Money is exact: amounts arrive as decimal strings and are kept as Decimal. A statement's unpaid
previous balance plus the charges included in the amount due must make the amount due (CDS
WG3-01); when they do not, the gap is kept as an `amount_due_sum_difference` charge, as the
specification asks, so a client's sum always adds up.
"""

from decimal import Decimal

from django.db import transaction

from meters.models import BillingAccount, ServiceContract

from ..models import BillSection, BillStatement
from . import UsageError

DIFFERENCE_CHARGE = "amount_due_sum_difference"


def _save(model, key: dict, values: dict):
    instance = model.objects.select_for_update().filter(**key).first()
    if instance is None:
        return model.objects.create(**key, **values), True
    changed = False
    for field, value in values.items():
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed = True
    if changed:
        instance.save()
    return instance, False


def balanced_charges(*, amount_due: Decimal, previous_balance_unpaid, new_charges: list[dict]) -> list[dict]:
    """The charges, plus an `amount_due_sum_difference` charge when unpaid balance + included
    charges do not make the amount due. Without a known unpaid balance, nothing is added."""
    charges = [charge for charge in new_charges if charge.get("id") != DIFFERENCE_CHARGE]
    if previous_balance_unpaid is None and not charges:
        return charges
    included = sum(
        (Decimal(charge["amount"]) for charge in charges if charge.get("included_in_amount_due", True)), Decimal(0)
    )
    difference = amount_due - (previous_balance_unpaid or Decimal(0)) - included
    if difference:
        charges.append(
            {
                "id": DIFFERENCE_CHARGE,
                "name": "Difference to the amount due",
                "types": ["other"],
                "amount": str(difference),
                "included_in_amount_due": True,
            }
        )
    return charges


@transaction.atomic
def upsert_bill_statement(
    *, statement_number: str, account: BillingAccount, amount_due: Decimal, new_charges=(), **fields
) -> tuple[BillStatement, bool]:
    charges = balanced_charges(
        amount_due=amount_due,
        previous_balance_unpaid=fields.get("previous_balance_unpaid"),
        new_charges=[dict(charge) for charge in new_charges],
    )
    return _save(
        BillStatement,
        {"statement_number": statement_number},
        {"account": account, "amount_due": amount_due, "new_charges": charges, **fields},
    )


@transaction.atomic
def upsert_bill_section(
    *,
    section_number: str,
    account: BillingAccount,
    statement: BillStatement | None = None,
    service_contract: ServiceContract | None = None,
    **fields,
) -> tuple[BillSection, bool]:
    """A section belongs to its statement's account, and its contract to that account too."""
    if fields["end_date"] < fields["start_date"]:
        raise UsageError(
            "end_before_start", "A section ends on or after it starts.", fields={"end_date": ["Too early."]}
        )
    if statement is not None and statement.account_id != account.pk:
        raise UsageError(
            "other_account",
            "The statement belongs to another account.",
            fields={"statement_number": ["Other account."]},
        )
    if service_contract is not None and service_contract.account_id != account.pk:
        raise UsageError(
            "other_account", "The contract belongs to another account.", fields={"contract_number": ["Other account."]}
        )
    return _save(
        BillSection,
        {"section_number": section_number},
        {"account": account, "statement": statement, "service_contract": service_contract, **fields},
    )
