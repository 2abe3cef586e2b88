"""On-demand reads: a customer or a third party asks the meter for its register now; the head-end
answers later (DESIGN.md, Usage). The row is the request and, once answered, its result."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class OnDemandRead(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        TIMED_OUT = "timed_out", "Timed out"

    premise = models.ForeignKey("meters.Premise", on_delete=models.PROTECT, related_name="on_demand_reads")
    meter = models.ForeignKey("meters.Meter", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when a third party asked (under an Energy Data agreement); empty when the customer did.
    third_party = models.ForeignKey(
        "portal.ThirdParty", null=True, blank=True, on_delete=models.PROTECT, related_name="on_demand_reads"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    headend_reference = models.CharField(max_length=64, blank=True, db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True, help_text="When the meter took the reading.")
    register_kwh = models.DecimalField(
        "register (kWh)", max_digits=15, decimal_places=3, null=True, blank=True, help_text="The meter's register."
    )
    usage_kwh = models.DecimalField(
        "usage since the last read (kWh)", max_digits=12, decimal_places=3, null=True, blank=True
    )
    detail = models.CharField(max_length=200, blank=True, help_text="Why it failed, as the head-end said.")

    class Meta:
        indexes = [models.Index(fields=["premise", "-requested_at"], name="on_demand_read_premise_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending") | Q(answered_at__isnull=False), name="on_demand_read_answered_when_done"
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(register_kwh__isnull=False), name="on_demand_read_completed_value"
            ),
        ]

    def __str__(self):
        return f"On-demand read of {self.premise} at {self.requested_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"
