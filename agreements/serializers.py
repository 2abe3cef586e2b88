"""API shapes of the consent workflow: one input and one output serializer per operation."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from meters.models import InHomeDevice

from .emails import duration_text
from .models import ONE_TIME_KINDS, Agreement, AgreementEvent, AgreementInvitation, AgreementType, DurationKind


class AgreementErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(help_text="Messages per input field, when the error is about fields.")


class AgreementErrorSerializer(serializers.Serializer):
    """Documentation only: the body of every error answer (see portal.api_support)."""

    error = AgreementErrorDetailSerializer()


def _esiids(instance) -> list[str]:
    return sorted(premise.esiid for premise in instance.premises.all())


# --- Invitations ---------------------------------------------------------------------------------


class InvitationCreateInputSerializer(serializers.Serializer):
    agreement_type = serializers.ChoiceField(choices=AgreementType.choices)
    esiids = serializers.ListField(child=serializers.CharField(max_length=30), min_length=1, max_length=100)
    authorization_code = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="The account authorization code, or:"
    )
    customer_email = serializers.EmailField(required=False, allow_blank=True, help_text="the customer's e-mail.")
    duration_kind = serializers.ChoiceField(
        choices=DurationKind.choices, required=False, allow_blank=True, help_text="Energy Data only."
    )
    one_time_kind = serializers.ChoiceField(
        choices=[(kind.value, kind.label) for kind in ONE_TIME_KINDS],
        required=False,
        allow_blank=True,
        help_text="For one-time access: which usage.",
    )
    months = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=12, help_text="For continuous access: 1 to 12."
    )
    device_mac = serializers.CharField(required=False, allow_blank=True, max_length=30, help_text="Device types only.")
    device_install_code = serializers.CharField(required=False, allow_blank=True, max_length=40)
    device_type = serializers.ChoiceField(choices=InHomeDevice.DeviceType.choices, required=False, allow_blank=True)
    device_description = serializers.CharField(required=False, allow_blank=True, max_length=200)


class InvitationDeviceSerializer(serializers.Serializer):
    mac = serializers.CharField(source="device_mac")
    type = serializers.CharField(source="device_type")
    description = serializers.CharField(source="device_description")


class InvitationOutputSerializer(serializers.ModelSerializer):
    esiids = serializers.SerializerMethodField()
    duration = serializers.SerializerMethodField(help_text="The duration in plain words, as the customer reads it.")
    device = serializers.SerializerMethodField()
    agreement = serializers.SerializerMethodField(help_text="The agreement's number once accepted.")

    class Meta:
        model = AgreementInvitation
        fields = [
            "number", "status", "agreement_type", "esiids", "identified_by", "customer_email", "duration_kind",
            "one_time_kind", "months", "duration", "device", "created_at", "expires_at", "resent_at",
            "answered_at", "rejection_reason", "agreement",
        ]  # fmt: skip

    def get_esiids(self, invitation) -> list[str]:
        return _esiids(invitation)

    def get_duration(self, invitation) -> str:
        return duration_text(invitation)

    def get_device(self, invitation) -> dict | None:
        return InvitationDeviceSerializer(invitation).data if invitation.device_mac else None

    def get_agreement(self, invitation) -> str | None:
        agreement = getattr(invitation, "agreement", None)
        return agreement.number if agreement else None


# --- Agreements ----------------------------------------------------------------------------------


class AgreementDeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = InHomeDevice
        fields = ["mac", "device_type", "description", "status"]


class DirectAccessOutputSerializer(serializers.Serializer):
    """What staff approved, for a direct-access agreement (no customer)."""

    label = serializers.SerializerMethodField()
    scope = serializers.CharField(help_text="The cds_query_* scopes approved.")
    coverage = serializers.CharField(help_text="all, premises or postal_codes.")
    postal_codes = serializers.ListField(child=serializers.CharField())
    aggregation_numbers = serializers.ListField(child=serializers.CharField())
    purpose = serializers.CharField()

    def get_label(self, approval) -> str:
        return approval.agreement.get_source_display()


class AgreementOutputSerializer(serializers.ModelSerializer):
    esiids = serializers.SerializerMethodField()
    customer_email = serializers.EmailField(
        source="customer.email", allow_null=True, help_text="Empty (null) for direct access: no customer."
    )
    direct_access = serializers.SerializerMethodField(help_text="For direct access only (source direct).")
    invitation = serializers.CharField(source="invitation.number", default=None)
    device = AgreementDeviceSerializer(allow_null=True)
    ended_by = serializers.CharField(source="ended_by_role", help_text="customer, third_party, utility or system.")

    class Meta:
        model = Agreement
        fields = [
            "number", "status", "agreement_type", "source", "esiids", "customer_email", "data_kinds",
            "duration_kind", "months", "starts_at", "accepted_at", "ends_at", "data_from", "ended_at",
            "ended_by", "end_reason", "invitation", "device", "direct_access",
        ]  # fmt: skip

    def get_esiids(self, agreement) -> list[str]:
        return _esiids(agreement)

    @extend_schema_field(DirectAccessOutputSerializer(allow_null=True))
    def get_direct_access(self, agreement) -> dict | None:
        return DirectAccessOutputSerializer(agreement.direct_access).data if agreement.is_direct else None


class EventOutputSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")

    class Meta:
        model = AgreementEvent
        fields = ["at", "action", "actor", "detail"]


class ExtensionRequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agreement = serializers.CharField(source="agreement.number")
    months = serializers.IntegerField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    resent_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField()


class AgreementDetailOutputSerializer(AgreementOutputSerializer):
    events = serializers.SerializerMethodField()
    extension_requests = serializers.SerializerMethodField()

    class Meta(AgreementOutputSerializer.Meta):
        fields = [*AgreementOutputSerializer.Meta.fields, "extension_requests", "events"]

    def get_events(self, agreement) -> list[dict]:
        return EventOutputSerializer(self.context["events"], many=True).data

    def get_extension_requests(self, agreement) -> list[dict]:
        return ExtensionRequestOutputSerializer(agreement.extension_requests.order_by("created_at"), many=True).data


class TerminateInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ExtensionRequestInputSerializer(serializers.Serializer):
    months = serializers.IntegerField(min_value=1, max_value=12)
