"""The form of "my energy contract": a customer's own tariff of a premise they live at."""

from datetime import time
from decimal import Decimal

from django import forms

from .models import TouMap

NO_PEAK = "none"
PEAK_HOURS = "hours"
MAP_PREFIX = "map:"
PRICE = {"max_digits": 10, "decimal_places": 5, "min_value": Decimal(0)}
# The form's fields that are the tariff's own, in the order shown.
TARIFF_FIELDS = (
    "name",
    "valid_from",
    "valid_to",
    "currency",
    "offtake_peak",
    "offtake_off_peak",
    "injection_peak",
    "injection_off_peak",
)
HOURS = [(time(hour), f"{hour:02d}:00") for hour in range(24)]


class EnergyContractForm(forms.Form):
    name = forms.CharField(required=False, max_length=100, help_text="For example your supplier and plan.")
    valid_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(
        label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Empty: no end yet."
    )
    currency = forms.CharField(initial="USD", min_length=3, max_length=3)
    offtake_peak = forms.DecimalField(label="Price per kWh you use, peak", **PRICE)
    offtake_off_peak = forms.DecimalField(label="Price per kWh you use, off-peak", **PRICE)
    injection_peak = forms.DecimalField(
        label="Credit per kWh you put back (solar), peak", initial=Decimal(0), required=False, **PRICE
    )
    injection_off_peak = forms.DecimalField(
        label="Credit per kWh you put back (solar), off-peak", initial=Decimal(0), required=False, **PRICE
    )
    peak_choice = forms.ChoiceField(label="Peak hours", widget=forms.RadioSelect)
    peak_start = forms.TypedChoiceField(label="Peak starts", choices=HOURS, required=False, initial=time(14))
    peak_end = forms.TypedChoiceField(
        label="Peak ends", choices=[*HOURS[1:], (time(0), "24:00")], required=False, initial=time(20)
    )
    peak_weekdays_only = forms.BooleanField(label="Only Monday to Friday", required=False, initial=True)

    field_order = [*TARIFF_FIELDS, "peak_choice", "peak_start", "peak_end", "peak_weekdays_only"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        maps = [(f"{MAP_PREFIX}{tou_map.code}", f"As {tou_map.name}") for tou_map in TouMap.objects.order_by("name")]
        self.fields["peak_choice"].choices = [
            (NO_PEAK, "No peak hours: one price all day"),
            *maps,
            (PEAK_HOURS, "My own peak hours (below)"),
        ]
        self.fields["peak_choice"].initial = NO_PEAK
        for name in ("peak_start", "peak_end"):
            self.fields[name].coerce = time.fromisoformat

    def clean_currency(self):
        return self.cleaned_data["currency"].upper()

    def clean(self):
        cleaned = super().clean()
        for name in ("injection_peak", "injection_off_peak"):
            if cleaned.get(name) is None:
                cleaned[name] = Decimal(0)
        if cleaned.get("peak_choice") == PEAK_HOURS:
            start, end = cleaned.get("peak_start"), cleaned.get("peak_end")
            if start is None or end is None:
                self.add_error("peak_start", "Choose when peak hours start and end.")
            elif end != time(0) and end <= start:
                self.add_error("peak_end", "Peak hours end after they start.")
        return cleaned

    def tariff_fields(self) -> dict:
        """The tariff service's fields, except the TOU map (the view resolves the peak choice)."""
        return {name: self.cleaned_data[name] for name in TARIFF_FIELDS}


class EndContractForm(forms.Form):
    valid_to = forms.DateField(label="Last day", widget=forms.DateInput(attrs={"type": "date"}))


def initial_from_tariff(tariff) -> dict:
    initial = {name: getattr(tariff, name) for name in TARIFF_FIELDS}
    initial["peak_choice"] = f"{MAP_PREFIX}{tariff.tou_map.code}" if tariff.tou_map else NO_PEAK
    return initial
