"""Admin for usage: tariffs and TOU maps, on-demand reads, consumption extract types and requests.
Interval, daily and monthly reads have composite primary keys, which Django's admin cannot address;
staff see them through the usage pages and the API."""

from django.contrib import admin

from .models import ExtractRequest, ExtractType, LoadProfile, OnDemandRead, Tariff, TouMap, TouRule


class TouRuleInline(admin.TabularInline):
    model = TouRule
    extra = 0


@admin.register(TouMap)
class TouMapAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "time_zone", "default_period"]
    search_fields = ["code", "name"]
    inlines = [TouRuleInline]


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    list_display = ["__str__", "premise", "label_partner", "source", "valid_from", "valid_to", "offtake_peak"]
    list_filter = ["source", "label_partner", "currency"]
    search_fields = ["external_id", "name", "premise__esiid"]
    raw_id_fields = ["premise"]
    date_hierarchy = "valid_from"


@admin.register(OnDemandRead)
class OnDemandReadAdmin(admin.ModelAdmin):
    list_display = ["premise", "third_party", "requested_at", "status", "register_kwh", "read_at"]
    list_filter = ["status", "third_party"]
    search_fields = ["premise__esiid", "headend_reference"]
    raw_id_fields = ["premise", "meter", "requested_by"]
    date_hierarchy = "requested_at"


@admin.register(LoadProfile)
class LoadProfileAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(ExtractType)
class ExtractTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "interval_minutes", "tou_map", "frequency", "extract_through", "active"]
    list_filter = ["frequency", "unit", "interval_minutes", "active"]
    search_fields = ["code", "name"]


@admin.register(ExtractRequest)
class ExtractRequestAdmin(admin.ModelAdmin):
    list_display = ["extract_type", "kind", "status", "period_start", "period_end", "rows", "created_at"]
    list_filter = ["kind", "status", "extract_type"]
    search_fields = ["extract_type__code", "file_name", "error"]
    date_hierarchy = "created_at"


@admin.register(TouRule)
class TouRuleAdmin(admin.ModelAdmin):
    list_display = ["tou_map", "position", "period", "weekdays", "months", "start_time", "end_time"]
    list_filter = ["tou_map", "period"]
    search_fields = ["tou_map__code", "period"]


from . import billing_admin  # noqa: E402,F401 - bills, aggregations and certificates register themselves
