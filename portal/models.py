"""Accounts: users (customers, third-party users, staff), label partners, third parties, ratings
and the OAuth clients that belong to them."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from oauth2_provider.models import AbstractApplication


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who logs in. The e-mail is the login; a customer may also come from provisioning
    (external account id) before ever setting a password."""

    class Role(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        THIRD_PARTY = "third_party", "Third-party user"
        STAFF = "staff", "Staff"

    email = models.EmailField("e-mail address", max_length=254, unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    external_account_id = models.CharField(
        max_length=64, null=True, blank=True, unique=True, help_text="The utility's customer account id."
    )
    label_partner = models.ForeignKey(
        "portal.LabelPartner", null=True, blank=True, on_delete=models.PROTECT, related_name="customers"
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        # E-mail addresses are compared case-insensitively; storing them lower-case keeps the
        # unique index honest.
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def role(self) -> str:
        if self.is_staff:
            return self.Role.STAFF
        if hasattr(self, "third_party_membership"):
            return self.Role.THIRD_PARTY
        return self.Role.CUSTOMER

    @property
    def third_party(self):
        membership = getattr(self, "third_party_membership", None)
        return membership.third_party if membership else None


class LabelPartner(models.Model):
    """A brand, subsidiary or country served from the same platform."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ThirdParty(models.Model):
    """A company that asks customers for consent to read their data."""

    name = models.CharField("company name", max_length=200)
    registration_number = models.CharField(max_length=64, unique=True)
    website = models.URLField(blank=True)
    privacy_policy_url = models.URLField("privacy-policy URL", blank=True)
    privacy_seal_attested = models.BooleanField(
        default=False, help_text="The company attests that it meets the national privacy-seal requirements."
    )
    contact_email = models.EmailField("contact e-mail")
    label_partners = models.ManyToManyField(
        LabelPartner,
        blank=True,
        related_name="third_parties",
        help_text="Brands whose customers it may invite; none means all.",
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "third parties"
        ordering = ["name"]

    def __str__(self):
        return self.name


class ThirdPartyMembership(models.Model):
    """A user working for a third party; a user works for at most one."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        AGENT = "agent", "Agent"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="third_party_membership")
    third_party = models.ForeignKey(ThirdParty, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.AGENT)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.user} ({self.get_role_display()} at {self.third_party})"


class ThirdPartyRating(models.Model):
    """A customer's 1–5 rating of a third party; one per customer and third party."""

    customer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="third_party_ratings")
    third_party = models.ForeignKey(ThirdParty, on_delete=models.CASCADE, related_name="ratings")
    stars = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "third_party"], name="one_rating_per_customer_and_third_party"),
            models.CheckConstraint(condition=models.Q(stars__gte=1, stars__lte=5), name="rating_stars_1_to_5"),
        ]

    def __str__(self):
        return f"{self.third_party}: {self.stars}/5 by {self.customer}"


class OAuthClient(AbstractApplication):
    """An OAuth2 client (django-oauth-toolkit application). It belongs to a third party, or to the
    utility's own systems when `third_party` is empty; `allowed_scopes` caps what it may ask for."""

    third_party = models.ForeignKey(
        ThirdParty, null=True, blank=True, on_delete=models.CASCADE, related_name="oauth_clients"
    )
    allowed_scopes = models.CharField(
        max_length=1000, blank=True, help_text="Space-separated scopes this client may request."
    )

    # --- CDS (WG1-02) client object fields. Clients made before CDS registration keep the defaults.
    class Status(models.TextChoices):
        PRODUCTION = "production", "Production"
        SANDBOX = "sandbox", "Sandbox"
        DISABLED = "disabled", "Disabled"

    registration = models.ForeignKey(
        "portal.ClientRegistration",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="clients",
        help_text="The registration (client set) this client belongs to; empty for hand-made clients.",
    )
    environment = models.CharField(
        max_length=12,
        choices=[(Status.PRODUCTION, "Production"), (Status.SANDBOX, "Sandbox")],
        default=Status.PRODUCTION,
        help_text="Fixed at creation: a sandbox client never becomes a production one (a new client is made).",
    )
    cds_status = models.CharField("status", max_length=12, choices=Status.choices, default=Status.PRODUCTION)
    disabled_at = models.DateTimeField(null=True, blank=True)
    production_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="production_clients",
        help_text="The sandbox client this production client was approved from.",
    )
    client_uri = models.URLField("client URI", blank=True)
    logo_uri = models.URLField("logo URI", blank=True)
    tos_uri = models.URLField("terms of service URI", blank=True)
    policy_uri = models.URLField("policy URI", blank=True)
    contacts = models.JSONField(default=list, blank=True)
    default_scope = models.CharField(max_length=1000, blank=True)
    default_redirect_uri = models.CharField("default redirect URI", max_length=500, blank=True)
    default_authorization_details = models.JSONField(default=list, blank=True)
    purposes = models.JSONField(default=dict, blank=True, help_text="cds_purposes: purpose id -> purpose.")
    cds_modified = models.DateTimeField(null=True, blank=True, help_text="Last change through CDS.")

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = "OAuth client"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(environment__in=["production", "sandbox"]), name="oauth_client_environment"
            ),
        ]

    @property
    def allowed_scope_set(self) -> set[str]:
        return set(self.allowed_scopes.split())

    @property
    def is_sandbox(self) -> bool:
        return self.environment == self.Status.SANDBOX

    def is_usable(self, request):
        # A disabled client gets no new tokens and its tokens stop working (DOT checks both).
        return self.cds_status != self.Status.DISABLED


# CDS models (client registrations, credentials, messages, PAR, test accounts) live in their own
# module; importing them here registers them with the portal app.
from .cds.models import *  # noqa: E402, F401, F403
from .webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint  # noqa: E402, F401
