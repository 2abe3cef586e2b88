"""OAuth2 glue for django-oauth-toolkit: a client may only request the scopes it was given, out
of the settings' scopes and the CDS scope catalogue (portal.cds.scopes)."""

from oauth2_provider.scopes import SettingsScopes

from .cds.scopes import CATALOGUE


class ClientScopes(SettingsScopes):
    def get_all_scopes(self):
        described = {scope.id: scope.name for scope in CATALOGUE}
        return {**described, **super().get_all_scopes()}

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        scopes = list(self.get_all_scopes())
        if application is None:
            return scopes
        return [scope for scope in scopes if scope in application.allowed_scope_set]

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        # A CDS code client's `cds_default_scope`; nothing for everybody else.
        if application is None:
            return []
        return [scope for scope in application.default_scope.split() if scope in application.allowed_scope_set]
