"""OAuth (CDS) grants: the OAuth side of an agreement made by customer consent (the grant, the
tokens and authorization codes issued under it), and direct access: staff approvals for
`cds_query_*` clients, their audit trail, aggregation sub-grants and the log of direct reads."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from .models import Agreement, NumberedModel, new_token


def new_confirmation() -> str:
    """A receipt confirmation code people can read out: MG-XXXX-XXXX without look-alikes."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    letters = "".join(secrets.choice(alphabet) for _ in range(8))
    return f"MG-{letters[:4]}-{letters[4:]}"


class OAuthGrant(models.Model):
    """A CDS Grant. The agreement holds who, what premises, which data and until when (the access
    gate reads it); this row adds the OAuth client, the consented scope and authorization details,
    and the customer's receipt."""

    agreement = models.OneToOneField(Agreement, on_delete=models.CASCADE, primary_key=True, related_name="grant")
    client = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.PROTECT, related_name="grants"
    )
    scope = models.CharField(max_length=1000)
    authorization_details = models.JSONField(
        default=list, blank=True, help_text="As consented: defaults applied, dates absolute."
    )
    requested_scope = models.CharField(
        max_length=1000, blank=True, help_text="A wider scope the client asked for; waits for the customer's consent."
    )
    include_future_premises = models.BooleanField(default=False)
    purpose = models.JSONField(null=True, blank=True, help_text="The client's purpose as the customer saw it.")
    receipt_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    receipt_confirmation = models.CharField(max_length=16, unique=True, default=new_confirmation, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["client", "-modified_at"], name="grant_client")]

    def __str__(self):
        return f"Grant {self.agreement.number} to {self.client}"


class GrantToken(models.Model):
    """An access token issued under a grant (code exchange, refresh or grant admin)."""

    grant = models.ForeignKey(OAuthGrant, on_delete=models.CASCADE, related_name="tokens")
    access_token = models.ForeignKey(
        settings.OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL, on_delete=models.CASCADE, related_name="grant_links"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["grant", "access_token"], name="one_link_per_grant_and_token")]

    def __str__(self):
        return f"{self.access_token} under {self.grant}"


class GrantCode(models.Model):
    """The grants an authorization code stands for, until (and after) it is exchanged."""

    code_checksum = models.CharField(max_length=64, db_index=True)
    grant = models.ForeignKey(OAuthGrant, on_delete=models.CASCADE, related_name="codes")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Authorization code for {self.grant}"


# --- Direct access (WG3-01 `cds_query_*`): staff approvals instead of a customer's consent -------


class DirectAccessApproval(NumberedModel):
    """Staff approve direct access for a vendor, researcher or regulator: which client of which third
    party may read which data sets (`cds_query_*` scopes) of which premises, from when until when,
    and why. A client-credentials token reads exactly what its client's live approvals cover."""

    NUMBER_PREFIX = "DAA"

    class Coverage(models.TextChoices):
        ALL = "all", "All premises"
        PREMISES = "premises", "Premises chosen by staff"
        POSTAL_CODES = "postal_codes", "Premises in the postal codes"

    class Status(models.TextChoices):
        ACTIVE = "active", "Approved"
        REVOKED = "revoked", "Revoked"

    third_party = models.ForeignKey(
        "portal.ThirdParty", on_delete=models.PROTECT, related_name="direct_access_approvals"
    )
    client = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.PROTECT,
        related_name="direct_access_approvals",
        help_text="The third party's direct-access client (client credentials).",
    )
    scope = models.CharField(max_length=1000, help_text="Space-separated cds_query_* scopes approved.")
    coverage = models.CharField(max_length=12, choices=Coverage.choices)
    premises = models.ManyToManyField("meters.Premise", blank=True, related_name="direct_access_approvals")
    postal_codes = models.JSONField(default=list, blank=True, help_text='For postal-code coverage: ["78701", ...].')
    aggregation_numbers = models.JSONField(
        default=list,
        blank=True,
        help_text="Aggregations whose summed usage may be read (cds_query_usage, cds_query_aggregations); empty: none.",
    )
    includes = models.JSONField(
        default=list,
        blank=True,
        help_text='Optional fields answers carry: include_* ids, e.g. ["include_meter_numbers"].',
    )
    purpose = models.TextField(help_text="Why: the study, service or regulatory duty the access is for.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    approved_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    revoke_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="direct_access_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["client", "status"], name="direct_access_client")]

    @property
    def scope_set(self) -> set[str]:
        return set(self.scope.split())


