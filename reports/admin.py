"""Admin for reports: requests with their per-ESIID outcome, schedules and their runs, delivery
destinations (the password never shown), and the data-access log (read-only, kept for audit
beyond the 3 months customers see)."""

from django.contrib import admin, messages

from . import services
from .models import DataAccessLog, DeliveryDestination, ReportItem, ReportRequest, ReportSchedule, ReportScheduleRun
from .models_smt import SmtApiSettings, SmtApiUser, SmtSubscription, SmtSubscriptionBackfill


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReportItemInline(ReadOnlyMixin, admin.TabularInline):
    model = ReportItem
    extra = 0
    fields = ("esiid", "line", "status", "reason", "file_name", "rows", "size", "delivered_at")
    readonly_fields = fields
    show_change_link = False


@admin.action(description="Run again (delivers only what is not delivered yet)")
def run_again(modeladmin, request, queryset):
    for report in queryset:
        services.run_report(request_id=report.pk)
    messages.success(request, f"Ran {queryset.count()} report(s).")


@admin.register(ReportRequest)
class ReportRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "third_party",
        "customer",
        "kind",
        "format",
        "status",
        "esiids_done",
        "esiids_total",
        "created_at",
    )
    list_filter = ("status", "kind", "format", "source")
    search_fields = ("number", "third_party__name", "customer__email", "items__esiid")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in ReportRequest._meta.fields]
    inlines = [ReportItemInline]
    actions = [run_again]


class ReportScheduleRunInline(ReadOnlyMixin, admin.TabularInline):
    model = ReportScheduleRun
    extra = 0
    fields = ("period_start", "period_end", "request", "created_at")
    readonly_fields = fields


@admin.register(ReportSchedule)
class ReportScheduleAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("pk", "third_party", "agreement", "kind", "starts_on", "ends_on", "next_run_at", "status")
    list_filter = ("status", "kind")
    search_fields = ("third_party__name", "agreement__number", "premises__esiid")
    readonly_fields = [field.name for field in ReportSchedule._meta.fields]
    inlines = [ReportScheduleRunInline]


@admin.register(DeliveryDestination)
class DeliveryDestinationAdmin(admin.ModelAdmin):
    """Staff may set up named destinations (object storage for extracts); a third party's own
    FTPS/SFTP settings and PGP key are its admins' to edit in the portal (where the key is read
    and checked), the password and SFTP login key always encrypted."""

    list_display = ("__str__", "backend", "last_tested_at", "last_test_ok")
    list_filter = ("backend",)
    search_fields = ("third_party__name", "name", "host")
    exclude = ("password_encrypted",)
    readonly_fields = (
        *("pgp_public_key", "pgp_fingerprint", "pgp_expires_at"),
        *("last_tested_at", "last_test_ok", "last_test_message", "updated_by", "created_at", "updated_at"),
    )


@admin.register(DataAccessLog)
class DataAccessLogAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("at", "third_party", "premise", "customer", "kind", "rows", "via", "reference")
    list_filter = ("via", "kind")
    search_fields = ("third_party__name", "premise__esiid", "customer__email", "reference", "agreement__number")
    date_hierarchy = "at"
    list_select_related = ("third_party", "premise", "customer")
    readonly_fields = [field.name for field in DataAccessLog._meta.fields]


@admin.register(ReportItem)
class ReportItemAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("request", "esiid", "status", "reason_code", "file_name", "rows", "delivered_at")
    list_filter = ("status", "reason_code")
    search_fields = ("esiid", "request__number", "file_name")
    list_select_related = ("request",)
    readonly_fields = [field.name for field in ReportItem._meta.fields]


@admin.register(ReportScheduleRun)
class ReportScheduleRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("schedule", "period_start", "period_end", "request", "created_at")
    search_fields = ("request__number", "schedule__third_party__name")
    list_select_related = ("schedule", "request")
    readonly_fields = [field.name for field in ReportScheduleRun._meta.fields]


@admin.register(SmtApiSettings)
class SmtApiSettingsAdmin(admin.ModelAdmin):
    list_display = ["third_party", "service_id", "duns", "updated_at"]
    search_fields = ["third_party__name", "service_id", "duns"]


@admin.register(SmtApiUser)
class SmtApiUserAdmin(admin.ModelAdmin):
    list_display = ["user", "third_party", "created_by", "created_at"]
    list_filter = ["third_party"]
    search_fields = ["user__email", "third_party__name"]
    raw_id_fields = ["user", "created_by"]
    readonly_fields = ["created_at"]


@admin.register(SmtSubscription)
class SmtSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["number", "third_party", "data_type", "report_format", "delivery_mode", "status", "created_at"]
    list_filter = ["status", "data_type", "third_party"]
    search_fields = ["number", "third_party__name"]
    readonly_fields = ["number", "created_at", "cancelled_at"]
    raw_id_fields = ["backfill"]
    filter_horizontal = ["schedules"]


@admin.register(SmtSubscriptionBackfill)
class SmtSubscriptionBackfillAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The history given to each agreement that joined a subscription later (the beat records it)."""

    list_display = ["subscription", "agreement", "request", "created_at"]
    list_filter = ["subscription__third_party"]
    search_fields = ["subscription__number", "agreement__number"]
