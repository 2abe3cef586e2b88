"""Consent: agreement invitations, agreements, extension requests and the audit trail of every
transition. State changes happen only in `agreements.services`."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q


class AgreementType(models.TextChoices):
    ENERGY_DATA = "energy_data", "Energy Data"
    IN_HOME_DEVICE = "in_home_device", "In-Home Device"
    IN_HOME_DEVICE_SERVICES = "in_home_device_services", "In-Home Device Services"


DEVICE_TYPES = (AgreementType.IN_HOME_DEVICE, AgreementType.IN_HOME_DEVICE_SERVICES)


class DataKind(models.TextChoices):
    """The kinds of meter data an agreement may cover; the access gate asks for one of them."""

    INTERVAL = "interval", "15-minute interval usage"
    DAILY = "daily", "Daily usage"
    MONTHLY = "monthly", "Monthly usage"
    ON_DEMAND = "on_demand", "On-demand meter reads"


ONE_TIME_KINDS = (DataKind.INTERVAL, DataKind.DAILY, DataKind.MONTHLY)


class DurationKind(models.TextChoices):
    ONE_TIME = "one_time", "One-time access"
    CONTINUOUS = "continuous", "Continuous access"


class IdentifiedBy(models.TextChoices):
    """What the third party gave to prove it knows the customer."""

    AUTHORIZATION_CODE = "authorization_code", "Account authorization code"
    EMAIL = "email", "E-mail address"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class NumberedModel(models.Model):
    """A row with a readable number built from its primary key ("INV-000042")."""

    NUMBER_PREFIX = ""

    number = models.CharField(max_length=24, unique=True, null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def __str__(self):
        return self.number or f"{self.NUMBER_PREFIX} (unsaved)"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if not self.number:
            self.number = f"{self.NUMBER_PREFIX}-{self.pk:06d}"
            type(self).objects.filter(pk=self.pk).update(number=self.number)


class AgreementInvitation(NumberedModel):
    """A third party's request for consent, e-mailed to the customer, answerable for 30 days."""

    NUMBER_PREFIX = "INV"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"

    # Unique through Meta.constraints: unique=True would add a second (LIKE) index nothing uses.
    token = models.CharField(max_length=64, default=new_token, editable=False)
    # Indexed by invitation_third_party (third party first); created_by only where set.
    third_party = models.ForeignKey(
        "portal.ThirdParty", on_delete=models.PROTECT, related_name="invitations", db_index=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        help_text="Empty when the third party's API client created it.",
    )
    agreement_type = models.CharField(max_length=30, choices=AgreementType.choices)
    # The occupant the invitation was validated against and is mailed to.
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations")
    identified_by = models.CharField(max_length=20, choices=IdentifiedBy.choices)
    customer_email = models.EmailField(blank=True, help_text="The e-mail the third party gave, if it gave one.")
    premises = models.ManyToManyField("meters.Premise", related_name="invitations")
    duration_kind = models.CharField(max_length=10, choices=DurationKind.choices, blank=True)
    one_time_kind = models.CharField(
        max_length=10, choices=[(kind.value, kind.label) for kind in ONE_TIME_KINDS], blank=True
    )
    months = models.PositiveSmallIntegerField(null=True, blank=True)
    device_mac = models.CharField("device MAC", max_length=23, blank=True)
    device_install_code = models.CharField(max_length=36, blank=True)
    device_type = models.CharField(max_length=20, blank=True)
    device_description = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    expires_at = models.DateTimeField()
    resent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(months__isnull=True) | Q(months__gte=1, months__lte=12), name="invitation_months_1_to_12"
            ),
            models.UniqueConstraint(fields=["token"], name="invitation_token_unique"),
        ]
        # No index covers status (not even in a condition), so a status change can be a HOT update
        # (see services.expiry).
        indexes = [
            models.Index(fields=["expires_at"], name="invitation_expiry"),
            models.Index(fields=["third_party", "-created_at"], name="invitation_third_party"),
            models.Index(fields=["created_by"], condition=Q(created_by__isnull=False), name="invitation_created_by"),
        ]

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class Agreement(NumberedModel):
    """Consent given: what a third party may read or do for a customer's premises, until when."""

    NUMBER_PREFIX = "AGR"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        TERMINATED = "terminated", "Terminated"
        EXPIRED = "expired", "Expired"

    class Source(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        OAUTH = "oauth", "OAuth grant"
        DIRECT = "direct", "Direct access (staff-approved)"

    class EndedBy(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        THIRD_PARTY = "third_party", "Third party"
        UTILITY = "utility", "Utility"
        SYSTEM = "system", "MeterGate"

    agreement_type = models.CharField(max_length=30, choices=AgreementType.choices)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.INVITATION)
    # Indexed by agreement_customer / agreement_third_party (the key first); device and ended_by only where set.
    # Empty only for direct access (source DIRECT): staff approved it, no customer consented.
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
        db_index=False,
    )
    third_party = models.ForeignKey(
        "portal.ThirdParty", on_delete=models.PROTECT, related_name="agreements", db_index=False
    )
    premises = models.ManyToManyField("meters.Premise", related_name="agreements")
    device = models.ForeignKey(
        "meters.InHomeDevice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
        db_index=False,
    )
    invitation = models.OneToOneField(
        AgreementInvitation, null=True, blank=True, on_delete=models.PROTECT, related_name="agreement"
    )
    data_kinds = models.JSONField(default=list, blank=True, help_text="DataKind values this agreement covers.")
    duration_kind = models.CharField(max_length=10, choices=DurationKind.choices, blank=True)
    months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Term in months after the latest acceptance."
    )
    starts_at = models.DateTimeField()
    accepted_at = models.DateTimeField(help_text="The latest acceptance: the invitation's or an extension's.")
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty for device agreements (until ended).")
    data_from = models.DateTimeField(null=True, blank=True, help_text="Earliest data covered.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    ended_by_role = models.CharField(max_length=12, choices=EndedBy.choices, blank=True)
    end_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="agreement_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | Q(source="direct"), name="agreement_customer_unless_direct"
            ),
        ]
        # No index covers status or the other columns an ending writes, so the sweep's updates can
        # be HOT (see services.expiry); ends_at finds the live ones (the access gate's test).
        indexes = [
            models.Index(fields=["ends_at"], name="agreement_expiry"),
            models.Index(fields=["third_party", "ends_at"], name="agreement_third_party_end"),
            models.Index(fields=["customer", "ends_at"], name="agreement_customer_end"),
            models.Index(fields=["device"], condition=Q(device__isnull=False), name="agreement_device"),
            models.Index(fields=["ended_by"], condition=Q(ended_by__isnull=False), name="agreement_ended_by"),
        ]

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_continuous_energy_data(self) -> bool:
        return self.agreement_type == AgreementType.ENERGY_DATA and self.duration_kind == DurationKind.CONTINUOUS

    @property
    def is_direct(self) -> bool:
        """Direct access: staff approved it for a vendor, researcher or regulator; no customer."""
        return self.source == self.Source.DIRECT

    @property
    def customer_label(self) -> str:
        """Whose agreement it is, as the third party reads it."""
        return self.get_source_display() if self.is_direct else self.customer.email


