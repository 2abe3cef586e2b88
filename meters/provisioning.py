"""Provisioning from the utility's systems, one operation per kind of record. The API and
`manage.py import_accounts` both go through `OPERATIONS`, so a record is validated by the same
input serializer and applied by the same service whether it came as JSON or as a CSV line.

This is interface glue (like api.py): it may call the move-out rule in `agreements`.
"""

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from rest_framework import serializers
from rest_framework.fields import empty

from agreements import services as agreement_services
from agreements.services import grants as grant_services
from portal import serializers as portal_serializers
from portal import services as portal_services
from portal.errors import DomainError
from portal.models import LabelPartner, User

from . import billing as billing_services
from . import billing_serializers
from . import serializers as meter_serializers
from . import services as meter_services
from .models import BillingAccount, Meter, Occupancy, Premise, Program, RatePlan, ServiceContract


class ProvisioningError(DomainError):
    pass


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Result:
    instance: Model
    outcome: Outcome

    @property
    def created(self) -> bool:
        return self.outcome is Outcome.CREATED


@dataclass(frozen=True)
class Operation:
    """One kind of record: how its key and body are validated and which service applies it.

    `key` names the external id (URL parameter in the API, a column in CSV files); operations
    without one (move-ins, move-outs) are identified by their body.
    """

    kind: str
    input_serializer: type[serializers.Serializer]
    apply: Callable[[Any, dict], Result]
    key: str | None = None
    key_field: serializers.Field | None = None

    @property
    def columns(self) -> list[str]:
        """The CSV columns: the key, then the input fields, named as in the API."""
        return ([self.key] if self.key else []) + list(self.input_serializer().fields)

    @property
    def required_columns(self) -> list[str]:
        fields = self.input_serializer().fields
        return ([self.key] if self.key else []) + [name for name, field in fields.items() if field.required]

    def validate(self, data: Mapping, *, key: str | None = None) -> tuple[Any, dict]:
        """Validate the key and the body together; raise one ValidationError with every field's errors."""
        errors: dict = {}
        key_value = None
        if self.key:
            try:
                key_value = self.key_field.run_validation(empty if key is None else key)
            except serializers.ValidationError as error:
                errors[self.key] = error.detail
        serializer = self.input_serializer(data=data)
        if not serializer.is_valid():
            errors.update(serializer.errors)
        if errors:
            raise serializers.ValidationError(errors)
        return key_value, serializer.validated_data

    def run(self, data: Mapping, *, key: str | None = None) -> Result:
        """Validate and apply one record. Raises ValidationError or a DomainError, never an
        IntegrityError: a unique key taken by a concurrent request is retried once (the second
        try sees the other row and updates it), then answered as a conflict."""
        key_value, validated = self.validate(data, key=key)
        for attempt in range(2):
            try:
                with transaction.atomic():
                    return self.apply(key_value, dict(validated))
            except IntegrityError as error:
                if attempt:
                    raise ProvisioningError(
                        "conflict",
                        "The record could not be saved because it conflicts with another one; please retry.",
                        status_code=409,
                    ) from error
        raise AssertionError("unreachable")


def _stamp(queryset: QuerySet):
    """The row's last change before we act (locked, so the outcome is told correctly)."""
    return queryset.select_for_update().values_list("updated_at", flat=True).first()


def _outcome(created: bool, before, instance) -> Outcome:
    if created:
        return Outcome.CREATED
    # Services save only when a value differs, and every save moves `updated_at`.
    return Outcome.UNCHANGED if instance.updated_at == before else Outcome.UPDATED


def _apply_label_partner(code: str, data: dict) -> Result:
    before = _stamp(LabelPartner.objects.filter(code=code))
    label_partner, created = portal_services.upsert_label_partner(code=code, **data)
    return Result(label_partner, _outcome(created, before, label_partner))


def _apply_customer(external_account_id: str, data: dict) -> Result:
    before = _stamp(User.objects.filter(external_account_id=external_account_id))
    customer, created = portal_services.upsert_customer(external_account_id=external_account_id, **data)
    return Result(customer, _outcome(created, before, customer))


