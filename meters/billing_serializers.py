"""Serializers of billing provisioning (rate plans, programs, billing accounts, service contracts):
one input and one output serializer per operation. Input serializers also validate the CSV lines of
`manage.py import_accounts`, where a list is written with `;` between values."""

from rest_framework import serializers

from portal.serializers import max_length

from .models import BillingAccount, Program, RatePlan, ServiceContract
from .serializers import CustomerByAccountIdField, PremiseByEsiidField

RATE_PLAN_KEY = serializers.CharField(max_length=max_length(RatePlan, "code"))
PROGRAM_KEY = serializers.CharField(max_length=max_length(Program, "code"))
ACCOUNT_KEY = serializers.CharField(max_length=max_length(BillingAccount, "account_number"))
CONTRACT_KEY = serializers.CharField(max_length=max_length(ServiceContract, "contract_number"))


class TextListField(serializers.ListField):
    """A list of short strings; from CSV, one cell with the values separated by `;`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.CharField(max_length=200))
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", list)
        kwargs.setdefault("max_length", 50)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [value.strip() for value in data.split(";") if value.strip()]
        return super().to_internal_value(data)


class ContactField(serializers.CharField):
    """An e-mail address or an E.164 phone number (+ and 8 to 15 digits)."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data).strip()
        if "@" in value:
            return serializers.EmailField().run_validation(value)
        digits = value.replace(" ", "").replace("-", "")
        if not (digits.startswith("+") and digits[1:].isdigit() and 8 <= len(digits) - 1 <= 15):
            raise serializers.ValidationError("Give an e-mail address or a phone number in E.164 form (+15125550100).")
        return digits


class ProgramCodesField(TextListField):
    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.SlugRelatedField(slug_field="code", queryset=Program.objects.all()), **kwargs
        )


class RatePlanUpsertInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=max_length(RatePlan, "name"))
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class RatePlanOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = RatePlan
        fields = ["code", "name", "description", "created_at", "updated_at"]


class ProgramUpsertInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=max_length(Program, "name"))
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    applies_to = serializers.ChoiceField(Program.AppliesTo.choices, required=False, default=Program.AppliesTo.ACCOUNT)


class ProgramOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = ["code", "name", "description", "applies_to", "created_at", "updated_at"]


class BillingAccountUpsertInputSerializer(serializers.Serializer):
    external_account_id = CustomerByAccountIdField(source="customer", help_text="The customer the account belongs to.")
    name = serializers.CharField(max_length=max_length(BillingAccount, "name"), required=False, default="")
    address = serializers.CharField(max_length=max_length(BillingAccount, "address"), required=False, default="")
    account_types = TextListField(help_text='e.g. ["residential"]; in CSV "residential;budget".')
    status = serializers.ChoiceField(
        BillingAccount.Status.choices, required=False, default=BillingAccount.Status.ACTIVE
    )
    contacts = TextListField(child=ContactField(max_length=254), max_length=10)
    parent = serializers.SlugRelatedField(
        slug_field="account_number",
        queryset=BillingAccount.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The parent account's number.",
    )
    programs = ProgramCodesField(help_text="Codes of account programs.")


class BillingAccountOutputSerializer(serializers.ModelSerializer):
    external_account_id = serializers.CharField(source="customer.external_account_id", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="account_number", read_only=True)
    programs = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = BillingAccount
        fields = [
            "account_number",
            "external_account_id",
            "name",
            "address",
            "account_types",
            "status",
            "contacts",
            "parent",
            "programs",
            "created_at",
            "updated_at",
        ]


class ServiceContractUpsertInputSerializer(serializers.Serializer):
    account_number = serializers.SlugRelatedField(
        slug_field="account_number", queryset=BillingAccount.objects.all(), source="account"
    )
    esiid = PremiseByEsiidField(source="premise", help_text="The service point the contract serves.")
    move_in = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Which occupancy; the latest one if left out."
    )
    service_type = serializers.ChoiceField(
        ServiceContract.ServiceType.choices, required=False, default=ServiceContract.ServiceType.ELECTRIC
    )
    contract_types = TextListField(help_text='e.g. ["residential"].')
    rate_plan = serializers.SlugRelatedField(
        slug_field="code", queryset=RatePlan.objects.all(), required=False, allow_null=True, default=None
    )
    programs = ProgramCodesField(help_text="Codes of service programs.")


class ServiceContractOutputSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="account.account_number", read_only=True)
    esiid = serializers.CharField(source="occupancy.premise.esiid", read_only=True)
    move_in = serializers.DateField(source="occupancy.move_in", read_only=True)
    rate_plan = serializers.SlugRelatedField(slug_field="code", read_only=True)
    programs = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = ServiceContract
        fields = [
            "contract_number",
            "account_number",
            "esiid",
            "move_in",
            "service_type",
            "contract_types",
            "rate_plan",
            "programs",
            "created_at",
            "updated_at",
        ]
