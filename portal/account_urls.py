"""Portal pages of the accounts package: login, registration, password reset, dashboards."""

urlpatterns: list = []
