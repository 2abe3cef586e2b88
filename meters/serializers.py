"""Serializers of the meters API (provisioning of premises, meters, move-ins and move-outs): one
input and one output serializer per operation. Input serializers are also what
`manage.py import_accounts` validates each CSV row with."""

import zoneinfo

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from portal.models import User
from portal.serializers import LabelPartnerCodeField, max_length

from .models import Meter, Occupancy, Premise
from .validators import normalize_esiid, validate_esiid


def _validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise serializers.ValidationError("Use an IANA time zone name, e.g. America/Chicago.")


class EsiidField(serializers.CharField):
    """An ESIID as a value: 17–22 digits, after trimming what spreadsheets add around it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", max_length(Premise, "esiid") + 8)  # room for the trimmed wrapping
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        esiid = normalize_esiid(super().to_internal_value(data))
        try:
            validate_esiid(esiid)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return esiid


class PremiseByEsiidField(serializers.SlugRelatedField):
    """A reference to an existing premise by its ESIID."""

    default_error_messages = {"does_not_exist": "No premise has the ESIID “{value}”."}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Premise.objects.all())
        super().__init__(slug_field="esiid", **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(EsiidField().run_validation(data))


class CustomerByAccountIdField(serializers.SlugRelatedField):
    """A reference to a provisioned customer by the utility's account id."""

    default_error_messages = {"does_not_exist": "No customer has the external account id “{value}”."}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", User.objects.filter(external_account_id__isnull=False))
        super().__init__(slug_field="external_account_id", **kwargs)


# --- Premises (installations) --------------------------------------------------------------------

PREMISE_KEY = serializers.CharField(max_length=max_length(Premise, "external_id"))


class PremiseUpsertInputSerializer(serializers.Serializer):
    """A full description of the installation: fields left out take their defaults (PUT)."""

    esiid = EsiidField(help_text="17 to 22 digits.")
    service_address = serializers.CharField(max_length=max_length(Premise, "service_address"))
    city = serializers.CharField(max_length=max_length(Premise, "city"), required=False, allow_blank=True, default="")
    state = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        required=False,
        default=Premise._meta.get_field("state").default,
        error_messages={"invalid": "Use the two-letter state code, e.g. TX."},
    )
    postal_code = serializers.CharField(max_length=max_length(Premise, "postal_code"))
    time_zone = serializers.CharField(
        max_length=max_length(Premise, "time_zone"),
        required=False,
        default=Premise._meta.get_field("time_zone").default,
        validators=[_validate_time_zone],
    )
    label_partner = LabelPartnerCodeField(required=False, allow_null=True, default=None)
    status = serializers.ChoiceField(Premise.Status.choices, required=False, default=Premise.Status.ACTIVE)
    dwelling_type = serializers.ChoiceField(Premise.DwellingType.choices, required=False, allow_blank=True, default="")
    floor_area_m2 = serializers.IntegerField(
        min_value=1, max_value=1_000_000, required=False, allow_null=True, default=None
    )
    occupants = serializers.IntegerField(min_value=0, max_value=1000, required=False, allow_null=True, default=None)
    heating_type = serializers.ChoiceField(Premise.HeatingType.choices, required=False, allow_blank=True, default="")

    def validate_state(self, value: str) -> str:
        return value.upper()


class _PremiseOutputSerializer(serializers.ModelSerializer):
    label_partner = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Premise
        fields = [
            "external_id",
            "esiid",
            "service_address",
            "city",
            "state",
            "postal_code",
            "time_zone",
            "label_partner",
            "status",
            "dwelling_type",
            "floor_area_m2",
            "occupants",
            "heating_type",
            "created_at",
            "updated_at",
        ]


class PremiseUpsertOutputSerializer(_PremiseOutputSerializer):
    pass


class PremiseDetailOutputSerializer(_PremiseOutputSerializer):
    pass


class PremiseListOutputSerializer(_PremiseOutputSerializer):
    pass


# --- Meters --------------------------------------------------------------------------------------

METER_KEY = serializers.CharField(max_length=max_length(Meter, "meter_number"))


class MeterUpsertInputSerializer(serializers.Serializer):
    esiid = PremiseByEsiidField(source="premise", help_text="The ESIID of the premise the meter serves.")
    commodity = serializers.ChoiceField(Meter.Commodity.choices, required=False, default=Meter.Commodity.ELECTRIC)
    installed_on = serializers.DateField(required=False, allow_null=True, default=None)
    removed_on = serializers.DateField(required=False, allow_null=True, default=None)


class _MeterOutputSerializer(serializers.ModelSerializer):
    esiid = serializers.CharField(source="premise.esiid", read_only=True)

    class Meta:
        model = Meter
        fields = ["meter_number", "esiid", "commodity", "installed_on", "removed_on", "created_at", "updated_at"]


class MeterUpsertOutputSerializer(_MeterOutputSerializer):
    pass


class MeterDetailOutputSerializer(_MeterOutputSerializer):
    pass


class MeterListOutputSerializer(_MeterOutputSerializer):
    pass


# --- Move-in and move-out ------------------------------------------------------------------------


class MoveInInputSerializer(serializers.Serializer):
    external_account_id = CustomerByAccountIdField(source="customer", help_text="The customer moving in.")
    esiid = PremiseByEsiidField(source="premise")
    account_number = serializers.CharField(max_length=max_length(Occupancy, "account_number"))
    authorization_code = serializers.CharField(
        max_length=max_length(Occupancy, "authorization_code"),
        help_text="The account authorization code a third party shows to prove it knows the customer.",
    )
    move_in = serializers.DateField()


class _OccupancyOutputSerializer(serializers.ModelSerializer):
    external_account_id = serializers.CharField(source="customer.external_account_id", read_only=True)
    esiid = serializers.CharField(source="premise.esiid", read_only=True)

    class Meta:
        model = Occupancy
        fields = ["external_account_id", "esiid", "account_number", "move_in", "move_out", "move_out_reason"]


class MoveInOutputSerializer(_OccupancyOutputSerializer):
    pass


class MoveOutInputSerializer(serializers.Serializer):
    esiid = PremiseByEsiidField(source="premise")
    move_out = serializers.DateField()
    reason = serializers.CharField(
        max_length=max_length(Occupancy, "move_out_reason"), required=False, allow_blank=True, default=""
    )


class MoveOutOutputSerializer(_OccupancyOutputSerializer):
    pass
