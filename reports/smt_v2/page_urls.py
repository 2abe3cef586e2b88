"""The SMT v2 API set-up page, mounted at /reports/smt-api/ by portal.urls."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.smt_api, name="smt-v2-setup"),
    path("users/<int:pk>/active/", views.smt_api_user_active, name="smt-v2-user-active"),
]
