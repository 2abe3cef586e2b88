"""Admin for accounts: users, label partners, third parties with members and ratings, OAuth clients."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Avg, Count
from oauth2_provider.admin import ApplicationAdmin

from .models import LabelPartner, OAuthClient, ThirdParty, ThirdPartyMembership, ThirdPartyRating, User


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


@admin.register(OAuthClient)
class OAuthClientAdmin(ApplicationAdmin):
    list_display = ("name", "client_id", "third_party", "authorization_grant_type", "allowed_scopes", "created")
    list_filter = ("authorization_grant_type", "client_type", "third_party")
    search_fields = ("name", "client_id", "third_party__name")
    raw_id_fields = ("user",)
    readonly_fields = ("created", "updated")