class ExtensionRequest(models.Model):
    """A third party's request to extend a continuous Energy Data agreement; the customer answers."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="extension_requests")
    months = models.PositiveSmallIntegerField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    expires_at = models.DateTimeField()
    resent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agreement"], condition=Q(status="pending"), name="one_pending_extension_per_agreement"
            ),
            models.CheckConstraint(condition=Q(months__gte=1, months__lte=12), name="extension_months_1_to_12"),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="extension_expiry")]

    def __str__(self):
        return f"Extension of {self.agreement} by {self.months} months ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class ExpirySweep(models.Model):
    """Where the last expiry sweep of invitations or agreements stopped, so the next one reads only
    what may have become due since (see services.expiry)."""

    subject = models.CharField(max_length=20, primary_key=True)
    swept_through = models.DateTimeField(help_text="Everything due by then was expired.")
    after_id = models.BigIntegerField(help_text="The highest id then: rows above it are read whatever their dates.")
    full_pass_at = models.DateTimeField(help_text="The last sweep that read every due date.")

    def __str__(self):
        return f"{self.subject} swept through {self.swept_through:%Y-%m-%d %H:%M}"


# The audit trail, the OAuth (CDS) grants and direct-access approvals live in their own modules (this
# one grew past ~400 lines); imported here so `agreements.models.X` and the app's registry hold them.
from .models_events import AgreementEvent  # noqa: E402,F401
from .models_grants import (  # noqa: E402,F401
    AggregationSubGrant,
    DirectAccessApproval,
    DirectAccessToken,
    GrantCode,
    GrantToken,
    OAuthGrant,
    new_confirmation,
)
