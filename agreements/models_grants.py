"""OAuth (CDS) grants: the OAuth side of an agreement made by customer consent (the grant, the
tokens and authorization codes issued under it), and the direct-access side of an agreement staff
approved for a `cds_query_*` client (no customer), with its aggregation sub-grants and tokens.
Both kinds' audit trail is the agreement's events; direct reads go to the reports' access log."""

import secrets

from django.conf import settings
from django.db import models

from .models import Agreement, new_token


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


class DirectAccessApproval(models.Model):
    """The direct-access side of an agreement with no customer (source DIRECT): staff approve which
    client of the agreement's third party may read which data sets (`cds_query_*` scopes) of which
    premises, and why. The agreement holds the company, the dates, the status (revoking is
    terminating) and, for a staff list, the premises; its events are the audit trail. A
    client-credentials token reads exactly what its client's live approvals cover."""

    class Coverage(models.TextChoices):
        ALL = "all", "All premises"
        PREMISES = "premises", "Premises chosen by staff"
        POSTAL_CODES = "postal_codes", "Premises in the postal codes"

    agreement = models.OneToOneField(
        Agreement, on_delete=models.CASCADE, primary_key=True, related_name="direct_access"
    )
    client = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.PROTECT,
        related_name="direct_access_approvals",
        help_text="The third party's direct-access client (client credentials).",
    )
    scope = models.CharField(max_length=1000, help_text="Space-separated cds_query_* scopes approved.")
    coverage = models.CharField(max_length=12, choices=Coverage.choices)
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
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    approved_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Direct access {self.agreement.number} for {self.client}"

    @property
    def scope_set(self) -> set[str]:
        return set(self.scope.split())


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


class DirectAccessToken(models.Model):
    """The authorization details a direct-access token was issued with: its preselections narrow
    what it reads within the client's approvals (they never widen it)."""

    access_token = models.OneToOneField(
        settings.OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL, on_delete=models.CASCADE, related_name="direct_access"
    )
    authorization_details = models.JSONField(default=list, blank=True)

    def __str__(self):
        return f"Direct-access details of {self.access_token}"
