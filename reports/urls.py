"""Portal pages of reports, under /reports/."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_create, name="create"),
    path("schedules/", views.schedule_list, name="schedule-list"),
    path("schedules/new/", views.schedule_create, name="schedule-create"),
    path("schedules/<int:pk>/cancel/", views.schedule_cancel, name="schedule-cancel"),
    path("delivery/", views.delivery_settings, name="delivery"),
    path("delivery/test/", views.delivery_test, name="delivery-test"),
    path("who-read-my-data/", views.access_log, name="access-log"),
    path("<str:number>/", views.request_detail, name="detail"),
]
