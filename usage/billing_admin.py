"""Admin for the bills the utility supplies, aggregations (with whether each meets the privacy
threshold now) and energy attribute certificates. Imported by `usage.admin`."""

from django.contrib import admin

from .models import Aggregation, BillSection, BillStatement, EnergyAttributeCertificate


class BillSectionInline(admin.StackedInline):
    model = BillSection
    extra = 0
    raw_id_fields = ["account", "service_contract"]


@admin.register(BillStatement)
class BillStatementAdmin(admin.ModelAdmin):
    list_display = ["statement_number", "account", "statement_date", "amount_due", "currency", "amount_due_date"]
    search_fields = ["statement_number", "account__account_number"]
    raw_id_fields = ["account"]
    date_hierarchy = "statement_date"
    inlines = [BillSectionInline]


@admin.register(BillSection)
class BillSectionAdmin(admin.ModelAdmin):
    list_display = ["section_number", "account", "service_contract", "start_date", "end_date"]
    search_fields = ["section_number", "account__account_number", "service_contract__contract_number"]
    raw_id_fields = ["statement", "account", "service_contract"]


@admin.register(EnergyAttributeCertificate)
class EnergyAttributeCertificateAdmin(admin.ModelAdmin):
    list_display = ["eac_number", "premise", "period_start", "period_end", "kwh"]
    search_fields = ["eac_number", "premise__esiid"]
    raw_id_fields = ["premise"]


@admin.register(Aggregation)
class AggregationAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "kind", "postal_code", "building_address"]
    list_filter = ["kind"]
    search_fields = ["number", "name", "postal_code", "building_address"]
    raw_id_fields = ["premises"]
