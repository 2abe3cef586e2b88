"""The Smart Meter Texas v2 third-party API (`reports.smt_v2`): per third party, the identifiers
its SMT calls carry and the caller IP ranges it allows, and which of its portal users are API
users (machine accounts its admin created for `/v2/token/`)."""

import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


def validate_networks(text: str) -> None:
    for line in text.split():
        try:
            ipaddress.ip_network(line, strict=False)
        except ValueError as exc:
            raise ValidationError(f"{line!r} is not an IP address or range (CIDR).") from exc


class SmtApiSettings(models.Model):
    """A third party's SMT identity: `requestorID` (SMT's Service ID) and
    `requesterAuthenticationID` (its DUNS number) must match these on every call. `duns` is the one
    place the third party's DUNS is kept: delivered PGP files are named with it too
    (`DeliveryDestination.recipient_duns` reads it)."""

    third_party = models.OneToOneField("portal.ThirdParty", on_delete=models.CASCADE, related_name="smt_api_settings")
    service_id = models.CharField("service ID (requestorID)", max_length=64, unique=True)
    duns = models.CharField("DUNS (requesterAuthenticationID)", max_length=13, unique=True)
    allowed_networks = models.TextField(
        blank=True,
        validators=[validate_networks],
        help_text="Caller IP addresses or CIDR ranges, one a line; empty allows every address.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "SMT API settings"
        verbose_name_plural = "SMT API settings"

    def __str__(self):
        return f"{self.third_party} (DUNS {self.duns})"

    def allows(self, address: str) -> bool:
        networks = self.allowed_networks.split()
        if not networks:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)


class SmtApiUser(models.Model):
    """A portal user (an agent of the third party) that logs in to `/v2/token/` only."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="smt_api_user")
    third_party = models.ForeignKey("portal.ThirdParty", on_delete=models.CASCADE, related_name="smt_api_users")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "SMT API user"

    def __str__(self):
        return self.user.email


class SmtSubscription(models.Model):
    """A `/v2/NewSubscription/`: one report schedule per active agreement of the company covering
    the data type, plus a one-off report request for the history asked. Its number (SUB-000001)
    is SMT's subscriptionNumber."""

    class DataType(models.TextChoices):
        DAILY = "DAILY", "Daily meter reads"
        INTERVAL = "INTERVAL", "15-minute usage"
        MONTHLY = "MONTHLY", "Monthly usage"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(max_length=24, unique=True, null=True, blank=True, editable=False)
    third_party = models.ForeignKey("portal.ThirdParty", on_delete=models.CASCADE, related_name="smt_subscriptions")
    subscription_type = models.CharField(max_length=12)
    data_type = models.CharField(max_length=10, choices=DataType.choices)
    report_format = models.CharField(max_length=4)
    delivery_mode = models.CharField(max_length=3)
    historical_months = models.PositiveSmallIntegerField(default=0)
    schedules = models.ManyToManyField("reports.ReportSchedule", related_name="smt_subscriptions", blank=True)
    backfill = models.ForeignKey(
        "reports.ReportRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "SMT subscription"
        constraints = [
            models.UniqueConstraint(
                fields=["third_party", "data_type"],
                condition=models.Q(status="active"),
                name="smt_subscription_one_active_per_data_type",
            )
        ]

    def __str__(self):
        return self.number or "SUB (unsaved)"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if not self.number:
            self.number = f"SUB-{self.pk:06d}"
            type(self).objects.filter(pk=self.pk).update(number=self.number)


class SmtSubscriptionBackfill(models.Model):
    """The history given to an agreement that joined a subscription after it was made (the
    subscription's own `backfill` covers the agreements it started with). One per subscription and
    agreement: the constraint keeps two schedule beats at once from giving it twice. `request` is
    empty when nothing of the history was readable under that agreement."""

    subscription = models.ForeignKey(SmtSubscription, on_delete=models.CASCADE, related_name="backfills")
    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(
        "reports.ReportRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "SMT subscription backfill"
        constraints = [
            models.UniqueConstraint(fields=["subscription", "agreement"], name="smt_backfill_once_per_agreement")
        ]

    def __str__(self):
        return f"{self.subscription} history for {self.agreement}"
