"""Portal forms for in-home (HAN) devices. They parse input; the rules are the services'."""

from datetime import datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import HanDeviceEvent, HanMessage, InHomeDevice, RemovalReason
from .validators import normalize_mac

# A third party picks one of these; a move-out is recorded by the utility, not chosen.
REMOVAL_REASONS = [choice for choice in RemovalReason.choices if choice[0] != RemovalReason.MOVE_OUT]


class DeviceAddForm(forms.Form):
    premise = forms.ModelChoiceField(queryset=None, label="Premise (ESIID)", empty_label=None)
    mac = forms.CharField(
        max_length=30, label="MAC address (EUI-64)", help_text="16 hex digits, on the device's label."
    )
    install_code = forms.CharField(max_length=50, label="Install code", help_text="Printed next to the MAC.")
    device_type = forms.ChoiceField(choices=InHomeDevice.DeviceType.choices, label="Type of device")
    description = forms.CharField(max_length=200, required=False, label="Description", help_text="e.g. Kitchen display")

    def __init__(self, *args, premises, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["premise"].queryset = premises
        self.fields["premise"].label_from_instance = lambda premise: f"{premise.esiid} — {premise.service_address}"


class CustomerRemoveForm(forms.Form):
    """Asked only when an In-Home Device agreement covers the device."""

    keep_device_agreement = forms.TypedChoiceField(
        choices=[("yes", "Yes, keep it active"), ("no", "No, end it too")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        label="Should the In-Home Device agreement for this device stay active?",
    )


class ThirdPartyRemoveForm(forms.Form):
    reason = forms.ChoiceField(choices=[("", "— choose —"), *REMOVAL_REASONS], label="Reason")
    reason_text = forms.CharField(
        max_length=300, required=False, label="Details", help_text="Required when the reason is “Other”."
    )


class MessageForm(forms.Form):
    text = forms.CharField(
        max_length=160,
        label="Message",
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 160}),
        help_text="Up to 160 characters, shown on the device.",
    )


class _PeriodFilterForm(forms.Form):
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    mac = forms.CharField(required=False, max_length=30, label="Device MAC")

    def clean_mac(self):
        value = self.cleaned_data["mac"].strip()
        if not value:
            return ""
        try:
            return normalize_mac(value)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error

    def filters(self) -> dict:
        """The selector's keyword filters: local days to instants, `until` inclusive."""
        if not self.is_valid():
            return {}
        data, zone = self.cleaned_data, timezone.get_current_timezone()
        filters = {key: value for key, value in data.items() if value and key not in ("since", "until")}
        if data.get("since"):
            filters["since"] = datetime.combine(data["since"], time.min, tzinfo=zone)
        if data.get("until"):
            filters["until"] = datetime.combine(data["until"] + timedelta(days=1), time.min, tzinfo=zone)
        return filters


class HistoryFilterForm(_PeriodFilterForm):
    action = forms.ChoiceField(required=False, choices=[("", "Any"), *HanDeviceEvent.Action.choices], label="Request")
    status = forms.ChoiceField(required=False, choices=[("", "Any"), *HanDeviceEvent.Status.choices], label="Outcome")


class MessageFilterForm(_PeriodFilterForm):
    status = forms.ChoiceField(required=False, choices=[("", "Any"), *HanMessage.Status.choices], label="Status")
