"""Consumption extracts for downstream systems (seed 003): extract types and the requests that
produce extract files (initial load, incremental, historical correction)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class LoadProfile(models.Model):
    """How a day's energy spreads over its quarter hours when a meter has only daily register reads.

    `weights` holds 96 non-negative numbers, one per local quarter hour of a 24-hour day (a 23- or
    25-hour day drops or repeats the weights of the hour that changes)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    weights = models.JSONField()

    def __str__(self):
        return self.name


class ExtractType(models.Model):
    class Unit(models.TextChoices):
        KWH = "kWh", "kWh"
        WH = "Wh", "Wh"
        MWH = "MWh", "MWh"

    class Interval(models.IntegerChoices):
        MIN_15 = 15, "15 minutes"
        MIN_30 = 30, "30 minutes"
        MIN_60 = 60, "60 minutes"
        DAY = 1440, "Day"

    class Frequency(models.TextChoices):
        MANUAL = "manual", "Manual"
        DAILY = "daily", "Automated daily"

    class Layout(models.TextChoices):
        TAB_UTC = "tab_utc", "Tab-delimited with UTC offset"

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    unit = models.CharField(max_length=3, choices=Unit.choices, default=Unit.KWH)
    interval_minutes = models.PositiveIntegerField(choices=Interval.choices, default=Interval.MIN_15)
    tou_map = models.ForeignKey(
        "usage.TouMap",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="extract_types",
        help_text="With a map, each interval gets a TOU period and values are summed per period.",
    )
    load_profile = models.ForeignKey(
        LoadProfile,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="extract_types",
        help_text="Spreads daily register reads of meters without intervals; flat when empty.",
    )
    layout = models.CharField(max_length=10, choices=Layout.choices, default=Layout.TAB_UTC)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.MANUAL)
    destination = models.CharField(
        max_length=200, blank=True, help_text="Where files go: a folder under the extracts root, or empty for the root."
    )
    extract_through = models.DateTimeField(
        null=True, blank=True, help_text="Data up to this instant has been extracted; later data is current."
    )
    corrections_through = models.DateTimeField(
        null=True, blank=True, help_text="Corrections loaded up to this instant have been extracted."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name


class ExtractRequest(models.Model):
    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial load"
        INCREMENTAL = "incremental", "Incremental"
        CORRECTION = "correction", "Historical correction"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        COMPLETE = "complete", "Complete"
        ERROR = "error", "Error"

    extract_type = models.ForeignKey(ExtractType, on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=500, blank=True)
    rows = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__isnull=True) | Q(period_end__gt=models.F("period_start")),
                name="extract_request_period_ordered",
            ),
            # An automated incremental run for a window exists once, however often beat fires.
            models.UniqueConstraint(
                fields=["extract_type", "period_start"],
                condition=Q(kind="incremental"),
                name="extract_request_one_incremental_per_start",
            ),
        ]

    def __str__(self):
        return f"{self.extract_type} {self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"
