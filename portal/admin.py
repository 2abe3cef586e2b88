"""Admin for accounts: users, label partners, third parties with members and ratings, OAuth clients."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Avg, Count
from oauth2_provider.admin import ApplicationAdmin

from .cds import clients as cds_clients
from .cds import credentials as cds_credentials
from .cds.errors import CdsError
from .cds.models import (
    AuthorizationCodeUse,
    ClientMessage,
    ClientRegistration,
    Credential,
    CredentialToken,
    PushedAuthorizationRequest,
    TestAccount,
)
from .models import LabelPartner, OAuthClient, ThirdParty, ThirdPartyMembership, ThirdPartyRating, User
from .webhooks import admin as webhooks_admin  # noqa: F401 - registers the webhook models


class MembershipInline(admin.TabularInline):
    model = ThirdPartyMembership
    extra = 0
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "role_display", "external_account_id", "label_partner", "is_active")
    list_filter = ("is_staff", "is_active", "label_partner", "third_party_membership__third_party")
    search_fields = ("email", "full_name", "external_account_id")
    readonly_fields = ("date_joined", "updated_at", "last_login")
    list_select_related = ("label_partner", "third_party_membership")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Customer", {"fields": ("full_name", "external_account_id", "label_partner")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Audit", {"fields": ("last_login", "date_joined", "updated_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)

    @admin.display(description="role")
    def role_display(self, user):
        return User.Role(user.role).label


@admin.register(LabelPartner)
class LabelPartnerAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "country", "created_at")
    search_fields = ("code", "name")
    list_filter = ("country",)
    readonly_fields = ("created_at", "updated_at")


@admin.register(ThirdParty)
class ThirdPartyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "registration_number",
        "contact_email",
        "privacy_seal_attested",
        "is_active",
        "average_rating",
        "rating_count",
    )
    list_filter = ("is_active", "privacy_seal_attested", "label_partners")
    search_fields = ("name", "registration_number", "contact_email", "memberships__user__email")
    readonly_fields = ("created_at", "updated_at")
    filter_horizontal = ("label_partners",)
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_average=Avg("ratings__stars"), _count=Count("ratings", distinct=True))
        )

    @admin.display(description="average rating", ordering="_average")
    def average_rating(self, third_party):
        return f"{third_party._average:.1f}" if third_party._average is not None else "—"

    @admin.display(description="ratings", ordering="_count")
    def rating_count(self, third_party):
        return third_party._count


@admin.register(ThirdPartyMembership)
class ThirdPartyMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "third_party", "role", "created_at")
    list_filter = ("role", "third_party")
    search_fields = ("user__email", "third_party__name")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)


@admin.register(ThirdPartyRating)
class ThirdPartyRatingAdmin(admin.ModelAdmin):
    list_display = ("third_party", "customer", "stars", "updated_at")
    list_filter = ("stars", "third_party")
    search_fields = ("third_party__name", "customer__email")
    raw_id_fields = ("customer",)
    readonly_fields = ("created_at", "updated_at")


admin.site.unregister(OAuthClient)


class CredentialInline(admin.TabularInline):
    model = Credential
    extra = 0
    can_delete = False
    fields = ("credential_id", "secret_hint", "created_at", "expires_at", "revoked_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OAuthClient)
class OAuthClientAdmin(ApplicationAdmin):
    list_display = (
        "name",
        "client_id",
        "third_party",
        "authorization_grant_type",
        "allowed_scopes",
        "cds_status",
        "environment",
        "created",
    )
    list_filter = ("cds_status", "environment", "authorization_grant_type", "client_type", "third_party")
    search_fields = ("name", "client_id", "third_party__name")
    raw_id_fields = ("user", "registration", "production_of")
    readonly_fields = ("created", "updated", "cds_modified", "disabled_at")
    inlines = [CredentialInline]


# --- CDS: registrations, messages (production requests reach staff here), credentials, test accounts


class RegistrationClientInline(admin.TabularInline):
    model = OAuthClient
    fk_name = "registration"
    extra = 0
    can_delete = False
    fields = ("client_id", "name", "allowed_scopes", "environment", "cds_status")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ClientRegistration)
class ClientRegistrationAdmin(admin.ModelAdmin):
    list_display = ("client_name", "third_party", "source", "created_at")
    list_filter = ("source",)
    search_fields = ("client_name", "third_party__name")
    readonly_fields = ("third_party", "source", "created_by", "client_name", "fields", "created_at")
    inlines = [RegistrationClientInline]


@admin.register(ClientMessage)
class ClientMessageAdmin(admin.ModelAdmin):
    """Staff read the registrations' messages here and answer production requests and scope
    changes with the actions; a private reply is a new message with `previous` set."""

    list_display = ("created_at", "type", "status", "registration", "name", "creator", "read")
    list_filter = ("type", "status", "read")
    search_fields = ("message_id", "name", "description", "registration__client_name")
    raw_id_fields = ("registration", "previous", "related_client", "created_by")
    readonly_fields = ("message_id", "creator", "created_at", "updated_at")
    actions = ["approve_production_requests", "approve_field_changes", "reject_requests"]

    def _site(self, request) -> str:
        return request.build_absolute_uri("/").rstrip("/")

    def _each(self, request, queryset, handle, done: str):
        count = 0
        for message in queryset:
            try:
                handle(message)
            except CdsError as error:
                self.message_user(request, f"{message}: {error.message}", level="error")
            else:
                count += 1
        if count:
            self.message_user(request, f"{count} {done}.")

    @admin.action(description="Approve production access (creates the production clients)")
    def approve_production_requests(self, request, queryset):
        site = self._site(request)
        self._each(
            request,
            queryset,
            lambda message: cds_clients.approve_production_request(by=request.user, message=message, site=site),
            "production request(s) approved",
        )

    @admin.action(description="Approve the requested scope changes")
    def approve_field_changes(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda message: cds_clients.approve_field_changes(by=request.user, message=message),
            "field change(s) approved",
        )

    @admin.action(description="Reject the selected requests")
    def reject_requests(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda message: cds_clients.reject_request(
                by=request.user, message=message, reason="Rejected after review by MeterGate staff."
            ),
            "request(s) rejected",
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = ("credential_id", "client", "secret_hint", "created_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("credential_id", "client__client_id", "client__name")
    readonly_fields = ("credential_id", "client", "secret_hint", "created_at", "updated_at", "revoked_at")
    exclude = ("secret_checksum", "pending_secret")
    actions = ["expire_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Expire now (revokes the secret and its tokens)")
    def expire_now(self, request, queryset):
        for credential in queryset.filter(revoked_at__isnull=True):
            cds_credentials.revoke(credential=credential)
        self.message_user(request, "Credentials expired.")


@admin.register(TestAccount)
class TestAccountAdmin(admin.ModelAdmin):
    list_display = ("customer", "note", "created_at")
    search_fields = ("customer__email",)
    raw_id_fields = ("customer",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """OAuth bookkeeping staff may look at but never edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PushedAuthorizationRequest)
class PushedAuthorizationRequestAdmin(ReadOnlyAdmin):
    list_display = ("client", "created_at", "expires_at", "used_at")
    search_fields = ("client__client_id", "client__name")
    exclude = ("reference",)


@admin.register(AuthorizationCodeUse)
class AuthorizationCodeUseAdmin(ReadOnlyAdmin):
    list_display = ("client", "used_at")
    search_fields = ("client__client_id",)
    exclude = ("code_checksum", "access_token_checksum")


@admin.register(CredentialToken)
class CredentialTokenAdmin(ReadOnlyAdmin):
    list_display = ("credential", "access_token")
    search_fields = ("credential__credential_id",)
