"""Forms of the account pages: login (behind the brute-force lock), registration, password reset
(mailed through Celery), rating."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from . import login_lock
from .models import User
from .notifications import send_templated_email


class LockingAuthenticationForm(AuthenticationForm):
    """Django's login form, counting failures with `login_lock` and refusing while locked."""

    def clean(self):
        email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if email is not None and password:
            try:
                self.user_cache = login_lock.check_password_login(self.request, email=email, password=password)
            except login_lock.LoginLocked as error:
                raise forms.ValidationError(error.message, code="locked") from None
            except login_lock.InvalidCredentials:
                raise self.get_invalid_login_error() from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class RegistrationForm(forms.Form):
    """Checks the input only; whether the address is known is never said here (see
    services.register_customer)."""

    full_name = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label="E-mail address", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords differ.")
        elif password1:
            # An unsaved user lets the similarity validator compare with the name and address.
            candidate = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, user=candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class CeleryPasswordResetForm(PasswordResetForm):
    """Django's reset form, mailing through our templates and the Celery e-mail task."""

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        send_templated_email(
            to=to_email,
            template="portal/email/password_reset",
            context={"user": context["user"], "uid": context["uid"], "token": context["token"]},
        )


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(
        choices=[(stars, f"{stars} star{'s' if stars > 1 else ''}") for stars in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        label="Your rating",
    )
    comment = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4}), label="Comment (optional)"
    )
