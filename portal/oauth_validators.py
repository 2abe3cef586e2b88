"""django-oauth-toolkit's request validator, extended for CDS clients:

* a registered client authenticates with any of its active credentials (Credentials API), and
  each token remembers the credential that obtained it, so expiring the credential revokes it;
* an authorization code presented a second time revokes every token the first exchange issued
  (RFC 6749 §4.1.2), besides being refused.

`agreements.oauth_validator.GrantValidator` builds on this one to tie tokens to grants.
"""

import base64
import binascii
import hashlib
from urllib.parse import unquote_plus

from oauth2_provider.models import get_access_token_model, get_refresh_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator

from .cds import credentials
from .cds.models import AuthorizationCodeUse


def token_checksum(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class CredentialValidator(OAuth2Validator):
    def _presented_secret(self, request) -> tuple[str | None, str | None]:
        """(client_id, secret) from HTTP Basic, else from the body; (None, None) when absent."""
        auth_string = self._extract_basic_auth(request)
        if auth_string:
            try:
                decoded = base64.b64decode(auth_string).decode("utf-8")
                client_id, secret = map(unquote_plus, decoded.split(":", 1))
            except (TypeError, ValueError, binascii.Error, UnicodeDecodeError):
                return None, None
            return client_id, secret
        client_id = getattr(request, "client_id", None)
        secret = getattr(request, "client_secret", None)
        return (client_id, secret) if client_id and secret else (None, None)

    def authenticate_client(self, request, *args, **kwargs):
        client_id, secret = self._presented_secret(request)
        if client_id is None:
            return super().authenticate_client(request, *args, **kwargs)
        client = self._load_application(client_id, request)
        if client is None:
            return False
        if client.registration_id is None:
            # Clients made by hand keep django-oauth-toolkit's own (hashed) secret.
            return super().authenticate_client(request, *args, **kwargs)
        credential = credentials.authenticate(client, secret)
        if credential is None:
            return False
        request.cds_credential = credential
        return True

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if super().validate_code(client_id, code, client, request, *args, **kwargs):
            return True
        self._revoke_replayed_code(code, client)
        return False

    def _revoke_replayed_code(self, code, client) -> None:
        use = AuthorizationCodeUse.objects.filter(code_checksum=token_checksum(code), client=client).first()
        if use is None:
            return
        if use.token_family:
            get_refresh_token_model().revoke_family(use.token_family)
        if use.access_token_checksum:
            get_access_token_model().objects.filter(token_checksum=use.access_token_checksum).delete()

    def _save_bearer_token(self, token, request, *args, **kwargs):
        super()._save_bearer_token(token, request, *args, **kwargs)
        access_token = self.issued_access_token(token)
        credential = getattr(request, "cds_credential", None)
        if credential is not None and access_token is not None:
            credentials.record_token_use(credential=credential, access_token=access_token)
        if request.grant_type == "authorization_code" and request.code:
            refresh = token.get("refresh_token")
            family = (
                get_refresh_token_model()
                .objects.filter(token_checksum=token_checksum(refresh), revoked__isnull=True)
                .values_list("token_family", flat=True)
                .first()
                if refresh
                else None
            )
            AuthorizationCodeUse.objects.get_or_create(
                code_checksum=token_checksum(request.code),
                defaults={
                    "client": request.client,
                    "token_family": family,
                    "access_token_checksum": token_checksum(token["access_token"]),
                },
            )

    @staticmethod
    def issued_access_token(token):
        raw = token.get("access_token")
        if not raw:
            return None
        return get_access_token_model().objects.filter(token_checksum=token_checksum(raw)).first()
