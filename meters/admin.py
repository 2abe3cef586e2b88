"""Admin for premises, meters, occupancies, in-home devices, their events and HAN messages."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone

from agreements import services as agreement_services
from portal.errors import DomainError

from .models import (
    BillingAccount,
    HanDeviceEvent,
    HanMessage,
    InHomeDevice,
    Meter,
    Occupancy,
    Premise,
    Program,
    RatePlan,
    ServiceContract,
)
from .validators import normalize_mac


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit records: visible to staff, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MeterInline(admin.TabularInline):
    model = Meter
    extra = 0
    readonly_fields = ("created_at",)


class OccupancyInline(admin.TabularInline):
    model = Occupancy
    extra = 0
    raw_id_fields = ("customer",)
    readonly_fields = ("created_at",)


@admin.register(Premise)
class PremiseAdmin(admin.ModelAdmin):
    list_display = ("esiid", "service_address", "city", "postal_code", "label_partner", "status")
    list_filter = ("status", "label_partner", "dwelling_type", "heating_type")
    search_fields = ("esiid", "external_id", "service_address", "postal_code", "meters__meter_number")
    readonly_fields = ("created_at", "updated_at")
    list_select_related = ("label_partner",)
    inlines = [MeterInline, OccupancyInline]


@admin.register(Meter)
class MeterAdmin(admin.ModelAdmin):
    list_display = ("meter_number", "commodity", "premise", "installed_on", "removed_on")
    list_filter = ("commodity",)
    search_fields = ("meter_number", "premise__esiid")
    raw_id_fields = ("premise",)
    readonly_fields = ("created_at", "updated_at")
    list_select_related = ("premise",)


@admin.register(Occupancy)
class OccupancyAdmin(admin.ModelAdmin):
    list_display = ("premise", "customer", "account_number", "move_in", "move_out")
    list_filter = (("move_out", admin.EmptyFieldListFilter),)
    search_fields = ("premise__esiid", "customer__email", "account_number")
    raw_id_fields = ("customer", "premise")
    readonly_fields = ("created_at", "updated_at", "move_out", "move_out_reason")
    list_select_related = ("premise", "customer")
    actions = ["move_out_today"]

    @admin.action(description="Move out today (ends agreements and removes devices)")
    def move_out_today(self, request, queryset):
        moved = 0
        for occupancy in queryset.filter(move_out__isnull=True).select_related("premise"):
            try:
                agreement_services.move_out(
                    by=request.user,
                    premise=occupancy.premise,
                    move_out=timezone.localdate(),
                    reason=f"Recorded by {request.user.email} in the admin",
                )
                moved += 1
            except DomainError as error:
                self.message_user(request, f"{occupancy.premise.esiid}: {error.message}", messages.ERROR)
        self.message_user(request, f"{moved} occupancies ended.", messages.SUCCESS)


class HanDeviceEventInline(admin.TabularInline):
    model = HanDeviceEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "status", "third_party", "reason", "reason_text", "detail", "completed_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(InHomeDevice)
class InHomeDeviceAdmin(admin.ModelAdmin):
    list_display = ("mac", "device_type", "description", "premise", "status", "status_changed_at")
    list_filter = ("status", "device_type")
    search_fields = ("mac", "premise__esiid", "description")
    raw_id_fields = ("premise",)
    readonly_fields = ("status", "status_changed_at", "created_at")
    list_select_related = ("premise",)
    inlines = [HanDeviceEventInline]

    def get_search_results(self, request, queryset, search_term):
        """A MAC matches however it is typed (000d6f…, 00-0D-6F-…), as the records keep one form."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            mac = normalize_mac(search_term)
        except ValidationError:
            return results, may_have_duplicates
        return results | queryset.filter(mac=mac), may_have_duplicates


@admin.register(HanDeviceEvent)
class HanDeviceEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "status", "device", "third_party", "reason")
    list_filter = ("action", "status", "reason")
    search_fields = ("device__mac", "device__premise__esiid", "third_party__name")
    list_select_related = ("device", "third_party")
    date_hierarchy = "created_at"


@admin.register(HanMessage)
class HanMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "third_party", "device", "status", "text")
    list_filter = ("status", "third_party")
    search_fields = ("device__mac", "device__premise__esiid", "third_party__name", "text")
    list_select_related = ("device", "third_party")
    date_hierarchy = "created_at"


# --- Billing: accounts, service contracts, rate plans, programs -----------------------------------


@admin.register(RatePlan)
class RatePlanAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "updated_at"]
    search_fields = ["code", "name"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "applies_to", "updated_at"]
    list_filter = ["applies_to"]
    search_fields = ["code", "name"]


class ServiceContractInline(admin.TabularInline):
    model = ServiceContract
    extra = 0
    fields = ["contract_number", "occupancy", "service_type", "rate_plan"]
    raw_id_fields = ["occupancy"]


@admin.register(BillingAccount)
class BillingAccountAdmin(admin.ModelAdmin):
    list_display = ["account_number", "name", "customer", "status", "updated_at"]
    list_filter = ["status"]
    search_fields = ["account_number", "name", "customer__email", "address"]
    raw_id_fields = ["customer", "parent"]
    filter_horizontal = ["programs"]
    inlines = [ServiceContractInline]


@admin.register(ServiceContract)
class ServiceContractAdmin(admin.ModelAdmin):
    list_display = ["contract_number", "account", "occupancy", "service_type", "rate_plan"]
    list_filter = ["service_type", "rate_plan"]
    search_fields = ["contract_number", "account__account_number", "occupancy__premise__esiid"]
    raw_id_fields = ["account", "occupancy"]
    filter_horizontal = ["programs"]
