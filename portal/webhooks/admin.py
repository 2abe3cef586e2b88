"""Admin for webhooks: endpoints (staff may disable one or change its events; secrets never
shown), deliveries and attempts read-only. Imported by portal.admin."""

from django.contrib import admin

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


class LookOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "third_party", "is_active", "consecutive_failures", "last_success_at", "created_at")
    list_filter = ("is_active",)
    list_select_related = ("third_party",)
    search_fields = ("url", "description", "third_party__name")
    raw_id_fields = ("created_by",)
    readonly_fields = (
        "third_party",
        "previous_secret_expires_at",
        "disabled_at",
        "consecutive_failures",
        "failing_since",
        "last_success_at",
        "created_by",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False  # a third party registers its endpoints and gets the secret; staff cannot


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("number", "attempted_at", "status_code", "error", "duration_ms", "response_excerpt")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(LookOnlyAdmin):
    list_display = ("event", "endpoint", "status", "attempts", "last_status_code", "created_at", "next_attempt_at")
    list_filter = ("status", "event")
    list_select_related = ("endpoint",)
    search_fields = ("event", "endpoint__url", "endpoint__third_party__name")
    inlines = [AttemptInline]


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(LookOnlyAdmin):
    list_display = ("delivery", "number", "attempted_at", "status_code", "error", "duration_ms")
    list_select_related = ("delivery__endpoint",)
    search_fields = ("delivery__event", "delivery__endpoint__url", "error")
