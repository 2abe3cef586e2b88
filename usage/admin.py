"""Admin for usage: tariffs and TOU maps, on-demand reads, consumption extract types and requests.
Interval, daily and monthly reads have composite primary keys, which Django's admin cannot address;
staff see them through the usage pages and the API."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import Truncator

from portal.errors import DomainError

from .models import ExtractRequest, ExtractType, LoadProfile, OnDemandRead, Tariff, TouMap, TouRule
from .services import UsageError, extracts
from .services.tariffs import check_tariff
from .tasks import queue_extract


class TouRuleInline(admin.TabularInline):
    model = TouRule
    extra = 0


@admin.register(TouMap)
class TouMapAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "time_zone", "default_period"]
    search_fields = ["code", "name"]
    inlines = [TouRuleInline]


class TariffAdminForm(forms.ModelForm):
    """Staff edits keep the tariff rules (one holder, prices >= 0, no overlap with the holder's others)."""

    # No Meta: the admin builds it (every editable field of Tariff).

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            check_tariff(self.instance)
        except UsageError as error:
            placed = [name for name in error.fields if name in self.fields]
            for name in placed:
                self.add_error(name, error.fields[name])
            if not placed or error.code == "overlap":
                self.add_error(None, error.message)


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    form = TariffAdminForm
    list_display = [
        "__str__",
        "external_id",
        "premise",
        "label_partner",
        "source",
        "currency",
        "offtake_peak",
        "offtake_off_peak",
        "tou_map",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["source", "label_partner", "currency", "tou_map"]
    list_select_related = ["premise", "label_partner", "tou_map"]
    search_fields = ["external_id", "name", "premise__esiid"]
    raw_id_fields = ["premise"]
    date_hierarchy = "valid_from"
    readonly_fields = ["created_at", "updated_at"]


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


class InitialLoadForm(forms.Form):
    """The local days an initial load covers (inclusive); the last one is yesterday at the latest."""

    first_day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("first_day") and cleaned.get("last_day") and cleaned["first_day"] > cleaned["last_day"]:
            self.add_error("last_day", "The last day must not be before the first day.")
        return cleaned


@admin.register(ExtractType)
class ExtractTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "interval_minutes", "tou_map", "load_profile", "frequency",
                    "destination", "extract_through", "corrections_through", "active"]  # fmt: skip
    list_filter = ["frequency", "unit", "interval_minutes", "active"]
    search_fields = ["code", "name"]
    list_select_related = ["tou_map", "load_profile"]
    actions = ["run_initial_load", "run_incremental_now", "run_correction_extract"]

    @admin.action(description="Run initial load (asks the days)")
    def run_initial_load(self, request, queryset):
        yesterday = timezone.localdate() - timedelta(days=1)
        if "apply" in request.POST:
            form = InitialLoadForm(request.POST)
            if form.is_valid():
                for extract_type in queryset:
                    self._queue(request, extract_type, extracts.create_initial_load, **form.cleaned_data)
                return None
        else:
            form = InitialLoadForm(initial={"first_day": yesterday - timedelta(days=29), "last_day": yesterday})
        context = {
            **self.admin_site.each_context(request),
            "title": "Run an initial load",
            "form": form,
            "extract_types": queryset,
            "action": "run_initial_load",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/usage/extracttype/initial_load.html", context)

    @admin.action(description="Run incremental now")
    def run_incremental_now(self, request, queryset):
        for extract_type in queryset:
            self._queue(request, extract_type, extracts.create_incremental, wait=False)

    @admin.action(description="Run historical correction extract")
    def run_correction_extract(self, request, queryset):
        for extract_type in queryset:
            self._queue(request, extract_type, extracts.create_correction, wait=False)

    def _queue(self, request, extract_type, create, **options) -> None:
        try:
            extract_request = create(by=request.user, extract_type=extract_type, **options)
        except DomainError as error:
            self.message_user(request, f"{extract_type.code}: {error.message}", messages.ERROR)
            return
        queue_extract(extract_request)
        self.message_user(
            request, f"{extract_type.code}: {extract_request.get_kind_display()} request queued.", messages.SUCCESS
        )


@admin.register(ExtractRequest)
class ExtractRequestAdmin(admin.ModelAdmin):
    """Requests are made by the extract types' actions, beat and the `extract` command; here they
    are watched (status, rows, file, error) and an errored one is run again."""

    list_display = ["__str__", "kind", "status", "period_start", "period_end", "rows", "file_name", "error_summary",
                    "finished_at"]  # fmt: skip
    list_filter = ["kind", "status", "extract_type"]
    search_fields = ["extract_type__code", "file_name", "error"]
    list_select_related = ["extract_type"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in ExtractRequest._meta.fields]
    actions = ["run_again"]

    @admin.display(description="error")
    def error_summary(self, extract_request):
        return Truncator(extract_request.error).chars(120)

    def has_add_permission(self, request):
        return False

    @admin.action(description="Run again (requests in error)")
    def run_again(self, request, queryset):
        queued = 0
        for extract_request in queryset.filter(status=ExtractRequest.Status.ERROR):
            queue_extract(extracts.retry_request(request=extract_request))
            queued += 1
        self.message_user(request, f"{queued} requests queued again.", messages.SUCCESS)


@admin.register(TouRule)
class TouRuleAdmin(admin.ModelAdmin):
    list_display = ["tou_map", "position", "period", "weekdays", "months", "start_time", "end_time"]
    list_filter = ["tou_map", "period"]
    search_fields = ["tou_map__code", "period"]


from . import billing_admin  # noqa: E402,F401 - bills, aggregations and certificates register themselves
