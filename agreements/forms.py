"""Portal forms of the consent workflow. They parse input; the rules are the services'."""

from django import forms

from meters.models import InHomeDevice
from portal.errors import DomainError

from .models import ONE_TIME_KINDS, AgreementType, DurationKind


class InvitationForm(forms.Form):
    agreement_type = forms.ChoiceField(choices=AgreementType.choices, label="Agreement type")
    esiids = forms.CharField(
        label="ESIIDs",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or more ESIIDs of the customer, separated by spaces, commas or new lines.",
    )
    authorization_code = forms.CharField(
        required=False, max_length=64, label="Account authorization code", help_text="Or give the e-mail below."
    )
    customer_email = forms.EmailField(required=False, label="Customer's e-mail address")
    duration_kind = forms.ChoiceField(
        required=False, choices=[("", "—"), *DurationKind.choices], label="Duration (Energy Data)"
    )
    one_time_kind = forms.ChoiceField(
        required=False,
        choices=[("", "—"), *((kind.value, kind.label) for kind in ONE_TIME_KINDS)],
        label="One-time access to",
    )
    months = forms.IntegerField(required=False, min_value=1, max_value=12, label="Continuous access for (months)")
    device_mac = forms.CharField(required=False, max_length=23, label="Device MAC (EUI-64)")
    device_install_code = forms.CharField(required=False, max_length=40, label="Device install code")
    device_type = forms.ChoiceField(
        required=False, choices=[("", "—"), *InHomeDevice.DeviceType.choices], label="Device type"
    )
    device_description = forms.CharField(required=False, max_length=200, label="Device description")


class ReasonForm(forms.Form):
    reason = forms.CharField(
        required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}), label="Reason (optional)"
    )


class MonthsForm(forms.Form):
    months = forms.IntegerField(min_value=1, max_value=12, label="Months", initial=1)


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: on its fields when it names them, else on top."""
    placed = False
    for field, messages in error.fields.items():
        if field in form.fields:
            form.add_error(field, messages)
            placed = True
    if not placed:
        form.add_error(None, error.message)
