"""Portal pages of the accounts package: login, registration, password reset, dashboards."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import CeleryPasswordResetForm

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register-done"),
    path("activate/<str:token>/", views.activate, name="activate"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(form_class=CeleryPasswordResetForm),
        name="password_reset",
    ),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("dashboard/", views.customer_dashboard, name="customer-dashboard"),
    path("dashboard/home-tools/sign-out/", views.sign_out_home_tools, name="sign-out-home-tools"),
    path("third-party/dashboard/", views.third_party_dashboard, name="third-party-dashboard"),
    path("third-parties/<int:third_party_id>/rate/", views.rate_third_party, name="rate-third-party"),
]
