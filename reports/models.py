"""Reports: requests for usage files (one file per ESIID), their per-ESIID outcome, recurring
schedules and their runs, where files are delivered, and the data-access log customers see.

State changes happen only in `reports.services`; delivery backends are in `reports.delivery`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from agreements.models import DataKind, NumberedModel


class ReportFormat(models.TextChoices):
    TEXAS_CSV = "texas_csv", "Texas CSV (Smart Meter Texas layout)"
    ISO_CSV = "iso_csv", "ISO 8601 CSV with UTC offsets"
    JSON = "json", "JSON"
    GREEN_BUTTON = "espi_xml", "Green Button XML (ESPI)"


class DeliveryDestination(models.Model):
    """Where files go: a third party's FTPS folder, a local folder or a Django storage (object
    storage through django-storages). A third party has at most one; named destinations (no third
    party) serve the utility's own downstream systems, e.g. consumption extracts."""

    class Backend(models.TextChoices):
        FTPS = "ftps", "FTPS (explicit TLS)"
        SFTP = "sftp", "SFTP (SSH key login)"
        FOLDER = "folder", "Local folder"
        STORAGE = "storage", "Object storage (Django storage)"

    third_party = models.OneToOneField(
        "portal.ThirdParty",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="delivery_destination",
    )
    name = models.SlugField(
        max_length=64, null=True, blank=True, unique=True, help_text="For named destinations without a third party."
    )
    backend = models.CharField(max_length=10, choices=Backend.choices, default=Backend.FTPS)
    host = models.CharField(max_length=255, blank=True)
    port = models.PositiveIntegerField(default=21)
    username = models.CharField(max_length=150, blank=True)
    # Fernet token (reports.secrets); never shown back, only replaced.
    password_encrypted = models.TextField(blank=True, editable=False)
    folder = models.CharField(
        max_length=500, blank=True, help_text="FTPS folder, sub-folder of REPORTS_LOCAL_DIR, or storage prefix."
    )
    storage_alias = models.CharField(
        max_length=64, blank=True, help_text="A key of settings.STORAGES (storage backend only)."
    )
    # SFTP: MeterGate's login key (Fernet token, reports.secrets) and the server's pinned host key.
    ssh_private_key_encrypted = models.TextField(blank=True, editable=False)
    ssh_host_key = models.TextField(
        "pinned SFTP host key", blank=True, help_text="The server's public host key, e.g. 'ssh-ed25519 AAAA...'."
    )
    # PGP: files go as SMT's ASCII-armored encrypted ZIPs when a public key is set (reports.delivery_pgp).
    pgp_public_key = models.TextField("PGP public key", blank=True)
    pgp_fingerprint = models.CharField("PGP key fingerprint", max_length=64, blank=True)
    pgp_expires_at = models.DateTimeField("PGP key expires", null=True, blank=True)
    last_tested_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_message = models.CharField(max_length=500, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(third_party__isnull=False) | Q(name__isnull=False), name="destination_has_owner_or_name"
            ),
            models.CheckConstraint(condition=Q(port__gte=1, port__lte=65535), name="destination_port_valid"),
        ]

    def __str__(self):
        owner = self.third_party.name if self.third_party_id else self.name
        return f"{owner}: {self.location}"

    @property
    def has_password(self) -> bool:
        return bool(self.password_encrypted)

    @property
    def recipient_duns(self) -> str:
        """The third party's DUNS (its SMT API settings) for SMT-style file names; "" if none."""
        if not self.third_party_id:
            return ""
        found = SmtApiSettings.objects.filter(third_party_id=self.third_party_id).values_list("duns", flat=True)
        return found.first() or ""

    @property
    def location(self) -> str:
        """Where the files are, in words for e-mails and pages (never with the password)."""
        folder = self.folder.strip("/")
        if self.backend == self.Backend.FTPS:
            return f"ftps://{self.username}@{self.host}:{self.port}/{folder}"
        if self.backend == self.Backend.SFTP:
            return f"sftp://{self.username}@{self.host}:{self.port}/{folder}"
        if self.backend == self.Backend.STORAGE:
            return f"storage '{self.storage_alias or 'default'}' under '{folder}/'"
        return f"folder '{folder}'"


