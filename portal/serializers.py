"""Serializers of the accounts API: one input and one output serializer per operation, plus the
error shape every endpoint documents."""

from rest_framework import serializers

from .models import LabelPartner, User


def max_length(model, field_name: str) -> int:
    """The column's length, so input is refused by the serializer, not by the database."""
    return model._meta.get_field(field_name).max_length


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable reason, e.g. `invalid`, `premise_occupied`.")
    message = serializers.CharField(help_text="For people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), help_text="Messages per input field."
    )


class ErrorSerializer(serializers.Serializer):
    """Documentation only: the body of every 4xx answer (see portal.api_support)."""

    error = ErrorDetailSerializer()


class LabelPartnerCodeField(serializers.SlugRelatedField):
    """A reference to an existing label partner by its code."""

    default_error_messages = {"does_not_exist": "No label partner has the code “{value}”."}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", LabelPartner.objects.all())
        super().__init__(slug_field="code", **kwargs)


# --- Label partners ------------------------------------------------------------------------------

LABEL_PARTNER_KEY = serializers.SlugField(max_length=max_length(LabelPartner, "code"))


class LabelPartnerUpsertInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=max_length(LabelPartner, "name"))
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        required=False,
        allow_blank=True,
        default="",
        error_messages={"invalid": "Use the two-letter ISO 3166-1 country code, e.g. US."},
        help_text="ISO 3166-1 alpha-2.",
    )

    def validate_country(self, value: str) -> str:
        return value.upper()


class LabelPartnerUpsertOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = LabelPartner
        fields = ["code", "name", "country", "created_at", "updated_at"]


class LabelPartnerDetailOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = LabelPartner
        fields = ["code", "name", "country", "created_at", "updated_at"]


class LabelPartnerListOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = LabelPartner
        fields = ["code", "name", "country"]


# --- Customers -----------------------------------------------------------------------------------

CUSTOMER_KEY = serializers.CharField(max_length=max_length(User, "external_account_id"))


class CustomerUpsertInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=max_length(User, "email"))
    full_name = serializers.CharField(
        max_length=max_length(User, "full_name"), required=False, allow_blank=True, default=""
    )
    label_partner = LabelPartnerCodeField(required=False, allow_null=True, default=None)


class _CustomerOutputSerializer(serializers.ModelSerializer):
    label_partner = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = [
            "external_account_id",
            "email",
            "full_name",
            "label_partner",
            "is_active",
            "date_joined",
            "updated_at",
        ]


class CustomerUpsertOutputSerializer(_CustomerOutputSerializer):
    pass


class CustomerDetailOutputSerializer(_CustomerOutputSerializer):
    pass


class CustomerListOutputSerializer(_CustomerOutputSerializer):
    pass