def _apply_premise(external_id: str, data: dict) -> Result:
    before = _stamp(Premise.objects.filter(external_id=external_id))
    premise, created = meter_services.upsert_premise(external_id=external_id, **data)
    return Result(premise, _outcome(created, before, premise))


def _apply_meter(meter_number: str, data: dict) -> Result:
    before = _stamp(Meter.objects.filter(meter_number=meter_number))
    meter, created = meter_services.upsert_meter(meter_number=meter_number, **data)
    return Result(meter, _outcome(created, before, meter))


def _apply_move_in(_key, data: dict) -> Result:
    before = _stamp(Occupancy.objects.current().filter(premise=data["premise"], customer=data["customer"]))
    occupancy, created = meter_services.move_in(**data)
    if created:
        # Grants that asked for the customer's future premises (CDS `_include_future`) now cover this one.
        grant_services.attach_future_premise(customer=occupancy.customer, premise=occupancy.premise)
    return Result(occupancy, _outcome(created, before, occupancy))


def _apply_move_out(_key, data: dict) -> Result:
    occupancy = agreement_services.move_out(by=None, **data)
    if occupancy is not None:
        return Result(occupancy, Outcome.UPDATED)
    # The same move-out was recorded before: answer with that occupancy, change nothing.
    recorded = (
        Occupancy.objects.select_related("customer", "premise")
        .filter(premise=data["premise"], move_out=data["move_out"])
        .order_by("-move_in")
        .first()
    )
    return Result(recorded, Outcome.UNCHANGED)


def upserter(model, key: str, service):
    """The apply function of a keyed billing record: upsert through `service`, tell the outcome."""

    def apply(key_value: str, data: dict) -> Result:
        before = _stamp(model.objects.filter(**{key: key_value}))
        instance, created = service(**{key: key_value}, **data)
        return Result(instance, _outcome(created, before, instance))

    return apply


OPERATIONS: dict[str, Operation] = {
    operation.kind: operation
    for operation in [
        Operation(
            "label_partners",
            portal_serializers.LabelPartnerUpsertInputSerializer,
            _apply_label_partner,
            key="code",
            key_field=portal_serializers.LABEL_PARTNER_KEY,
        ),
        Operation(
            "customers",
            portal_serializers.CustomerUpsertInputSerializer,
            _apply_customer,
            key="external_account_id",
            key_field=portal_serializers.CUSTOMER_KEY,
        ),
        Operation(
            "premises",
            meter_serializers.PremiseUpsertInputSerializer,
            _apply_premise,
            key="external_id",
            key_field=meter_serializers.PREMISE_KEY,
        ),
        Operation(
            "meters",
            meter_serializers.MeterUpsertInputSerializer,
            _apply_meter,
            key="meter_number",
            key_field=meter_serializers.METER_KEY,
        ),
        Operation("move_ins", meter_serializers.MoveInInputSerializer, _apply_move_in),
        Operation("move_outs", meter_serializers.MoveOutInputSerializer, _apply_move_out),
        Operation(
            "rate_plans",
            billing_serializers.RatePlanUpsertInputSerializer,
            upserter(RatePlan, "code", billing_services.upsert_rate_plan),
            key="code",
            key_field=billing_serializers.RATE_PLAN_KEY,
        ),
        Operation(
            "programs",
            billing_serializers.ProgramUpsertInputSerializer,
            upserter(Program, "code", billing_services.upsert_program),
            key="code",
            key_field=billing_serializers.PROGRAM_KEY,
        ),
        Operation(
            "billing_accounts",
            billing_serializers.BillingAccountUpsertInputSerializer,
            upserter(BillingAccount, "account_number", billing_services.upsert_billing_account),
            key="account_number",
            key_field=billing_serializers.ACCOUNT_KEY,
        ),
        Operation(
            "service_contracts",
            billing_serializers.ServiceContractUpsertInputSerializer,
            upserter(ServiceContract, "contract_number", billing_services.upsert_service_contract),
            key="contract_number",
            key_field=billing_serializers.CONTRACT_KEY,
        ),
    ]
}
