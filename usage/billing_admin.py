"""Admin for the bills the utility supplies, aggregations (with whether each meets the privacy
threshold now) and energy attribute certificates. Imported by `usage.admin`."""

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone

from .models import Aggregation, BillSection, BillStatement, EnergyAttributeCertificate
from .services import aggregations


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
    list_display = ["number", "name", "kind", "postal_code", "building_address", "customers", "threshold"]
    list_filter = ["kind"]
    search_fields = ["number", "name", "postal_code", "building_address"]
    raw_id_fields = ["premises"]
    readonly_fields = ["customers", "threshold"]

    @admin.display(description="customers now")
    def customers(self, aggregation) -> int:
        return aggregations.check_threshold(aggregation).customers

    @admin.display(description="privacy threshold")
    def threshold(self, aggregation) -> str:
        """Whether the group's usage may be served now (customer count; the share rule over the
        last full month of 15-minute reads)."""
        end = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        start = (end - timedelta(days=1)).replace(day=1)
        result = aggregations.check_threshold(aggregation, start=start, end=end)
        return f"{'meets' if result.met else 'below'}: {result.reason}"
