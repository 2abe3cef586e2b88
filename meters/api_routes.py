"""API endpoints of the meters app."""

urlpatterns: list = []
