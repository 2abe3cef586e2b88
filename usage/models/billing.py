"""Bills the utility's billing system supplies (CDS bill statements and bill sections): what the
customer owes, and per service the energy used and what it cost. MeterGate does not compute bills;
`usage.services.bills` only checks and stores them (and the demo derives them from usage)."""

from django.db import models
from django.db.models import F, Q

MONEY = {"max_digits": 14, "decimal_places": 2}


class BillStatement(models.Model):
    """One bill sent to an account: the amount due and, optionally, the balance and new charges.

    `new_charges` is a list of {id, name, types, amount, included_in_amount_due}, amounts as exact
    decimal strings; the unpaid previous balance plus the included charges make the amount due."""

    statement_number = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey("meters.BillingAccount", on_delete=models.PROTECT, related_name="bill_statements")
    statement_date = models.DateField()
    currency = models.CharField(max_length=3, default="USD")
    amount_due = models.DecimalField(**MONEY)
    amount_due_date = models.DateField()
    shutoff_prevention_minimum_due = models.DecimalField(**MONEY, null=True, blank=True)
    shutoff_prevention_date = models.DateField(null=True, blank=True)
    file_uri = models.URLField(max_length=500, blank=True)
    file_mimetype = models.CharField(max_length=100, blank=True)
    previous_balance_amount = models.DecimalField(**MONEY, null=True, blank=True)
    previous_balance_paid = models.DecimalField(**MONEY, null=True, blank=True)
    previous_balance_unpaid = models.DecimalField(**MONEY, null=True, blank=True)
    new_charges_amount = models.DecimalField(**MONEY, null=True, blank=True)
    new_charges = models.JSONField(default=list, blank=True)
    new_balance_amount = models.DecimalField(**MONEY, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["account", "statement_date"], name="bill_statement_account")]

    def __str__(self):
        return f"Bill {self.statement_number} of {self.statement_date}: {self.amount_due} {self.currency}"


class BillSection(models.Model):
    """The part of a bill for one service (or one supplier): its period, the energy used
    (`usage_details`), the costs (`cost_details`) and the line items behind them.

    Details and line items are lists of objects with exact decimal strings (see
    `usage.services.bills` for their fields)."""

    section_number = models.CharField(max_length=64, unique=True)
    statement = models.ForeignKey(
        BillStatement, null=True, blank=True, on_delete=models.CASCADE, related_name="sections"
    )
    account = models.ForeignKey("meters.BillingAccount", on_delete=models.PROTECT, related_name="bill_sections")
    service_contract = models.ForeignKey(
        "meters.ServiceContract", null=True, blank=True, on_delete=models.PROTECT, related_name="bill_sections"
    )
    section_types = models.JSONField(default=list, blank=True, help_text='e.g. ["delivery", "supply"]')
    start_date = models.DateField()
    end_date = models.DateField()
    currency = models.CharField(max_length=3, default="USD")
    distribution_entity = models.JSONField(null=True, blank=True)
    supply_entity = models.JSONField(null=True, blank=True)
    usage_details = models.JSONField(default=list, blank=True)
    cost_details = models.JSONField(default=list, blank=True)
    line_items = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="bill_section_end_after_start"),
        ]
        indexes = [models.Index(fields=["account", "start_date"], name="bill_section_account")]

    def __str__(self):
        return f"Bill section {self.section_number} ({self.start_date}–{self.end_date})"
