"""Portal pages of in-home (HAN) devices, under /devices/."""

from django.urls import path

from . import views

app_name = "devices"

urlpatterns = [
    path("", views.device_list, name="list"),
    path("add/", views.device_add, name="add"),
    path("history/", views.history, name="history"),
    path("messages/", views.message_list, name="messages"),
    path("<int:pk>/", views.device_detail, name="detail"),
    path("<int:pk>/resend/", views.device_resend, name="resend"),
    path("<int:pk>/remove/", views.device_remove, name="remove"),
    path("<int:pk>/message/", views.message_send, name="message"),
]
