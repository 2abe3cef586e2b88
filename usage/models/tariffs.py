"""Tariffs and time-of-use maps (seed 000): what a kWh costs at a premise, so usage can be shown as
an estimated cost (never a bill), and which hours are peak."""

from django.db import models
from django.db.models import F, Q

PRICE = {"max_digits": 10, "decimal_places": 5}


class TouMap(models.Model):
    """Assigns every interval to a period (peak, off-peak, shoulder, ...) by its local time.

    Rules are tried in `position` order; the first that matches the interval's local weekday, month
    and time of day gives its period; an interval no rule matches is in `default_period`."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    time_zone = models.CharField(max_length=64, default="America/Chicago")
    default_period = models.CharField(max_length=20, default="off_peak")
    description = models.TextField(blank=True)

    def __str__(self):
        return self.name


class TouRule(models.Model):
    tou_map = models.ForeignKey(TouMap, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(default=0)
    period = models.CharField(max_length=20, help_text="The period's code, e.g. peak, off_peak, shoulder.")
    weekdays = models.CharField(
        max_length=7, default="12345", help_text="ISO weekdays the rule applies on: 1 = Monday ... 7 = Sunday."
    )
    months = models.CharField(
        max_length=40, blank=True, help_text="Comma-separated months (1-12) the rule applies in; empty for all."
    )
    start_time = models.TimeField(help_text="Local time the period starts (inclusive).")
    end_time = models.TimeField(help_text="Local time the period ends (exclusive); 00:00 means midnight.")

    class Meta:
        ordering = ["tou_map", "position", "id"]

    def __str__(self):
        return f"{self.tou_map.code}: {self.period} {self.weekdays} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class Tariff(models.Model):
    """Prices per kWh for offtake (consumption) and injection (generation), peak and off-peak, valid
    from one local date to another. A premise's own tariff wins over its label partner's."""

    class Source(models.TextChoices):
        API = "api", "API"
        FILE = "file", "CSV delta file"
        CUSTOMER = "customer", "Customer (my energy contract)"
        ADMIN = "admin", "Admin"

    external_id = models.CharField(
        max_length=64, blank=True, help_text="The supplier's id: CSV delta files and the API update by it."
    )
    premise = models.ForeignKey(
        "meters.Premise", null=True, blank=True, on_delete=models.CASCADE, related_name="tariffs"
    )
    label_partner = models.ForeignKey(
        "portal.LabelPartner", null=True, blank=True, on_delete=models.CASCADE, related_name="tariffs"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.API)
    name = models.CharField(max_length=100, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    offtake_peak = models.DecimalField("offtake peak price per kWh", **PRICE)
    offtake_off_peak = models.DecimalField("offtake off-peak price per kWh", **PRICE)
    injection_peak = models.DecimalField("injection peak price per kWh", **PRICE, default=0)
    injection_off_peak = models.DecimalField("injection off-peak price per kWh", **PRICE, default=0)
    tou_map = models.ForeignKey(
        TouMap,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tariffs",
        help_text="Which hours are peak; without a map every hour is off-peak.",
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Last day the tariff applies; empty: open-ended.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["premise", "valid_from"], name="tariff_premise_from")]
        constraints = [
            models.CheckConstraint(
                condition=Q(premise__isnull=True) ^ Q(label_partner__isnull=True),
                name="tariff_premise_or_label_partner",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="tariff_valid_to_after_from"
            ),
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="tariff_external_id_unique"
            ),
        ]

    def __str__(self):
        holder = self.premise or self.label_partner
        return f"{self.name or 'Tariff'} for {holder} from {self.valid_from}"