class DirectAccessEvent(models.Model):
    """The audit trail of a direct-access approval: approved, changed, revoked, sub-grants asked and
    answered; who, when, what."""

    class Action(models.TextChoices):
        APPROVED = "approved", "Approved"
        CHANGED = "changed", "Changed"
        REVOKED = "revoked", "Revoked"
        SUB_GRANTS_REQUESTED = "sub_grants_requested", "Customers asked for aggregation consent"
        SUB_GRANT_CONSENTED = "sub_grant_consented", "A customer consented"
        SUB_GRANT_DECLINED = "sub_grant_declined", "A customer declined"

    approval = models.ForeignKey(DirectAccessApproval, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=24, choices=Action.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    at = models.DateTimeField()
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"


class AggregationSubGrant(models.Model):
    """A sub-grant (WG3-01 §3.7): an aggregation a direct-access approval reads is below the privacy
    threshold, so each customer of the group is asked for `cds_aggregation_consent`. A consenting
    customer counts toward the threshold; the parent is `needs_sub_grants` until it is met."""

    class Status(models.TextChoices):
        NEEDS_AUTHORIZATION = "needs_authorization", "Waiting for the customer"
        ACTIVE = "active", "Consented"
        DECLINED = "declined", "Declined"

    approval = models.ForeignKey(DirectAccessApproval, on_delete=models.PROTECT, related_name="sub_grants")
    aggregation_number = models.CharField(max_length=64)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="aggregation_sub_grants"
    )
    premises = models.ManyToManyField("meters.Premise", related_name="aggregation_sub_grants")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEEDS_AUTHORIZATION)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["approval", "aggregation_number", "customer"], name="one_sub_grant_per_customer"
            ),
        ]
        indexes = [models.Index(fields=["customer", "status"], name="sub_grant_customer")]

    def __str__(self):
        return f"Aggregation consent for {self.aggregation_number} ({self.get_status_display()})"


class DirectAccessRead(models.Model):
    """One read by a direct-access token of one premise's objects in one data set (the access log
    of direct reads; meter-data reads are also in reports' DataAccessLog). Append-only."""

    approval = models.ForeignKey(DirectAccessApproval, on_delete=models.PROTECT, related_name="reads")
    premise = models.ForeignKey("meters.Premise", on_delete=models.PROTECT, related_name="direct_access_reads")
    data_set = models.CharField(max_length=20, help_text="The CDS API read (accounts, meter_devices, ...).")
    rows = models.PositiveIntegerField(default=0)
    reference = models.CharField(max_length=200, blank=True, help_text="The API path.")
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["approval", "-at"], name="direct_read_approval"),
            models.Index(fields=["premise", "-at"], name="direct_read_premise"),
        ]

    def __str__(self):
        return f"{self.approval} read {self.data_set} of {self.premise_id} at {self.at:%Y-%m-%d %H:%M}"


class DirectAccessToken(models.Model):
    """The authorization details a direct-access token was issued with: its preselections narrow
    what it reads within the client's approvals (they never widen it)."""

    access_token = models.OneToOneField(
        settings.OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL, on_delete=models.CASCADE, related_name="direct_access"
    )
    authorization_details = models.JSONField(default=list, blank=True)

    def __str__(self):
        return f"Direct-access details of {self.access_token}"
