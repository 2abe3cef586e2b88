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