class ReportRequest(NumberedModel):
    """A request for usage files, one per ESIID, for a period of at most 12 months back."""

    NUMBER_PREFIX = "REP"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    class Source(models.TextChoices):
        TYPED = "typed", "ESIIDs typed in"
        FILE = "file", "Uploaded ESIID file"
        SCHEDULE = "schedule", "Schedule"

    third_party = models.ForeignKey(
        "portal.ThirdParty", null=True, blank=True, on_delete=models.PROTECT, related_name="report_requests"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="report_requests",
        help_text="Set when a customer asks for their own data.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when an API client or a schedule asked.",
    )
    kind = models.CharField(max_length=10, choices=DataKind.choices)
    format = models.CharField(max_length=10, choices=ReportFormat.choices, default=ReportFormat.TEXAS_CSV)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.TYPED)
    start_date = models.DateField(help_text="First day, in the premise's local time.")
    end_date = models.DateField(help_text="Last day (inclusive), in the premise's local time.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    failure_reason = models.CharField(max_length=500, blank=True)
    esiids_total = models.PositiveIntegerField(default=0, help_text="ESIIDs to deliver (rejected ones excluded).")
    esiids_done = models.PositiveIntegerField(default=0)
    rows_delivered = models.BigIntegerField(default=0)
    delivered_to = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(third_party__isnull=False, customer__isnull=True)
                | Q(third_party__isnull=True, customer__isnull=False),
                name="report_request_third_party_or_customer",
            ),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="report_period_ordered"),
        ]
        indexes = [
            models.Index(fields=["third_party", "-created_at"], name="report_request_third_party"),
            models.Index(fields=["status", "updated_at"], name="report_request_status"),
        ]

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DELIVERED, self.Status.FAILED)

    @property
    def progress_percent(self) -> int:
        return 100 if not self.esiids_total else round(100 * self.esiids_done / self.esiids_total)


class ReportItem(models.Model):
    """One ESIID of a request: its file, or why it was refused. Delivery is recorded per ESIID, so
    a re-run after a dead worker skips what was delivered and redoes only the rest."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        REJECTED = "rejected", "Rejected"

    request = models.ForeignKey(ReportRequest, on_delete=models.CASCADE, related_name="items")
    esiid = models.CharField("ESIID", max_length=40, help_text="As given (it may be invalid when rejected).")
    line = models.PositiveIntegerField(null=True, blank=True, help_text="Line of the uploaded file.")
    premise = models.ForeignKey(
        "meters.Premise", null=True, blank=True, on_delete=models.PROTECT, related_name="report_items"
    )
    agreement = models.ForeignKey(
        "agreements.Agreement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The agreement the file was delivered under.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason_code = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    window_start = models.DateTimeField(null=True, blank=True, help_text="Part of the period delivered.")
    window_end = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    size = models.BigIntegerField(default=0, help_text="Bytes of the delivered file.")
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["request", "esiid"], name="one_item_per_request_and_esiid")]
        indexes = [models.Index(fields=["request", "status"], name="report_item_status")]

    def __str__(self):
        return f"{self.request} {self.esiid}: {self.get_status_display()}"


class ReportSchedule(models.Model):
    """A recurring export under one continuous Energy Data agreement: daily 15-minute usage, daily
    meter reads or monthly usage, never past the agreement's end."""

    KINDS = (DataKind.INTERVAL, DataKind.DAILY, DataKind.MONTHLY)

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"
        CANCELLED = "cancelled", "Cancelled"

    third_party = models.ForeignKey("portal.ThirdParty", on_delete=models.PROTECT, related_name="report_schedules")
    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.PROTECT, related_name="report_schedules")
    premises = models.ManyToManyField("meters.Premise", related_name="report_schedules")
    kind = models.CharField(max_length=10, choices=[(kind.value, kind.label) for kind in KINDS])
    format = models.CharField(max_length=10, choices=ReportFormat.choices, default=ReportFormat.TEXAS_CSV)
    starts_on = models.DateField(help_text="First period (day, or month for monthly) exported.")
    ends_on = models.DateField(help_text="Last day covered; never after the agreement's end.")
    next_run_at = models.DateTimeField(null=True, blank=True, help_text="When the next period becomes due.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    end_reason = models.CharField(max_length=300, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="schedule_period_ordered"),
        ]
        indexes = [models.Index(fields=["status", "next_run_at"], name="report_schedule_due")]

    def __str__(self):
        return f"Schedule {self.pk}: {self.get_kind_display()} for {self.third_party}"

    @property
    def frequency(self) -> str:
        return "monthly" if self.kind == DataKind.MONTHLY else "daily"


