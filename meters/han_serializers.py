"""API shapes of in-home (HAN) devices for third parties: one input and one output serializer per
operation, and the query parameters of the lists."""

from django.core.exceptions import ValidationError
from rest_framework import serializers

from .forms import REMOVAL_REASONS
from .models import HanDeviceEvent, HanMessage, InHomeDevice
from .validators import normalize_mac


class DeviceAgreementSerializer(serializers.Serializer):
    number = serializers.CharField()
    agreement_type = serializers.CharField(help_text="in_home_device or in_home_device_services.")


class DeviceOutputSerializer(serializers.ModelSerializer):
    esiid = serializers.CharField(source="premise.esiid")
    agreements = DeviceAgreementSerializer(
        source="active_agreements", many=True, help_text="Your active agreements that name this device."
    )

    class Meta:
        model = InHomeDevice
        fields = [
            "id", "mac", "device_type", "description", "esiid", "status", "status_changed_at", "created_at",
            "agreements",
        ]  # fmt: skip


class DeviceRequestOutputSerializer(serializers.ModelSerializer):
    device = serializers.IntegerField(source="device_id")
    mac = serializers.CharField(source="device.mac")
    esiid = serializers.CharField(source="device.premise.esiid")
    requested_by = serializers.SerializerMethodField(
        help_text="you (your company, or the customer accepting your agreement), another_third_party, customer, "
        "move_out or system."
    )

    class Meta:
        model = HanDeviceEvent
        fields = [
            "id", "device", "mac", "esiid", "action", "status", "requested_by", "reason", "reason_text", "detail",
            "created_at", "completed_at",
        ]  # fmt: skip

    def get_requested_by(self, event) -> str:
        if event.reason == "move_out":
            return "move_out"
        if event.third_party_id:
            return "you" if event.third_party_id == self.context["third_party"].pk else "another_third_party"
        return "customer" if event.requested_by_id else "system"


class DeviceRemoveInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=REMOVAL_REASONS, required=False, allow_blank=True, help_text="Required: why the device is removed."
    )
    reason_text = serializers.CharField(
        required=False, allow_blank=True, max_length=300, help_text="Required when the reason is `other`."
    )


class MessageInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=160, help_text="Up to 160 characters, shown on the device.")


class MessageOutputSerializer(serializers.ModelSerializer):
    device = serializers.IntegerField(source="device_id")
    mac = serializers.CharField(source="device.mac")
    esiid = serializers.CharField(source="device.premise.esiid")

    class Meta:
        model = HanMessage
        fields = ["id", "device", "mac", "esiid", "text", "status", "status_detail", "created_at", "status_changed_at"]


class _PeriodQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(required=False, help_text="From this instant (ISO 8601), inclusive.")
    until = serializers.DateTimeField(required=False, help_text="Before this instant (ISO 8601).")
    device = serializers.IntegerField(required=False, help_text="A device's id.")
    mac = serializers.CharField(required=False, help_text="A device's MAC (EUI-64).")

    def validate_mac(self, value: str) -> str:
        try:
            return normalize_mac(value)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class HistoryQuerySerializer(_PeriodQuerySerializer):
    action = serializers.ChoiceField(choices=HanDeviceEvent.Action.choices, required=False)
    status = serializers.ChoiceField(choices=HanDeviceEvent.Status.choices, required=False)


class MessageQuerySerializer(_PeriodQuerySerializer):
    status = serializers.ChoiceField(choices=HanMessage.Status.choices, required=False)
