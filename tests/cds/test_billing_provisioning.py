"""Provisioning of billing records (rate plans, programs, accounts, contracts, bills) by API and
CSV: the same rules, line-by-line errors, idempotent upserts, the utility's systems only."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from meters.models import BillingAccount, Program, ServiceContract
from tests.conftest import issue_token
from tests.factories import CustomerFactory, OAuthClientFactory, OccupancyFactory, ThirdPartyFactory
from usage.models import BillSection, BillStatement

from .factories import BillingAccountFactory, ProgramFactory, RatePlanFactory, billed_customer

pytestmark = pytest.mark.django_db

BASE = "/api/v1/provisioning/"


@pytest.fixture
def api(api_client, utility_token):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {utility_token}")
    return api_client


@pytest.mark.parametrize(
    "path", ["rate-plans/P1", "programs/P1", "billing-accounts/A1", "service-contracts/C1", "bill-statements/S1"]
)
def test_billing_provisioning_refuses_a_third_partys_token(api_client, path):
    third_party_client = OAuthClientFactory(allowed_scopes="provisioning")
    third_party_client.third_party = ThirdPartyFactory()
    third_party_client.save()
    token = issue_token(third_party_client, "provisioning")

    response = api_client.put(BASE + path, {}, format="json", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 403


def test_a_billing_account_put_twice_is_created_then_unchanged(api):
    customer = CustomerFactory(external_account_id="CUST-1")
    ProgramFactory(code="BUDGET")
    body = {
        "external_account_id": "CUST-1",
        "name": "Ada Lovelace",
        "address": "1 Main St, Austin TX",
        "account_types": ["residential"],
        "contacts": ["ada@example.test", "+1 512 555 0100"],
        "programs": ["BUDGET"],
    }

    first = api.put(BASE + "billing-accounts/0012345678", body, format="json")
    second = api.put(BASE + "billing-accounts/0012345678", body, format="json")

    assert first.status_code == 201 and second.status_code == 200
    account = BillingAccount.objects.get(account_number="0012345678")
    assert account.customer == customer
    assert account.contacts == ["ada@example.test", "+15125550100"]
    assert second.json()["updated_at"] == first.json()["updated_at"]
    assert second.json()["programs"] == ["BUDGET"]


def test_an_account_with_a_service_program_or_a_bad_contact_is_refused_field_by_field(api):
    CustomerFactory(external_account_id="CUST-1")
    ProgramFactory(code="DR", applies_to=Program.AppliesTo.SERVICE)

    bad_contact = api.put(
        BASE + "billing-accounts/A1", {"external_account_id": "CUST-1", "contacts": ["5125550100"]}, format="json"
    )
    wrong_program = api.put(
        BASE + "billing-accounts/A1", {"external_account_id": "CUST-1", "programs": ["DR"]}, format="json"
    )

    assert bad_contact.status_code == 400 and "contacts" in bad_contact.json()["error"]["fields"]
    assert wrong_program.status_code == 400 and wrong_program.json()["error"]["code"] == "wrong_program"


def test_a_service_contract_is_the_accounts_occupancy_at_the_premise_with_its_rate_plan(api):
    account = BillingAccountFactory()
    occupancy = OccupancyFactory(customer=account.customer, account_number=account.account_number)
    RatePlanFactory(code="TOU-1")

    response = api.put(
        BASE + "service-contracts/C-1",
        {"account_number": account.account_number, "esiid": occupancy.premise.esiid, "rate_plan": "TOU-1"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    contract = ServiceContract.objects.get(contract_number="C-1")
    assert contract.occupancy == occupancy and contract.rate_plan.code == "TOU-1"


def test_a_service_contract_where_the_account_has_no_occupancy_is_refused(api):
    account = BillingAccountFactory()
    other = OccupancyFactory()  # someone else lives there

    response = api.put(
        BASE + "service-contracts/C-1",
        {"account_number": account.account_number, "esiid": other.premise.esiid},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_occupancy"


def statement_body(account, **overrides) -> dict:
    return {
        "account_number": account.account_number,
        "statement_date": "2026-10-05",
        "amount_due": "120.37",
        "amount_due_date": "2026-10-25",
        "previous_balance_amount": "50.00",
        "previous_balance_paid": "30.00",
        "previous_balance_unpaid": "20.00",
        "new_charges": [{"id": "energy", "name": "Energy", "types": ["usage"], "amount": "100.37"}],
        **overrides,
    }


def test_a_statement_whose_sum_adds_up_keeps_its_charges_exactly(api):
    account = BillingAccountFactory()

    response = api.put(BASE + "bill-statements/S-1", statement_body(account), format="json")

    assert response.status_code == 201, response.json()
    statement = BillStatement.objects.get(statement_number="S-1")
    assert statement.amount_due == Decimal("120.37")
    assert [charge["amount"] for charge in statement.new_charges] == ["100.37"]


def test_a_statement_whose_sum_does_not_add_up_gets_a_difference_charge(api):
    account = BillingAccountFactory()

    api.put(BASE + "bill-statements/S-1", statement_body(account, amount_due="125.00"), format="json")

    charges = BillStatement.objects.get(statement_number="S-1").new_charges
    assert charges[-1]["id"] == "amount_due_sum_difference" and charges[-1]["amount"] == "4.63"


def test_a_bill_section_with_another_accounts_contract_is_refused(api):
    mine, theirs = billed_customer(), billed_customer()

    response = api.put(
        BASE + "bill-sections/SEC-1",
        {
            "account_number": mine.account.account_number,
            "contract_number": theirs.contract.contract_number,
            "start_date": "2026-09-01",
            "end_date": "2026-09-30",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "other_account"
    assert not BillSection.objects.exists()


def run_import(kind: str, path) -> tuple[str, bool]:
    stderr = StringIO()
    try:
        call_command("import_accounts", kind, str(path), "--no-progress", stdout=StringIO(), stderr=stderr)
    except CommandError as error:
        return stderr.getvalue() + str(error), True
    return stderr.getvalue(), False


def test_billing_accounts_import_loads_good_lines_and_names_each_bad_line(tmp_path):
    CustomerFactory(external_account_id="CUST-1")
    path = tmp_path / "accounts.csv"
    path.write_text(
        "account_number,external_account_id,name,account_types,contacts\n"
        "A-1,CUST-1,Ada,residential;budget,ada@example.test;+15125550100\n"  # line 2: good
        "A-2,NOBODY,Bob,residential,\n"  # line 3: unknown customer
        "A-3,CUST-1,Cy,residential,not-a-contact\n",  # line 4: bad contact
        encoding="utf-8",
    )

    errors, failed = run_import("billing_accounts", path)

    assert failed
    assert "line 3: external_account_id:" in errors and "line 4: contacts" in errors
    account = BillingAccount.objects.get()
    assert account.account_types == ["residential", "budget"]
    assert account.contacts == ["ada@example.test", "+15125550100"]


def test_bill_statements_import_reads_charges_as_json(tmp_path):
    account = BillingAccountFactory(account_number="A-1")
    path = tmp_path / "statements.csv"
    path.write_text(
        "statement_number,account_number,statement_date,amount_due,amount_due_date,previous_balance_unpaid,new_charges\n"
        'S-1,A-1,2026-10-05,10.50,2026-10-25,0.00,"[{""id"": ""e"", ""name"": ""Energy"", ""types"": [], '
        '""amount"": ""10.50""}]"\n'
        "S-2,A-1,2026-11-05,oops,2026-11-25,,\n",
        encoding="utf-8",
    )

    errors, failed = run_import("bill_statements", path)

    assert failed and "line 3: amount_due" in errors
    statement = BillStatement.objects.get()
    assert statement.account == account and statement.new_charges[0]["amount"] == "10.50"
