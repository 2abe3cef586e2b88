"""Serializers of the reports API: one input and one output serializer per operation."""

from rest_framework import serializers

from agreements.models import DataKind

from .models import ReportFormat, ReportItem, ReportRequest, ReportSchedule

SCHEDULE_KINDS = [(kind.value, kind.label) for kind in ReportSchedule.KINDS]


class ReportCreateInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DataKind.choices)
    format = serializers.ChoiceField(choices=ReportFormat.choices, default=ReportFormat.TEXAS_CSV)
    start_date = serializers.DateField(help_text="First day (the premise's local time); at most 12 months back.")
    end_date = serializers.DateField(help_text="Last day, inclusive.")
    esiids = serializers.ListField(
        child=serializers.CharField(max_length=40), allow_empty=False, help_text="One report file per ESIID."
    )


class ReportUploadInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A text or CSV file of ESIIDs, one a line (a first line `ESIID` is skipped)."
    )
    kind = serializers.ChoiceField(choices=DataKind.choices)
    format = serializers.ChoiceField(choices=ReportFormat.choices, default=ReportFormat.TEXAS_CSV)
    start_date = serializers.DateField()
    end_date = serializers.DateField()


class ReportItemOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportItem
        fields = ["esiid", "line", "status", "reason_code", "reason", "file_name", "rows", "size", "delivered_at"]


class ReportOutputSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField(help_text="ESIIDs done / total, and the percentage.")

    class Meta:
        model = ReportRequest
        fields = [
            "number",
            "kind",
            "format",
            "source",
            "start_date",
            "end_date",
            "status",
            "failure_reason",
            "progress",
            "rows_delivered",
            "delivered_to",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_progress(self, report) -> dict:
        return {"done": report.esiids_done, "total": report.esiids_total, "percent": report.progress_percent}


class ReportDetailOutputSerializer(ReportOutputSerializer):
    items = ReportItemOutputSerializer(many=True, help_text="Each ESIID's outcome: its file, or why it was refused.")

    class Meta(ReportOutputSerializer.Meta):
        fields = [*ReportOutputSerializer.Meta.fields, "items"]


class ScheduleCreateInputSerializer(serializers.Serializer):
    agreement = serializers.CharField(help_text="The agreement's number (continuous Energy Data, 1 to 12 months).")
    kind = serializers.ChoiceField(choices=SCHEDULE_KINDS)
    format = serializers.ChoiceField(choices=ReportFormat.choices, default=ReportFormat.TEXAS_CSV)
    esiids = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, help_text="Default: every ESIID of the agreement."
    )
    starts_on = serializers.DateField(required=False, help_text="Default: today.")
    ends_on = serializers.DateField(required=False, help_text="Default: the agreement's last day (never later).")


class ScheduleOutputSerializer(serializers.ModelSerializer):
    agreement = serializers.CharField(source="agreement.number")
    esiids = serializers.SerializerMethodField()
    frequency = serializers.CharField()

    class Meta:
        model = ReportSchedule
        fields = [
            "id",
            "agreement",
            "kind",
            "format",
            "frequency",
            "esiids",
            "starts_on",
            "ends_on",
            "next_run_at",
            "status",
            "end_reason",
            "created_at",
        ]

    def get_esiids(self, schedule) -> list[str]:
        return [premise.esiid for premise in schedule.premises.all()]
