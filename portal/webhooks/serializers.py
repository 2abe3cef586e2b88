"""Webhook API serializers: one input and one output serializer per operation."""

from rest_framework import serializers

from .events import SUBSCRIBABLE
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

EVENT_CHOICES = [(event.value, event.label) for event in SUBSCRIBABLE]


class WebhookEventOutputSerializer(serializers.Serializer):
    event = serializers.CharField()
    description = serializers.CharField()


class WebhookEndpointCreateInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500, help_text="https:// address of your receiver.")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_CHOICES), allow_empty=False)


class WebhookEndpointUpdateInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_CHOICES), allow_empty=False, required=False
    )
    is_active = serializers.BooleanField(required=False, help_text="false disables the endpoint, true enables it.")


class WebhookEndpointOutputSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "is_active",
            "disabled_at",
            "disabled_reason",
            "consecutive_failures",
            "failing_since",
            "last_success_at",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookEndpointSecretOutputSerializer(WebhookEndpointOutputSerializer):
    secret = serializers.SerializerMethodField(help_text="Shown only in this answer: keep it.")

    class Meta(WebhookEndpointOutputSerializer.Meta):
        fields = [*WebhookEndpointOutputSerializer.Meta.fields, "secret"]
        read_only_fields = fields

    def get_secret(self, endpoint) -> str:
        return self.context["secret"]


class WebhookDeliveryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event",
            "status",
            "attempts",
            "created_at",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "delivered_at",
        ]
        read_only_fields = fields


class WebhookAttemptOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "attempted_at", "status_code", "error", "response_excerpt", "duration_ms"]
        read_only_fields = fields


class WebhookDeliveryDetailOutputSerializer(WebhookDeliveryOutputSerializer):
    payload = serializers.JSONField()
    attempt_log = WebhookAttemptOutputSerializer(many=True)

    class Meta(WebhookDeliveryOutputSerializer.Meta):
        fields = [*WebhookDeliveryOutputSerializer.Meta.fields, "payload", "attempt_log"]
        read_only_fields = fields
