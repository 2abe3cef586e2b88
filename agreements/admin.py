"""Admin for invitations, agreements, extension requests and their audit trail. Rows are read
only: every change goes through a service (the actions below), so each one is audited. Direct-access
approvals are the exception: staff make and change them here, through the service, audited too (an
approval is an agreement with no customer: its events and its termination are the agreement's)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets

from portal.models import ThirdParty
from usage.services import aggregations as aggregation_services

from . import services
from .models import (
    AggregationSubGrant,
    Agreement,
    AgreementEvent,
    AgreementInvitation,
    DirectAccessApproval,
    DirectAccessToken,
    ExpirySweep,
    ExtensionRequest,
    GrantCode,
    GrantToken,
    OAuthGrant,
)
from .services import direct_access


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Staff see rows (view permission) and run the actions below, but never edit by hand.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyMixin, admin.TabularInline):
    model = AgreementEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "actor_user", "actor_third_party", "detail")
    readonly_fields = fields
    ordering = ("at", "id")


class InvitationEventInline(EventInline):
    fk_name = "invitation"


class AgreementEventInline(EventInline):
    fk_name = "agreement"


def _run(modeladmin, request, queryset, service, done: str, **arguments):
    succeeded = 0
    for instance in queryset:
        try:
            service(by=request.user, **{modeladmin.subject: instance}, **arguments)
        except services.AgreementError as error:
            modeladmin.message_user(request, f"{instance}: {error.message}", messages.WARNING)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)


@admin.register(AgreementInvitation)
class AgreementInvitationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    subject = "invitation"
    list_display = ("number", "third_party", "agreement_type", "customer", "status", "created_at", "expires_at")
    list_filter = ("status", "agreement_type", "identified_by", "third_party")
    search_fields = ("number", "premises__esiid", "customer__email", "customer_email", "third_party__name")
    list_select_related = ("third_party", "customer")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in AgreementInvitation._meta.fields if field.name != "token"] + ["esiids"]
    exclude = ("token", "premises")
    inlines = [InvitationEventInline]
    actions = ["expire_now", "cancel"]

    @admin.display(description="ESIIDs")
    def esiids(self, invitation):
        return ", ".join(premise.esiid for premise in invitation.premises.all())

    @admin.action(description="Expire now (pending only)")
    def expire_now(self, request, queryset):
        _run(self, request, queryset, services.expire_invitation_now, "invitation(s) expired")

    @admin.action(description="Cancel (pending only)")
    def cancel(self, request, queryset):
        _run(
            self, request, queryset, services.cancel_invitation, "invitation(s) cancelled", reason="Cancelled by staff."
        )


class ExtensionRequestInline(ReadOnlyMixin, admin.TabularInline):
    model = ExtensionRequest
    extra = 0
    can_delete = False
    fields = ("months", "status", "created_at", "expires_at", "resent_at", "answered_at", "rejection_reason")
    readonly_fields = fields


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyMixin, admin.ModelAdmin):
    subject = "agreement"
    list_display = ("number", "third_party", "agreement_type", "whose", "status", "starts_at", "ends_at")
    list_filter = ("status", "agreement_type", "source", "ended_by_role", "third_party")
    search_fields = ("number", "premises__esiid", "customer__email", "third_party__name", "device__mac")
    list_select_related = ("third_party", "customer")
    date_hierarchy = "starts_at"
    readonly_fields = [field.name for field in Agreement._meta.fields] + ["esiids"]
    exclude = ("premises",)
    inlines = [ExtensionRequestInline, AgreementEventInline]
    actions = ["terminate", "expire_now"]

    @admin.display(description="ESIIDs")
    def esiids(self, agreement):
        return ", ".join(premise.esiid for premise in agreement.premises.all())

    @admin.display(description="Customer", ordering="customer__email")
    def whose(self, agreement):
        return agreement.customer_label

    @admin.action(description="Terminate (for the utility)")
    def terminate(self, request, queryset):
        _run(self, request, queryset, services.terminate_agreement, "agreement(s) terminated")

    @admin.action(description="Expire now")
    def expire_now(self, request, queryset):
        _run(self, request, queryset, services.expire_agreement_now, "agreement(s) expired")


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("agreement", "months", "status", "created_at", "expires_at", "resent_at", "answered_at")
    list_filter = ("status",)
    search_fields = ("agreement__number", "agreement__premises__esiid", "agreement__customer__email")
    list_select_related = ("agreement",)
    readonly_fields = [field.name for field in ExtensionRequest._meta.fields]


@admin.register(AgreementEvent)
class AgreementEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("at", "action", "agreement", "invitation", "actor_user", "actor_third_party", "detail")
    list_filter = ("action",)
    search_fields = ("agreement__number", "invitation__number", "detail")
    list_select_related = ("agreement", "invitation", "actor_user", "actor_third_party")
    date_hierarchy = "at"
    readonly_fields = [field.name for field in AgreementEvent._meta.fields]


@admin.register(ExpirySweep)
class ExpirySweepAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Where the expiry sweep stands. Deleting a row makes the next sweep read every due date again
    (as after restoring a database); nothing else here is edited by hand."""

    list_display = ("subject", "swept_through", "after_id", "full_pass_at")
    readonly_fields = ("subject", "swept_through", "after_id", "full_pass_at")

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


# --- OAuth (CDS) grants: read-only; they change through their agreement (terminate above). -------


@admin.register(OAuthGrant)
class OAuthGrantAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("agreement", "client", "scope", "requested_scope", "receipt_confirmation", "created_at")
    search_fields = ("agreement__number", "receipt_confirmation", "client__client_id", "agreement__customer__email")
    list_select_related = ("agreement", "client")
    exclude = ("receipt_token",)
    readonly_fields = [field.name for field in OAuthGrant._meta.fields if field.name != "receipt_token"]


