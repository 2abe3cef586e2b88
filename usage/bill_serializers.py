"""Serializers of bill provisioning (bill statements and bill sections): one input and one output
serializer per operation. In CSV files (`manage.py import_accounts bill_statements FILE`) a list of
objects is one cell of JSON text and a list of words is `;`-separated."""

import json

from rest_framework import serializers

from meters.billing_serializers import TextListField
from meters.models import BillingAccount, ServiceContract
from portal.serializers import max_length

from .models import BillSection, BillStatement

STATEMENT_KEY = serializers.CharField(max_length=max_length(BillStatement, "statement_number"))
SECTION_KEY = serializers.CharField(max_length=max_length(BillSection, "section_number"))
MONEY = {"max_digits": 14, "decimal_places": 2}
QUANTITY = {"max_digits": 16, "decimal_places": 6}


class JsonListField(serializers.ListField):
    """A list of objects; from a CSV cell, JSON text."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", list)
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError("Give a JSON list of objects.") from None
        return super().to_internal_value(data)

    def run_child_validation(self, data):
        # Keep decimals as exact strings inside the stored JSON.
        return [_plain(item) for item in super().run_child_validation(data)]


def _plain(item: dict) -> dict:
    return {
        key: (str(value) if not isinstance(value, (str, bool, list, dict, type(None))) else value)
        for key, value in item.items()
    }


class EntitySerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64)
    types = TextListField()
    entity_number = serializers.CharField(max_length=64, required=False, allow_null=True, default=None)
    entity_name = serializers.CharField(max_length=200)
    entity_abbreviation = serializers.CharField(max_length=20, required=False, allow_null=True, default=None)


class EntityField(serializers.JSONField):
    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError("Give a JSON object.") from None
        if data is None:
            return None
        serializer = EntitySerializer(data=data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class ChargeSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    types = TextListField()
    amount = serializers.DecimalField(**MONEY)
    included_in_amount_due = serializers.BooleanField(default=True)


class UsageDetailSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    types = TextListField()
    value = serializers.DecimalField(**QUANTITY)
    units = serializers.CharField(max_length=20, default="kWh")


class CostDetailSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    types = TextListField()
    amount = serializers.DecimalField(**MONEY)


class LineItemSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    types = TextListField()
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    cost = serializers.DecimalField(**MONEY)
    value = serializers.DecimalField(**QUANTITY, required=False, allow_null=True, default=None)
    units = serializers.CharField(max_length=20, required=False, allow_null=True, default=None)
    rate = serializers.DecimalField(max_digits=16, decimal_places=8, required=False, allow_null=True, default=None)


def _optional_money():
    return serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)


class AccountNumberField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="account_number", queryset=BillingAccount.objects.all(), **kwargs)


class BillStatementUpsertInputSerializer(serializers.Serializer):
    account_number = AccountNumberField(source="account")
    statement_date = serializers.DateField()
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, default="USD")
    amount_due = serializers.DecimalField(**MONEY)
    amount_due_date = serializers.DateField()
    shutoff_prevention_minimum_due = _optional_money()
    shutoff_prevention_date = serializers.DateField(required=False, allow_null=True, default=None)
    file_uri = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    file_mimetype = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    previous_balance_amount = _optional_money()
    previous_balance_paid = _optional_money()
    previous_balance_unpaid = _optional_money()
    new_charges_amount = _optional_money()
    new_charges = JsonListField(child=ChargeSerializer())
    new_balance_amount = _optional_money()


class BillStatementOutputSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="account.account_number", read_only=True)

    class Meta:
        model = BillStatement
        exclude = ["id", "account"]


class BillSectionUpsertInputSerializer(serializers.Serializer):
    account_number = AccountNumberField(source="account")
    statement_number = serializers.SlugRelatedField(
        slug_field="statement_number",
        queryset=BillStatement.objects.all(),
        source="statement",
        required=False,
        allow_null=True,
        default=None,
    )
    contract_number = serializers.SlugRelatedField(
        slug_field="contract_number",
        queryset=ServiceContract.objects.all(),
        source="service_contract",
        required=False,
        allow_null=True,
        default=None,
    )
    section_types = TextListField(help_text='e.g. ["delivery"] or "delivery;supply" in CSV.')
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, default="USD")
    distribution_entity = EntityField(required=False, allow_null=True, default=None)
    supply_entity = EntityField(required=False, allow_null=True, default=None)
    usage_details = JsonListField(child=UsageDetailSerializer())
    cost_details = JsonListField(child=CostDetailSerializer())
    line_items = JsonListField(child=LineItemSerializer())


class BillSectionOutputSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="account.account_number", read_only=True)
    statement_number = serializers.CharField(source="statement.statement_number", read_only=True, allow_null=True)
    contract_number = serializers.CharField(source="service_contract.contract_number", read_only=True, allow_null=True)

    class Meta:
        model = BillSection
        exclude = ["id", "account", "statement", "service_contract"]