class ReportScheduleRun(models.Model):
    """One period of a schedule, made into a report request. Unique per (schedule, period): a
    caught-up run is never made twice."""

    schedule = models.ForeignKey(ReportSchedule, on_delete=models.CASCADE, related_name="runs")
    period_start = models.DateField()
    period_end = models.DateField()
    request = models.OneToOneField(ReportRequest, on_delete=models.PROTECT, related_name="schedule_run")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period_start"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "period_start"], name="one_run_per_schedule_period"),
        ]

    def __str__(self):
        return f"{self.schedule} {self.period_start}–{self.period_end}"


# What a log entry says was read: meter data (the access gate's kinds), or one of the customer-data
# sets a direct-access token reads (no period: the objects as they were at the read).
OBJECT_KINDS = [
    ("accounts", "Billing accounts"),
    ("service_contracts", "Service contracts"),
    ("service_points", "Service points"),
    ("meter_devices", "Meters"),
    ("bill_statements", "Bill statements"),
    ("bill_sections", "Bill details"),
]


class DataAccessLog(models.Model):
    """A read of a premise's data by a third party (a delivered report file or an API read).
    Append-only: rows are never changed or deleted; customers see the last 3 months of theirs."""

    KIND_CHOICES = [*DataKind.choices, *OBJECT_KINDS]

    class Via(models.TextChoices):
        REPORT = "report", "Report"
        SCHEDULE = "schedule", "Scheduled report"
        API = "api", "API"

    third_party = models.ForeignKey("portal.ThirdParty", on_delete=models.PROTECT, related_name="data_access_logs")
    premise = models.ForeignKey("meters.Premise", on_delete=models.PROTECT, related_name="data_access_logs")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="data_access_logs",
        help_text="The customer whose consent allowed the read; for direct access, the premise's occupant then.",
    )
    agreement = models.ForeignKey(
        "agreements.Agreement", null=True, blank=True, on_delete=models.PROTECT, related_name="data_access_logs"
    )
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    at = models.DateTimeField()
    rows = models.PositiveIntegerField(default=0)
    via = models.CharField(max_length=10, choices=Via.choices)
    reference = models.CharField(max_length=200, blank=True, help_text="Report number and file, or API path.")

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["customer", "-at"], name="access_log_customer"),
            models.Index(fields=["premise", "-at"], name="access_log_premise"),
            models.Index(fields=["third_party", "-at"], name="access_log_third_party"),
        ]

    def __str__(self):
        return f"{self.third_party} read {self.premise_id} ({self.kind}) at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("The data-access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The data-access log is append-only.")


from .models_smt import (  # noqa: E402,F401  (the SMT v2 API, reports.smt_v2)
    SmtApiSettings,
    SmtApiUser,
    SmtSubscription,
    SmtSubscriptionBackfill,
)
