"""Premises (service points, by ESIID), meters, occupancy (move-in / move-out), in-home (HAN)
devices, the requests made for them, and HAN messages."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from .validators import validate_esiid, validate_install_code, validate_mac


class Premise(models.Model):
    """A service point: where electricity is delivered, identified by its ESIID."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        DE_ENERGIZED = "de_energized", "De-energized"

    class DwellingType(models.TextChoices):
        DETACHED = "detached", "Detached house"
        SEMI_DETACHED = "semi_detached", "Semi-detached house"
        TERRACED = "terraced", "Terraced / row house"
        APARTMENT = "apartment", "Apartment"
        MOBILE = "mobile", "Mobile home"
        COMMERCIAL = "commercial", "Commercial"
        OTHER = "other", "Other"

    class HeatingType(models.TextChoices):
        ELECTRIC = "electric", "Electric resistance"
        HEAT_PUMP = "heat_pump", "Heat pump"
        GAS = "gas", "Gas"
        OTHER = "other", "Other"
        NONE = "none", "None"

    esiid = models.CharField("ESIID", max_length=22, unique=True, validators=[validate_esiid])
    external_id = models.CharField(
        max_length=64, null=True, blank=True, unique=True, help_text="The utility's installation id."
    )
    service_address = models.CharField(max_length=300)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True, default="TX")
    postal_code = models.CharField(max_length=10)
    time_zone = models.CharField(max_length=64, default="America/Chicago")
    label_partner = models.ForeignKey(
        "portal.LabelPartner", null=True, blank=True, on_delete=models.PROTECT, related_name="premises"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    # Installation profile (seed 000): what the household tells us, used for comparisons.
    dwelling_type = models.CharField(max_length=20, choices=DwellingType.choices, blank=True)
    floor_area_m2 = models.PositiveIntegerField("floor area (m²)", null=True, blank=True)
    occupants = models.PositiveSmallIntegerField(null=True, blank=True)
    heating_type = models.CharField(max_length=20, choices=HeatingType.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(esiid__regex=r"^[0-9]{17,22}$"), name="premise_esiid_17_to_22_digits"),
        ]

    def __str__(self):
        return f"{self.esiid} — {self.service_address}"


class Meter(models.Model):
    class Commodity(models.TextChoices):
        ELECTRIC = "electric", "Electricity"
        GAS = "gas", "Gas"

    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="meters")
    meter_number = models.CharField(max_length=64, unique=True, help_text="The external meter id.")
    commodity = models.CharField(max_length=10, choices=Commodity.choices, default=Commodity.ELECTRIC)
    installed_on = models.DateField(null=True, blank=True)
    removed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True)
                | Q(installed_on__isnull=True)
                | Q(removed_on__gte=F("installed_on")),
                name="meter_removed_after_installed",
            ),
        ]

    def __str__(self):
        return f"{self.meter_number} ({self.get_commodity_display()})"


class OccupancyQuerySet(models.QuerySet):
    def current(self):
        return self.filter(move_out__isnull=True)


class Occupancy(models.Model):
    """A customer living at a premise from move-in to move-out. The account authorization code is
    what a third party shows to prove it knows the customer."""

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="occupancies")
    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="occupancies")
    account_number = models.CharField(max_length=64)
    authorization_code = models.CharField("account authorization code", max_length=64)
    move_in = models.DateField()
    move_out = models.DateField(null=True, blank=True)
    move_out_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OccupancyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "occupancies"
        constraints = [
            models.UniqueConstraint(
                fields=["premise"], condition=Q(move_out__isnull=True), name="one_open_occupancy_per_premise"
            ),
            models.CheckConstraint(
                condition=Q(move_out__isnull=True) | Q(move_out__gte=F("move_in")),
                name="occupancy_move_out_after_move_in",
            ),
        ]
        indexes = [models.Index(fields=["customer", "move_out"])]

    def __str__(self):
        return f"{self.customer} at {self.premise.esiid} from {self.move_in}"

    @property
    def is_current(self) -> bool:
        return self.move_out is None


class InHomeDevice(models.Model):
    """A device joined (or being joined) to the HAN of a premise's meter."""

    class DeviceType(models.TextChoices):
        IN_HOME_DISPLAY = "in_home_display", "In-home display"
        THERMOSTAT = "thermostat", "Programmable communicating thermostat"
        LOAD_CONTROL = "load_control", "Load control device"
        SMART_APPLIANCE = "smart_appliance", "Smart appliance"
        ENERGY_GATEWAY = "energy_gateway", "Energy gateway"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        JOINED = "joined", "Joined"
        FAILED = "failed", "Failed"
        REMOVING = "removing", "Removal pending"
        REMOVED = "removed", "Removed"

    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="devices")
    mac = models.CharField("MAC (EUI-64)", max_length=23, validators=[validate_mac])
    install_code = models.CharField(max_length=36, validators=[validate_install_code])
    device_type = models.CharField(max_length=20, choices=DeviceType.choices)
    description = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # A physical device sits on one HAN at a time; removed records stay as history.
            models.UniqueConstraint(fields=["mac"], condition=~Q(status="removed"), name="one_live_device_per_mac"),
        ]

    def __str__(self):
        return f"{self.description or self.get_device_type_display()} ({self.mac})"


