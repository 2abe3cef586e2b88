"""Meter reads: 15-minute interval reads, daily register reads, monthly (billing-cycle) reads, and
the history of interval values a later revision replaced.

Usage tables are keyed premise first (DESIGN.md "Scale"): every primary key starts with the premise,
nothing points into them, and they carry no surrogate id. On PostgreSQL the interval table is
partitioned by month of `interval_start` (see migration 0001 and `usage.partitions`). Their foreign
keys are not enforced by the database (`db_constraint=False`): a checked foreign key would cost a
lookup per row on bulk loads and cannot span shards; the loader writes only premises it resolved.
"""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q

WH_PER_KWH = 1000


def wh_to_kwh(wh: int) -> Decimal:
    """Exact kWh (3 decimal places) for a number of watt-hours."""
    return Decimal(wh).scaleb(-3)


def kwh_to_wh(kwh: Decimal) -> int:
    """Watt-hours for an exact kWh value; more than 3 decimal places is an error, not a rounding."""
    scaled = Decimal(kwh).scaleb(3)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{kwh} kWh has more than 3 decimal places.")
    return int(scaled)


class Series(models.IntegerChoices):
    CONSUMPTION = 1, "Consumption"
    GENERATION = 2, "Generation"  # "Surplus Generation" in Texas files: energy put back on the grid


class IntervalRead(models.Model):
    """The energy of one 15-minute interval of one premise, one series (consumption or generation).

    Columns are declared widest first so PostgreSQL packs them without alignment padding: 8 + 8 + 8
    (+ 8 when a meter is named) + 4 + 2 + 1 + 1 bytes after the 24-byte tuple header, 56 bytes a row
    (a NULL meter costs no byte). kWh is kept as an integer number of Wh (exact, 3 decimals of kWh).
    """

    LENGTH_MINUTES = 15

    pk = models.CompositePrimaryKey("premise_id", "interval_start", "series")
    premise = models.ForeignKey(
        "meters.Premise", on_delete=models.PROTECT, db_constraint=False, db_index=False, related_name="interval_reads"
    )
    interval_start = models.DateTimeField(help_text="Start of the 15 minutes, stored in UTC.")
    revised_at = models.DateTimeField(help_text="Revision time of the value, as the meter-data system stamped it.")
    # Named only when the source file names it; NULL means the meter installed at the premise then.
    # Meters are never deleted (they get a removal date), so nothing needs to cascade.
    meter = models.ForeignKey(
        "meters.Meter",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    wh = models.IntegerField("energy (Wh)")
    series = models.SmallIntegerField(choices=Series.choices)
    estimated = models.BooleanField(default=False, help_text="Estimated rather than actual (read).")
    historical_correction = models.BooleanField(
        default=False, help_text="A later revision replaced the first value; the earlier ones are in the corrections."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(wh__gte=0), name="interval_read_wh_not_negative"),
            models.CheckConstraint(condition=Q(series__in=[1, 2]), name="interval_read_series_known"),
        ]

    def __str__(self):
        return f"{self.premise_id} {self.interval_start:%Y-%m-%d %H:%M}Z {self.get_series_display()}: {self.kwh} kWh"

    @property
    def kwh(self) -> Decimal:
        return wh_to_kwh(self.wh)

    @property
    def quality(self) -> str:
        return "estimated" if self.estimated else "actual"


class IntervalCorrection(models.Model):
    """An interval value that a later revision replaced: what it was, and when and by which revision
    it was replaced. One row per replaced value, so an interval revised twice has two."""

    pk = models.CompositePrimaryKey("premise_id", "interval_start", "series", "revised_at")
    premise = models.ForeignKey(
        "meters.Premise", on_delete=models.PROTECT, db_constraint=False, db_index=False, related_name="+"
    )
    interval_start = models.DateTimeField()
    revised_at = models.DateTimeField(help_text="Revision time of the new value.")
    previous_revised_at = models.DateTimeField(help_text="Revision time of the replaced value.")
    replaced_at = models.DateTimeField(help_text="When MeterGate loaded the new value.")
    previous_wh = models.IntegerField("previous energy (Wh)")
    series = models.SmallIntegerField(choices=Series.choices)
    previous_estimated = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["replaced_at"], name="interval_correction_replaced")]

    def __str__(self):
        return f"{self.premise_id} {self.interval_start:%Y-%m-%d %H:%M}Z was {self.previous_kwh} kWh"

    @property
    def previous_kwh(self) -> Decimal:
        return wh_to_kwh(self.previous_wh)


class DailyRead(models.Model):
    """A daily register read: the meter's register at the start and end of the day and the day's kWh
    (which the meter-data system may report apart from end − start)."""

    pk = models.CompositePrimaryKey("premise_id", "read_date")
    premise = models.ForeignKey(
        "meters.Premise", on_delete=models.PROTECT, db_constraint=False, db_index=False, related_name="daily_reads"
    )
    revised_at = models.DateTimeField()
    read_date = models.DateField()
    start_reading = models.DecimalField(max_digits=15, decimal_places=3, null=True, blank=True)
    end_reading = models.DecimalField(max_digits=15, decimal_places=3, null=True, blank=True)
    kwh = models.DecimalField("kWh", max_digits=12, decimal_places=3)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(kwh__gte=0), name="daily_read_kwh_not_negative")]

    def __str__(self):
        return f"{self.premise_id} {self.read_date}: {self.kwh} kWh"


class MonthlyRead(models.Model):
    """A billing-cycle read: the cycle's dates and its energy and demand figures."""

    pk = models.CompositePrimaryKey("premise_id", "start_date")
    premise = models.ForeignKey(
        "meters.Premise", on_delete=models.PROTECT, db_constraint=False, db_index=False, related_name="monthly_reads"
    )
    revised_at = models.DateTimeField()
    start_date = models.DateField()
    end_date = models.DateField()
    actual_kwh = models.DecimalField("actual kWh", max_digits=12, decimal_places=3)
    metered_kw = models.DecimalField("metered kW", max_digits=12, decimal_places=3, null=True, blank=True)
    billed_kw = models.DecimalField("billed kW", max_digits=12, decimal_places=3, null=True, blank=True)
    metered_kva = models.DecimalField("metered kVA", max_digits=12, decimal_places=3, null=True, blank=True)
    billed_kva = models.DecimalField("billed kVA", max_digits=12, decimal_places=3, null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="monthly_read_end_after_start"),
            models.CheckConstraint(condition=Q(actual_kwh__gte=0), name="monthly_read_kwh_not_negative"),
        ]

    def __str__(self):
        return f"{self.premise_id} {self.start_date}–{self.end_date}: {self.actual_kwh} kWh"
