"""The endpoint form of the webhook pages; the service checks the URL and events again."""

from django import forms

from .events import SUBSCRIBABLE


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text="Your receiver's https:// address. MeterGate POSTs JSON there, signed with the secret.",
    )
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(
        choices=[(event.value, event.label) for event in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
        help_text="The events sent to this endpoint.",
    )


class ConfirmForm(forms.Form):
    """A POST with nothing to say but yes (and its CSRF token)."""