class RemovalReason(models.TextChoices):
    """The fixed list a third party picks from when removing a device without the customer."""

    DEVICE_RETURNED = "device_returned", "Device returned"
    DEVICE_FAULTY = "device_faulty", "Device faulty"
    CUSTOMER_REQUEST = "customer_request", "Customer request"
    SERVICE_CANCELLED = "service_cancelled", "Service cancelled"
    MOVE_OUT = "move_out", "Customer moved out"
    OTHER = "other", "Other"


class HanDeviceEvent(models.Model):
    """One add or remove request for a device and its outcome; kept 13 months."""

    class Action(models.TextChoices):
        ADD = "add", "Add"
        REMOVE = "remove", "Remove"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        TIMED_OUT = "timed_out", "Timed out"

    device = models.ForeignKey(InHomeDevice, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10, choices=Action.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    third_party = models.ForeignKey(
        "portal.ThirdParty", null=True, blank=True, on_delete=models.SET_NULL, related_name="han_events"
    )
    reason = models.CharField(max_length=20, choices=RemovalReason.choices, blank=True)
    reason_text = models.CharField(max_length=300, blank=True)
    headend_reference = models.CharField(max_length=64, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"]),
            models.Index(fields=["device", "-created_at"]),
            # The sweeps (send, poll, time out) read only the requests still waiting: a small index.
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="han_event_open"),
            models.Index(fields=["headend_reference"], condition=~Q(headend_reference=""), name="han_event_reference"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.device.mac}: {self.get_status_display()}"


class HanMessage(models.Model):
    """A short text message a third party sends to an in-home device."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    device = models.ForeignKey(InHomeDevice, on_delete=models.CASCADE, related_name="messages")
    third_party = models.ForeignKey("portal.ThirdParty", on_delete=models.CASCADE, related_name="han_messages")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=160)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    status_detail = models.CharField(max_length=300, blank=True)
    headend_reference = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["third_party", "-created_at"]),
            models.Index(fields=["created_at"]),
            models.Index(fields=["created_at"], condition=Q(status__in=["queued", "sent"]), name="han_message_open"),
            models.Index(
                fields=["headend_reference"], condition=~Q(headend_reference=""), name="han_message_reference"
            ),
        ]

    def __str__(self):
        return f"{self.text[:30]} → {self.device.mac} ({self.get_status_display()})"


# --- Customer billing (CDS accounts, service contracts, rate plans, programs) ---------------------
# Supplied by the utility's billing system through provisioning; the CDS APIs show them.


class RatePlan(models.Model):
    """A tariff a service contract is billed on, as the billing system names it."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.name} ({self.code})"


class Program(models.Model):
    """A utility program an account or a service contract is enrolled in (budget billing, demand response)."""

    class AppliesTo(models.TextChoices):
        ACCOUNT = "account", "Accounts"
        SERVICE = "service", "Service contracts"

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    applies_to = models.CharField(max_length=10, choices=AppliesTo.choices, default=AppliesTo.ACCOUNT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.name} ({self.code})"


class BillingAccount(models.Model):
    """A customer's billing account. Its number is the one occupancies carry (`Occupancy.account_number`)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        CLOSED = "closed", "Closed"

    account_number = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="billing_accounts")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    name = models.CharField(max_length=200, blank=True)
    address = models.CharField(max_length=300, blank=True)
    account_types = models.JSONField(default=list, blank=True, help_text='e.g. ["residential"]')
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    contacts = models.JSONField(default=list, blank=True, help_text="E-mail addresses and E.164 phone numbers.")
    programs = models.ManyToManyField(Program, blank=True, related_name="accounts")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "account_number"], name="billing_account_customer")]

    def __str__(self):
        return f"Account {self.account_number}"


class ServiceContract(models.Model):
    """A customer's service at a premise: an occupancy, billed to an account on a rate plan."""

    class ServiceType(models.TextChoices):
        ELECTRIC = "electricity", "Electricity"
        GAS = "natural_gas", "Natural gas"

    contract_number = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(BillingAccount, on_delete=models.PROTECT, related_name="service_contracts")
    occupancy = models.OneToOneField(Occupancy, on_delete=models.PROTECT, related_name="service_contract")
    service_type = models.CharField(max_length=20, choices=ServiceType.choices, default=ServiceType.ELECTRIC)
    contract_types = models.JSONField(default=list, blank=True, help_text='e.g. ["residential"]')
    rate_plan = models.ForeignKey(
        RatePlan, null=True, blank=True, on_delete=models.PROTECT, related_name="service_contracts"
    )
    programs = models.ManyToManyField(Program, blank=True, related_name="service_contracts")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Contract {self.contract_number}"

    @property
    def status(self) -> str:
        return "active" if self.occupancy.move_out is None else "inactive"
