"""Aggregations (groups of premises whose usage is only ever served summed, above a privacy
threshold) and energy attribute certificates (a premise's surplus generation of a period)."""

from django.db import models
from django.db.models import F, Q


class Aggregation(models.Model):
    """A group of premises: all premises of a postal code, of one building (service address), or a
    list staff chose. Membership is read when asked, so a postal code follows new premises."""

    class Kind(models.TextChoices):
        POSTAL_CODE = "postal_code", "Postal code"
        BUILDING = "building", "Building"
        LIST = "list", "Staff-defined list"

    number = models.CharField(max_length=64, unique=True, help_text="The aggregation number clients ask for.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    postal_code = models.CharField(max_length=10, blank=True)
    building_address = models.CharField(max_length=300, blank=True, help_text="The service address of the building.")
    premises = models.ManyToManyField("meters.Premise", blank=True, related_name="aggregations")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="postal_code") | ~Q(postal_code=""), name="aggregation_postal_code_given"
            ),
            models.CheckConstraint(
                condition=~Q(kind="building") | ~Q(building_address=""), name="aggregation_building_given"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.number})"


class EnergyAttributeCertificate(models.Model):
    """A certificate for the surplus generation (kWh put back on the grid) of a premise in a period."""

    eac_number = models.CharField(max_length=64, unique=True)
    premise = models.ForeignKey("meters.Premise", on_delete=models.PROTECT, related_name="certificates")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    kwh = models.DecimalField("kWh", max_digits=12, decimal_places=3)
    eac_format = models.CharField(max_length=40, default="metergate_json_v1")
    data_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gt=F("period_start")), name="eac_period_end_after_start"),
            models.CheckConstraint(condition=Q(kwh__gte=0), name="eac_kwh_not_negative"),
        ]
        indexes = [models.Index(fields=["premise", "period_start"], name="eac_premise_period")]

    def __str__(self):
        return f"EAC {self.eac_number}: {self.kwh} kWh"
