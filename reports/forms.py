"""Portal forms of reports. They parse input; the rules are the services'."""

import io

from django import forms

from agreements.models import DataKind

from .models import DeliveryDestination, ReportFormat, ReportSchedule

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
DATE = forms.DateInput(attrs={"type": "date"})


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(choices=DataKind.choices, label="Report")
    format = forms.ChoiceField(choices=ReportFormat.choices, initial=ReportFormat.TEXAS_CSV)
    start_date = forms.DateField(widget=DATE, label="From", help_text="At most 12 months back.")
    end_date = forms.DateField(widget=DATE, label="To (inclusive)")
    esiids = forms.CharField(
        required=False,
        label="ESIIDs",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Separated by spaces, commas or new lines. Or upload a file below.",
    )
    esiid_file = forms.FileField(
        required=False,
        label="File of ESIIDs",
        help_text="A text or CSV file, one ESIID a line. One report file per ESIID.",
    )

    def clean_esiid_file(self):
        upload = self.cleaned_data.get("esiid_file")
        if upload and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 2 MB.")
        return upload

    def clean(self):
        data = super().clean()
        if not data.get("esiids", "").strip() and not data.get("esiid_file"):
            raise forms.ValidationError("Type ESIIDs or upload a file of ESIIDs.")
        return data

    def esiid_lines(self):
        upload = self.cleaned_data.get("esiid_file")
        if not upload:
            return None
        return io.TextIOWrapper(upload.file, encoding="utf-8-sig", errors="replace")


class ScheduleForm(forms.Form):
    agreement = forms.ChoiceField(label="Agreement")
    kind = forms.ChoiceField(choices=[(kind.value, kind.label) for kind in ReportSchedule.KINDS], label="Export")
    format = forms.ChoiceField(choices=ReportFormat.choices, initial=ReportFormat.TEXAS_CSV)
    esiids = forms.CharField(
        required=False,
        label="ESIIDs",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Leave empty for every ESIID of the agreement.",
    )
    starts_on = forms.DateField(required=False, widget=DATE, help_text="Today when empty.")
    ends_on = forms.DateField(
        required=False, widget=DATE, help_text="The agreement's last day when empty (never later)."
    )

    def __init__(self, *args, agreements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.agreements = {str(agreement.pk): agreement for agreement in agreements}
        self.fields["agreement"].choices = [
            (str(agreement.pk), f"{agreement.number} (until {agreement.ends_at:%Y-%m-%d})") for agreement in agreements
        ]

    def clean_agreement(self):
        return self.agreements[self.cleaned_data["agreement"]]


class DeliverySettingsForm(forms.Form):
    backend = forms.ChoiceField(
        choices=[
            (DeliveryDestination.Backend.SFTP, "SFTP (SSH key login)"),
            (DeliveryDestination.Backend.FTPS, "FTPS (explicit TLS)"),
            (DeliveryDestination.Backend.FOLDER, "MeterGate's local folder"),
        ]
    )
    host = forms.CharField(required=False, max_length=255)
    port = forms.IntegerField(min_value=1, max_value=65535, initial=21, help_text="22 for SFTP, 21 for FTPS.")
    username = forms.CharField(required=False, max_length=150, label="User name")
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted and never shown again; leave empty to keep the stored one.",
    )
    folder = forms.CharField(required=False, max_length=500)
    host_key = forms.CharField(
        required=False,
        label="SFTP server's host key",
        widget=forms.Textarea(attrs={"rows": 2, "class": "mono"}),
        help_text="Pinned: MeterGate delivers only to the server presenting this key "
        "(a line of `ssh-keyscan -t ed25519 HOST`, e.g. 'ssh-ed25519 AAAAC3...').",
    )
    private_key = forms.CharField(
        required=False,
        label="SFTP login key (optional)",
        widget=forms.Textarea(attrs={"rows": 3, "class": "mono", "autocomplete": "off"}),
        help_text="Leave empty and MeterGate makes its own key and shows you its public half. "
        "A key pasted here (OpenSSH or PEM, without passphrase) is stored encrypted and never shown again.",
    )
    pgp_public_key = forms.CharField(
        required=False,
        label="PGP public key",
        widget=forms.Textarea(attrs={"rows": 4, "class": "mono"}),
        help_text="With a key, every file goes the Smart Meter Texas way: a ZIP encrypted to this key, "
        "ASCII-armored ('.asc'). Paste the armored export; leave empty to keep the stored key.",
    )
    remove_pgp_key = forms.BooleanField(required=False, label="Stop encrypting (remove the stored PGP key)")
