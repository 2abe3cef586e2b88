"""CDS registration data: a registration's client set, credentials (secrets stored hashed),
messages between the server and the registrant, pushed authorization requests, used
authorization codes, and the customers that sandbox clients may reach."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from oauth2_provider.settings import oauth2_settings


def public_id() -> str:
    """An id safe to show in URLs: random, not guessable from its neighbours."""
    return secrets.token_hex(8)


class ClientRegistration(models.Model):
    """One registration (dynamic or by hand): the admin client and the clients made with it.
    It always belongs to a third party, so a registered client can never pass for the utility."""

    class Source(models.TextChoices):
        DYNAMIC = "dynamic", "Dynamic registration (RFC 7591)"
        HUMAN = "human", "Registration page"
        STAFF = "staff", "Staff"

    third_party = models.ForeignKey("portal.ThirdParty", on_delete=models.CASCADE, related_name="registrations")
    source = models.CharField(max_length=10, choices=Source.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_name = models.CharField(max_length=255)
    fields = models.JSONField(default=dict, blank=True, help_text="The cds_* registration fields submitted.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.client_name} ({self.third_party})"


class Credential(models.Model):
    """A client secret. Only its SHA-256 is kept for checking (secrets are 256-bit random, so a
    fast hash is enough); a server-made secret is also kept encrypted until it is shown once."""

    credential_id = models.CharField(max_length=32, unique=True, default=public_id, editable=False)
    client = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE, related_name="credentials"
    )
    secret_checksum = models.CharField(max_length=64, unique=True, editable=False)
    secret_hint = models.CharField(max_length=8, editable=False, help_text="The secret's last characters.")
    pending_secret = models.TextField(
        blank=True, editable=False, help_text="Encrypted secret not shown yet; emptied once shown."
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="When an expiry at or before now revoked it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["client", "-updated_at"], name="credential_client")]

    def __str__(self):
        return f"…{self.secret_hint} for {self.client}"

    def is_active(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > at)


class CredentialToken(models.Model):
    """Which credential obtained an access token, so expiring a credential revokes its tokens."""

    access_token = models.OneToOneField(
        oauth2_settings.ACCESS_TOKEN_MODEL, on_delete=models.CASCADE, related_name="credential_use"
    )
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="token_uses")

    def __str__(self):
        return f"{self.access_token} by {self.credential}"


class ClientMessage(models.Model):
    """A message between MeterGate and a registration (WG1-02 §6)."""

    class Type(models.TextChoices):
        NOTIFICATION = "notification", "Notification"
        PRIVATE_MESSAGE = "private_message", "Private message"
        PRODUCTION_REQUEST = "production_request", "Production request"
        SUPPORT_REQUEST = "support_request", "Support request"
        GRANT_REQUEST = "grant_request", "Grant request"
        FIELD_CHANGES = "field_changes", "Field changes"
        SERVER_REQUEST = "server_request", "Server request"
        CLIENT_SUBMISSION = "client_submission", "Client submission"
        PAYMENT_REQUEST = "payment_request", "Payment request"
        ONLINE_FORM_REQUEST = "online_form_request", "Online form request"
        PDF_FORM_REQUEST = "pdf_form_request", "PDF form request"
        REQUEST_UPDATE = "request_update", "Request update"

    class Status(models.TextChoices):
        COMPLETE = "complete", "Complete"
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        REJECTED = "rejected", "Rejected"
        ERRORED = "errored", "Errored"

    message_id = models.CharField(max_length=32, unique=True, default=public_id, editable=False)
    registration = models.ForeignKey(ClientRegistration, on_delete=models.CASCADE, related_name="messages")
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    type = models.CharField(max_length=24, choices=Type.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.COMPLETE)
    read = models.BooleanField(default=False)
    creator = models.CharField(max_length=255, blank=True, help_text="The client_id that wrote it; empty: MeterGate.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    updates_requested = models.JSONField(null=True, blank=True)
    grants_requested = models.JSONField(null=True, blank=True)
    attachments = models.JSONField(null=True, blank=True)
    related_uri = models.CharField(max_length=1000, blank=True, help_text="An outside link (more info, support).")
    related_type = models.CharField(max_length=32, blank=True)
    related_id = models.CharField(
        max_length=255, blank=True, help_text="The id of the related client, credential, grant or message."
    )
    related_client = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The client a production request or field change is about.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["registration", "-updated_at"], name="message_registration"),
            models.Index(fields=["type", "status"], name="message_type_status"),
        ]

    def __str__(self):
        return f"{self.get_type_display()}: {self.name or self.message_id}"

    @property
    def is_outstanding(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.PENDING)


class PushedAuthorizationRequest(models.Model):
    """An authorization request pushed by a client (RFC 9126), used once through its request_uri."""

    PREFIX = "urn:ietf:params:oauth:request_uri:"

    reference = models.CharField(max_length=64, unique=True, editable=False)
    client = models.ForeignKey(settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE, related_name="+")
    parameters = models.JSONField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Pushed authorization request of {self.client} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def request_uri(self) -> str:
        return f"{self.PREFIX}{self.reference}"


class AuthorizationCodeUse(models.Model):
    """An authorization code that was exchanged, kept so that a second exchange (a replay) can
    revoke every token the first one issued (RFC 6749 §4.1.2)."""

    code_checksum = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE, related_name="+")
    token_family = models.UUIDField(null=True, blank=True)
    access_token_checksum = models.CharField(max_length=64, blank=True)
    used_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Code used by {self.client} at {self.used_at:%Y-%m-%d %H:%M}"


class TestAccount(models.Model):
    """A customer that sandbox clients may ask for consent (the `cds_test_accounts`)."""

    __test__ = False  # not a pytest test class, whatever its name

    customer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="test_account")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Test account {self.customer}"


__all__ = [
    "AuthorizationCodeUse",
    "ClientMessage",
    "ClientRegistration",
    "Credential",
    "CredentialToken",
    "PushedAuthorizationRequest",
    "TestAccount",
]