@admin.register(GrantToken)
class GrantTokenAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("grant", "access_token")
    search_fields = ("grant__agreement__number",)
    readonly_fields = ("grant", "access_token")


@admin.register(GrantCode)
class GrantCodeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("grant", "created_at")
    search_fields = ("grant__agreement__number",)
    exclude = ("code_checksum",)
    readonly_fields = ("grant", "created_at")


# --- Direct access: staff approve here (the one editable admin), every change an agreement event. --


AGREEMENT_FIELDS = ("third_party", "starts_at", "ends_at")
APPROVAL_FIELDS = ("client", "scope", "purpose", "coverage", "postal_codes", "aggregation_numbers", "includes")


class DirectAccessApprovalForm(forms.ModelForm):
    """The approval and its agreement's terms in one form: the company (fixed once approved), the
    dates and, for a list coverage, the premises by ESIID."""

    third_party = forms.ModelChoiceField(ThirdParty.objects.order_by("name"))
    starts_at = forms.SplitDateTimeField(widget=widgets.AdminSplitDateTime)
    ends_at = forms.SplitDateTimeField(widget=widgets.AdminSplitDateTime)
    esiids = forms.CharField(
        label="ESIIDs", required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="For a list coverage."
    )

    class Meta:
        model = DirectAccessApproval
        fields = APPROVAL_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agreement = getattr(self.instance, "agreement", None) if self.instance.pk else None
        if agreement is not None:
            for name in AGREEMENT_FIELDS:
                self.initial[name] = getattr(agreement, name)
            self.initial["esiids"] = "\n".join(agreement.premises.order_by("esiid").values_list("esiid", flat=True))
            self.fields["third_party"].disabled = True

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        approval = self.instance
        terms = {name: cleaned.get(name) for name in AGREEMENT_FIELDS}
        if approval.pk is None:
            approval.agreement = direct_access.new_approval(**terms).agreement
        else:
            for name, value in terms.items():
                setattr(approval.agreement, name, value)
        for name in APPROVAL_FIELDS:  # (the admin's form class also lists the read-only fields)
            setattr(approval, name, cleaned.get(name))
        try:
            self.premises = direct_access.premises_by_esiid(cleaned.get("esiids") or "")
            direct_access.check_approval(approval, premise_count=len(self.premises))
        except services.AgreementError as error:
            for field_name, problems in (error.fields or {"__all__": [error.message]}).items():
                self.add_error(field_name if field_name in self.fields else None, problems)
        return cleaned


class SubGrantInline(ReadOnlyMixin, admin.TabularInline):
    model = AggregationSubGrant
    extra = 0
    can_delete = False
    fields = ("aggregation_number", "customer", "status", "created_at", "answered_at")
    readonly_fields = fields


@admin.register(DirectAccessApproval)
class DirectAccessApprovalAdmin(admin.ModelAdmin):
    """Staff approve and change direct access here; its audit trail is its agreement's events, and
    revoking terminates the agreement (also possible from the agreement's own admin)."""

    subject = "approval"
    form = DirectAccessApprovalForm
    fields = (*AGREEMENT_FIELDS, *APPROVAL_FIELDS, "esiids", "agreement", "approved_by", "approved_at")
    list_display = ("agreement", "company", "client", "scope", "coverage", "starts", "ends", "grant_status")
    list_filter = ("agreement__status", "coverage", "agreement__third_party")
    search_fields = ("agreement__number", "agreement__third_party__name", "client__client_id", "purpose")
    list_select_related = ("agreement__third_party", "client")
    readonly_fields = ("agreement", "approved_by", "approved_at")
    inlines = [SubGrantInline]
    actions = ["revoke"]

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit trail and the access log keep their subject

    @admin.display(description="Third party")
    def company(self, approval):
        return approval.agreement.third_party

    @admin.display(description="Starts")
    def starts(self, approval):
        return approval.agreement.starts_at

    @admin.display(description="Ends")
    def ends(self, approval):
        return approval.agreement.ends_at

    @admin.display(description="Grant status")
    def grant_status(self, approval):
        return direct_access.status_of(approval)

    def save_model(self, request, obj, form, change):
        changed = [name for name in form.changed_data if name != "third_party"] if change else ()
        direct_access.save_approval(by=request.user, approval=obj, premises=form.premises, changed=changed)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        asked = aggregation_services.ask_consent_where_needed(form.instance)
        if asked:
            self.message_user(
                request, f"Below the privacy threshold: {asked} customer(s) asked for consent.", messages.INFO
            )

    @admin.action(description="Revoke (terminates the agreement; tokens stop at once)")
    def revoke(self, request, queryset):
        _run(self, request, queryset, direct_access.revoke_approval, "approval(s) revoked", reason="Revoked by staff.")


@admin.register(AggregationSubGrant)
class AggregationSubGrantAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("aggregation_number", "approval", "customer", "status", "created_at", "answered_at")
    list_filter = ("status",)
    search_fields = ("aggregation_number", "approval__agreement__number", "customer__email")
    list_select_related = ("approval__agreement", "approval__client", "customer")
    exclude = ("token", "premises")
    readonly_fields = ("approval", "aggregation_number", "customer", "status", "created_at", "answered_at")


@admin.register(DirectAccessToken)
class DirectAccessTokenAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("access_token", "authorization_details")
    search_fields = ("access_token__application__client_id",)
    readonly_fields = ("access_token", "authorization_details")
