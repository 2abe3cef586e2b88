"""OpenAPI descriptions of the registration and client admin APIs. The objects themselves are built
in `representations` (their shape is the spec's); these serializers describe them for
/api/schema/, and the Schemathesis test keeps both in step."""

from rest_framework import serializers

STATUSES = ["production", "sandbox", "disabled"]


class AdminErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class AdminErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer of the client admin APIs (see portal.api_support)."""

    error = AdminErrorDetailSerializer()


class OAuthErrorSerializer(serializers.Serializer):
    """RFC 7591 §3.2.2: the registration endpoint answers errors the OAuth way."""

    error = serializers.CharField()
    error_description = serializers.CharField()


class PurposeSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    content = serializers.CharField()
    related_uri = serializers.URLField(allow_null=True, required=False)
    related_name = serializers.CharField(required=False, allow_blank=True)
    scopes_supported = serializers.ListField(child=serializers.CharField(), required=False)


class ClientSerializer(serializers.Serializer):
    client_id = serializers.CharField()
    client_id_issued_at = serializers.IntegerField()
    scope = serializers.CharField(allow_blank=True)
    redirect_uris = serializers.ListField(child=serializers.CharField())
    token_endpoint_auth_method = serializers.CharField(allow_null=True)
    grant_types = serializers.ListField(child=serializers.CharField())
    response_types = serializers.ListField(child=serializers.CharField())
    client_name = serializers.CharField()
    contacts = serializers.ListField(child=serializers.CharField())
    client_uri = serializers.CharField(allow_null=True)
    logo_uri = serializers.CharField(allow_null=True)
    tos_uri = serializers.CharField(allow_null=True)
    policy_uri = serializers.CharField(allow_null=True)
    authorization_details_types = serializers.ListField(child=serializers.CharField())
    cds_created = serializers.DateTimeField()
    cds_modified = serializers.DateTimeField()
    cds_client_uri = serializers.URLField()
    cds_status = serializers.ChoiceField(choices=STATUSES)
    cds_status_options = serializers.ListField(child=serializers.ChoiceField(choices=STATUSES))
    cds_server_metadata = serializers.URLField()
    cds_purposes = serializers.DictField(child=PurposeSerializer(), help_text="Extension: the client's purposes.")
    cds_default_scope = serializers.CharField(required=False, allow_blank=True)
    cds_default_redirect_uri = serializers.CharField(required=False, allow_blank=True)
    cds_default_authorization_details = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="Only on clients with response types."
    )


class RegistrationResponseSerializer(ClientSerializer):
    client_secret = serializers.CharField(help_text="Shown this once; MeterGate keeps only its hash.")


class RegistrationRequestSerializer(serializers.Serializer):
    """RFC 7591 client metadata; `redirect_uris` is ignored (WG1-02 §4.1). Registration fields go
    under their `cds_*` names (see `cds_registration_fields` in the server metadata)."""

    scope = serializers.CharField(help_text="Space-separated; must include cds_client_admin.")
    client_name = serializers.CharField(required=False, max_length=255)
    contacts = serializers.ListField(child=serializers.EmailField(), required=False)
    redirect_uris = serializers.ListField(child=serializers.CharField(), required=False, help_text="Ignored.")
    cds_company_name = serializers.CharField(required=False, max_length=200)
    cds_contact_email = serializers.EmailField(required=False)
    cds_privacy_policy_url = serializers.URLField(required=False)
    cds_company_registration_number = serializers.CharField(required=False, allow_null=True, max_length=64)
    cds_website = serializers.URLField(required=False, allow_null=True)


class ClientListSerializer(serializers.Serializer):
    clients = ClientSerializer(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class ClientUpdateSerializer(serializers.Serializer):
    """The whole client object (RFC 7592 §2.2): fields left out return to their defaults;
    fields MeterGate sets must be left out or unchanged."""

    scope = serializers.CharField(required=False)
    redirect_uris = serializers.ListField(child=serializers.CharField(), required=False)
    client_name = serializers.CharField(required=False)
    client_uri = serializers.CharField(required=False, allow_null=True)
    logo_uri = serializers.CharField(required=False, allow_null=True)
    tos_uri = serializers.CharField(required=False, allow_null=True)
    policy_uri = serializers.CharField(required=False, allow_null=True)
    contacts = serializers.ListField(child=serializers.CharField(), required=False)
    cds_status = serializers.ChoiceField(choices=STATUSES, required=False)
    cds_default_scope = serializers.CharField(required=False, allow_null=True)
    cds_default_redirect_uri = serializers.CharField(required=False, allow_null=True)
    cds_default_authorization_details = serializers.ListField(
        child=serializers.DictField(), required=False, allow_null=True
    )
    cds_purposes = serializers.DictField(child=PurposeSerializer(), required=False, allow_null=True)


class CredentialSerializer(serializers.Serializer):
    credential_id = serializers.CharField()
    uri = serializers.URLField()
    client_id = serializers.CharField()
    created = serializers.DateTimeField()
    modified = serializers.DateTimeField()
    type = serializers.ChoiceField(choices=["client_secret"])
    client_secret = serializers.CharField(
        required=False, help_text="Only when the secret is new: shown once, then MeterGate keeps its hash only."
    )
    client_secret_expires_at = serializers.IntegerField(help_text="Epoch seconds; 0 = never.")
    cds_secret_hint = serializers.CharField(help_text="Extension: the secret's last characters, to tell them apart.")


class CredentialListSerializer(serializers.Serializer):
    credentials = CredentialSerializer(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class CredentialCreateSerializer(serializers.Serializer):
    client_id = serializers.CharField()


class CredentialUpdateSerializer(serializers.Serializer):
    client_secret_expires_at = serializers.IntegerField(
        min_value=0, help_text="Earlier only; at or before now revokes the secret and its tokens."
    )


MESSAGE_TYPES = [
    "notification",
    "private_message",
    "production_request",
    "support_request",
    "grant_request",
    "field_changes",
    "server_request",
    "client_submission",
    "payment_request",
    "online_form_request",
    "pdf_form_request",
    "request_update",
]
MESSAGE_STATUSES = ["complete", "open", "pending", "rejected", "errored"]


class AttachmentSerializer(serializers.Serializer):
    filename = serializers.CharField()
    mime_type = serializers.CharField()
    data = serializers.CharField(help_text="Base64.")


class MessageSerializer(serializers.Serializer):
    message_id = serializers.CharField()
    uri = serializers.URLField()
    previous_uri = serializers.URLField(allow_null=True)
    type = serializers.ChoiceField(choices=MESSAGE_TYPES)
    read = serializers.BooleanField()
    creator = serializers.CharField(allow_null=True)
    created = serializers.DateTimeField()
    modified = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=MESSAGE_STATUSES)
    name = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    updates_requested = serializers.ListField(child=serializers.DictField(), required=False)
    grants_requested = serializers.ListField(child=serializers.DictField(), required=False)
    attachments = AttachmentSerializer(many=True, required=False)
    related_uri = serializers.CharField(required=False)
    related_type = serializers.CharField(required=False)


class MessageListSerializer(serializers.Serializer):
    outstanding = MessageSerializer(many=True)
    outstanding_next = serializers.URLField(allow_null=True)
    outstanding_previous = serializers.URLField(allow_null=True)
    unread = MessageSerializer(many=True)
    unread_next = serializers.URLField(allow_null=True)
    unread_previous = serializers.URLField(allow_null=True)
    read = MessageSerializer(many=True)
    read_next = serializers.URLField(allow_null=True)
    read_previous = serializers.URLField(allow_null=True)


class MessageCreateSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["private_message", "production_request", "support_request", "grant_request", "client_submission"]
    )
    previous_uri = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    related_uri = serializers.CharField(required=False, allow_null=True)
    updates_requested = serializers.ListField(child=serializers.DictField(), required=False)
    grants_requested = serializers.ListField(child=serializers.DictField(), required=False)
    attachments = AttachmentSerializer(many=True, required=False)


class MessageUpdateSerializer(serializers.Serializer):
    read = serializers.BooleanField()
