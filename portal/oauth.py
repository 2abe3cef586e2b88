"""OAuth2 glue for django-oauth-toolkit: a client may only request the scopes it was given."""

from oauth2_provider.scopes import SettingsScopes


class ClientScopes(SettingsScopes):
    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        scopes = super().get_available_scopes(application, request, *args, **kwargs)
        if application is None:
            return scopes
        return [scope for scope in scopes if scope in application.allowed_scope_set]

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return []
