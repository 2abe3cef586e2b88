"""Serializers of the usage API: one input and one output serializer per operation."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .ingest import FORMATS


# A pattern, not an enum: the schema would otherwise name this `FormatEnum` and collide with the
# report formats (drf-spectacular names enums after the field).
@extend_schema_field({"type": "string", "pattern": f"^({'|'.join(sorted(FORMATS))})$"})
class FormatField(serializers.ChoiceField):
    """A file format name."""

    def __init__(self, **kwargs):
        super().__init__(choices=sorted(FORMATS), **kwargs)


class IngestInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A meter-data file: Texas interval CSV, tab-delimited UTC extract, daily or monthly register CSV."
    )
    format = FormatField(
        required=False,
        help_text=f"Force the format ({', '.join(sorted(FORMATS))}); by default it is read from the first line.",
    )


class RejectedLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Line number in the file (the header is line 1).")
    reason = serializers.CharField()


class IngestOutputSerializer(serializers.Serializer):
    file = serializers.CharField()
    format = serializers.CharField()
    lines = serializers.IntegerField(help_text="Data lines read.")
    loaded = serializers.IntegerField(help_text="Reads stored for the first time.")
    revised = serializers.IntegerField(help_text="Stored reads replaced by a later revision.")
    unchanged = serializers.IntegerField(help_text="Reads already stored (same or older revision, or same value).")
    skipped = serializers.IntegerField(help_text="Lines without data (blank lines, intervals marked as missing).")
    rejected = serializers.IntegerField()
    rejections = RejectedLineSerializer(many=True, help_text="The rejected lines (the first 1,000).")
    rejections_truncated = serializers.BooleanField(help_text="More lines were rejected than listed.")


# --- Reads (the usage API) -------------------------------------------------------------------------
# Interval, daily and monthly bodies are written as text by `usage.renderers` (a year of 15-minute
# reads is too many rows for a serializer each); the output serializers below document their shape.

PERIOD_HELP = (
    "An ISO date (a local day of the premise's time zone; `end` is inclusive) or an ISO date-time with "
    "its UTC offset (`end` exclusive)."
)


class PeriodInputSerializer(serializers.Serializer):
    start = serializers.CharField(required=False, help_text=PERIOD_HELP)
    end = serializers.CharField(required=False, help_text=PERIOD_HELP)


class WindowSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class ReadsHeadSerializer(serializers.Serializer):
    esiid = serializers.CharField()
    kind = serializers.CharField()
    time_zone = serializers.CharField(help_text="The premise's time zone: local days and times are in it.")
    unit = serializers.CharField(help_text="Always kWh.")
    windows = WindowSerializer(many=True, help_text="The parts of the period served (access and data cut it).")


class IntervalItemSerializer(serializers.Serializer):
    start = serializers.CharField(help_text="Interval start, local time with its UTC offset (15 minutes long).")
    series = serializers.CharField(help_text="`consumption` or `generation`.")
    kwh = serializers.CharField(help_text="Exact decimal, 3 places.")
    estimated = serializers.BooleanField()
    revised_at = serializers.CharField(help_text="Revision time of the value, with its UTC offset.")
    cost = serializers.CharField(
        required=False, allow_null=True, help_text="Estimated cost (not a bill); only where a tariff exists."
    )


class IntervalTotalsSerializer(serializers.Serializer):
    kwh = serializers.DictField(child=serializers.CharField(), help_text="kWh per series.")
    cost = serializers.DictField(
        child=serializers.CharField(), required=False, help_text="Estimated cost per series, where a tariff exists."
    )


class IntervalReadsOutputSerializer(ReadsHeadSerializer):
    interval_minutes = serializers.IntegerField()
    intervals = IntervalItemSerializer(many=True)
    totals = IntervalTotalsSerializer()


class DailyItemSerializer(serializers.Serializer):
    read_date = serializers.DateField()
    start_reading = serializers.CharField(allow_null=True)
    end_reading = serializers.CharField(allow_null=True)
    kwh = serializers.CharField()
    revised_at = serializers.CharField()


class DailyReadsOutputSerializer(ReadsHeadSerializer):
    reads = DailyItemSerializer(many=True)


class MonthlyItemSerializer(serializers.Serializer):
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    actual_kwh = serializers.CharField()
    metered_kw = serializers.CharField(allow_null=True)
    billed_kw = serializers.CharField(allow_null=True)
    metered_kva = serializers.CharField(allow_null=True)
    billed_kva = serializers.CharField(allow_null=True)
    revised_at = serializers.CharField()


class MonthlyReadsOutputSerializer(ReadsHeadSerializer):
    reads = MonthlyItemSerializer(many=True)


class OnDemandReadOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="`pending`, `completed`, `failed` or `timed_out`.")
    requested_at = serializers.CharField()
    answered_at = serializers.CharField(allow_null=True)
    read_at = serializers.CharField(allow_null=True, help_text="When the meter took the reading.")
    register_kwh = serializers.CharField(allow_null=True, help_text="The meter's register, kWh, 3 places.")
    usage_kwh = serializers.CharField(allow_null=True, help_text="kWh since the premise's previous completed read.")
    detail = serializers.CharField()


class OnDemandReadsOutputSerializer(ReadsHeadSerializer):
    reads = OnDemandReadOutputSerializer(many=True)
