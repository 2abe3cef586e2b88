"""API endpoints of the accounts package."""

urlpatterns: list = []
