"""Serializers of the tariffs API: one input and one output serializer per operation."""

from rest_framework import serializers

from meters.models import Premise
from portal.models import LabelPartner

from .models import Tariff, TouMap

PRICE = {"max_digits": 10, "decimal_places": 5, "min_value": 0, "coerce_to_string": True}


class _Prices(serializers.Serializer):
    offtake_peak = serializers.DecimalField(help_text="Price per kWh taken from the grid at peak.", **PRICE)
    offtake_off_peak = serializers.DecimalField(help_text="Price per kWh taken from the grid off-peak.", **PRICE)
    injection_peak = serializers.DecimalField(
        required=False, help_text="Price per kWh put back on the grid at peak (default 0).", **PRICE
    )
    injection_off_peak = serializers.DecimalField(
        required=False, help_text="Price per kWh put back on the grid off-peak (default 0).", **PRICE
    )


class TariffCreateInputSerializer(_Prices):
    esiid = serializers.SlugRelatedField(
        slug_field="esiid",
        queryset=Premise.objects.all(),
        required=False,
        source="premise",
        help_text="The premise the tariff is for; give this or `label_partner`.",
    )
    label_partner = serializers.SlugRelatedField(
        slug_field="code",
        queryset=LabelPartner.objects.all(),
        required=False,
        help_text="The label partner whose premises the tariff is for (a premise's own tariff wins).",
    )
    external_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    currency = serializers.CharField(required=False, max_length=3, help_text="ISO 4217 code; default USD.")
    tou_map = serializers.SlugRelatedField(
        slug_field="code",
        queryset=TouMap.objects.all(),
        required=False,
        allow_null=True,
        help_text="Code of the TOU map saying which hours are peak; none: every hour off-peak.",
    )
    valid_from = serializers.DateField(help_text="First local day the tariff applies.")
    valid_to = serializers.DateField(required=False, allow_null=True, help_text="Last local day; empty: open-ended.")


class TariffUpdateInputSerializer(_Prices):
    offtake_peak = serializers.DecimalField(required=False, **PRICE)
    offtake_off_peak = serializers.DecimalField(required=False, **PRICE)
    external_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    currency = serializers.CharField(required=False, max_length=3)
    tou_map = serializers.SlugRelatedField(
        slug_field="code", queryset=TouMap.objects.all(), required=False, allow_null=True
    )
    valid_from = serializers.DateField(required=False)
    valid_to = serializers.DateField(required=False, allow_null=True)


class TariffEndInputSerializer(serializers.Serializer):
    valid_to = serializers.DateField(help_text="The tariff's last local day.")


# What a tariff says, as both the utility's and the customer's views show it.
TERMS = [
    "source",
    "name",
    "currency",
    "offtake_peak",
    "offtake_off_peak",
    "injection_peak",
    "injection_off_peak",
    "tou_map",
    "valid_from",
    "valid_to",
]
# A plain string, not an enum: "source" enums of agreements and reports already take that name.
SOURCE = {"help_text": "Where the tariff came from: api, file, customer or admin.", "read_only": True}


class TariffOutputSerializer(serializers.ModelSerializer):
    source = serializers.CharField(**SOURCE)
    esiid = serializers.CharField(source="premise.esiid", default=None)
    label_partner = serializers.CharField(source="label_partner.code", default=None)
    tou_map = serializers.CharField(source="tou_map.code", default=None)

    class Meta:
        model = Tariff
        fields = ["id", "external_id", "esiid", "label_partner", *TERMS, "created_at", "updated_at"]


class CustomerTariffOutputSerializer(serializers.ModelSerializer):
    """What a customer sees of the tariffs of their home (no supplier ids)."""

    source = serializers.CharField(**SOURCE)
    tou_map = serializers.CharField(source="tou_map.name", default=None)
    holder = serializers.SerializerMethodField(help_text="`premise` (this home's own) or `label_partner`.")

    class Meta:
        model = Tariff
        fields = ["holder", *TERMS]

    def get_holder(self, tariff) -> str:
        return "premise" if tariff.premise_id else "label_partner"


class TouRuleInputSerializer(serializers.Serializer):
    period = serializers.CharField(max_length=20, help_text="peak, off_peak, shoulder, ...")
    weekdays = serializers.CharField(required=False, default="12345", help_text="ISO weekdays, e.g. 12345.")
    months = serializers.CharField(required=False, allow_blank=True, default="", help_text="e.g. 6-9; empty: all.")
    start_time = serializers.TimeField(help_text="Local time, inclusive.")
    end_time = serializers.TimeField(help_text="Local time, exclusive; 00:00 means midnight.")


class TouMapCreateInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=100)
    time_zone = serializers.CharField(required=False, default="America/Chicago")
    default_period = serializers.CharField(required=False, default="off_peak", max_length=20)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    rules = TouRuleInputSerializer(many=True, help_text="Tried in this order; the first match gives the period.")


class TouMapUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=100)
    time_zone = serializers.CharField(required=False)
    default_period = serializers.CharField(required=False, max_length=20)
    description = serializers.CharField(required=False, allow_blank=True)
    rules = TouRuleInputSerializer(many=True, required=False, help_text="Given: replaces every rule.")


class TouRuleOutputSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    period = serializers.CharField()
    weekdays = serializers.CharField()
    months = serializers.CharField()
    start_time = serializers.TimeField(format="%H:%M")
    end_time = serializers.TimeField(format="%H:%M")


class TouMapOutputSerializer(serializers.ModelSerializer):
    rules = TouRuleOutputSerializer(many=True)

    class Meta:
        model = TouMap
        fields = ["id", "code", "name", "time_zone", "default_period", "description", "rules"]


class TariffDeltaInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A tariff delta CSV file (header: see the description).")


class RejectedTariffLineSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    reason = serializers.CharField()


class TariffDeltaOutputSerializer(serializers.Serializer):
    file = serializers.CharField()
    lines = serializers.IntegerField(help_text="Data lines read (blank lines are skipped).")
    inserted = serializers.IntegerField()
    updated = serializers.IntegerField()
    ended = serializers.IntegerField()
    unchanged = serializers.IntegerField(help_text="Lines already applied: loading a file twice changes nothing.")
    rejected = serializers.IntegerField()
    rejections = RejectedTariffLineSerializer(many=True, help_text="The rejected lines (the first 1,000).")
