"""Forms of the registration page and the client management pages."""

from django import forms

from . import scopes

REGISTRABLE = [scope for scope in scopes.CATALOGUE if scope.group in (scopes.CONSENT, scopes.DIRECT, scopes.MACHINE)]


class HumanRegistrationForm(forms.Form):
    """Register a client set by hand. A logged-in third-party admin registers for their company;
    anybody else describes the company and answers the captcha."""

    client_name = forms.CharField(
        label="Application name", max_length=255, help_text="Customers see it on the consent form."
    )
    scopes = forms.MultipleChoiceField(
        label="What the application needs",
        choices=[(scope.id, f"{scope.name} ({scope.id}): {scope.description}") for scope in REGISTRABLE],
        widget=forms.CheckboxSelectMultiple,
        help_text="Client admin (cds_client_admin) is always included.",
    )
    contact_email = forms.EmailField(label="Contact e-mail")
    company_name = forms.CharField(max_length=200, required=False)
    company_registration_number = forms.CharField(max_length=64, required=False)
    website = forms.URLField(required=False, assume_scheme="https")
    privacy_policy_url = forms.URLField(label="Privacy-policy URL", required=False, assume_scheme="https")
    captcha_answer = forms.CharField(label="Captcha", max_length=4, required=False)
    captcha_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, company=None, captcha_question="", **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        if company is not None:
            for name in ("company_name", "company_registration_number", "website", "privacy_policy_url"):
                del self.fields[name]
            del self.fields["captcha_answer"], self.fields["captcha_token"]
            self.fields["contact_email"].initial = company.contact_email
        else:
            self.fields["company_name"].required = True
            self.fields["captcha_answer"].required = True
            self.fields["captcha_answer"].label = captcha_question or "Captcha"

    def submitted(self) -> dict:
        """The cds_* registration fields, as a dynamic registration would send them."""
        data = self.cleaned_data
        submitted = {"client_name": data["client_name"], "contacts": [data["contact_email"]]}
        if self.company is None:
            submitted.update(
                {
                    "cds_company_name": data["company_name"],
                    "cds_contact_email": data["contact_email"],
                    "cds_company_registration_number": data["company_registration_number"] or None,
                    "cds_website": data["website"] or None,
                }
            )
            if data["privacy_policy_url"]:
                submitted["cds_privacy_policy_url"] = data["privacy_policy_url"]
        return submitted

    def scope_text(self) -> str:
        return " ".join([scopes.CLIENT_ADMIN, *self.cleaned_data["scopes"]])


class ClientSettingsForm(forms.Form):
    client_name = forms.CharField(max_length=255)
    redirect_uris = forms.CharField(
        label="Redirect URIs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line; https only (loopback http while developing).",
    )
    client_uri = forms.URLField(label="Application website", required=False, assume_scheme="https")
    status = forms.ChoiceField()

    def __init__(self, *args, status_choices=(), code=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(value, value.title()) for value in status_choices]
        if not code:
            del self.fields["redirect_uris"]

    def as_object(self, current: dict) -> dict:
        """The PUT body: the current object with the form's changes."""
        data = self.cleaned_data
        changed = {
            key: value
            for key, value in current.items()
            if key.startswith("cds_default_")
            or key
            in (
                "scope",
                "contacts",
                "logo_uri",
                "tos_uri",
                "policy_uri",
                "cds_purposes",
            )
        }
        changed.update(
            {
                "client_name": data["client_name"],
                "client_uri": data["client_uri"] or None,
                "cds_status": data["status"],
            }
        )
        if "redirect_uris" in data:
            changed["redirect_uris"] = data["redirect_uris"].split()
            if current.get("cds_default_redirect_uri") not in changed["redirect_uris"]:
                changed["cds_default_redirect_uri"] = None
        return changed


class MessageForm(forms.Form):
    type = forms.ChoiceField(
        choices=[("private_message", "Message to MeterGate"), ("support_request", "Support request")]
    )
    name = forms.CharField(label="Subject", max_length=500)
    description = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 5}), max_length=20000)


class ExpireCredentialForm(forms.Form):
    confirm = forms.BooleanField(label="Yes, stop this secret and revoke its tokens now")
