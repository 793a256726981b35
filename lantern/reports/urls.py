from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/", views.report_new, name="new"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/edit/", views.report_edit, name="edit"),
    path("<int:pk>/check/", views.report_check, name="check"),
    path("<int:pk>/reply/", views.report_reply, name="reply"),
    path("<int:pk>/record-crime/", views.report_record_crime, name="record-crime"),
    path("<int:pk>/ask/", views.report_ask, name="ask"),
    path("<int:pk>/allocate/", views.report_allocate, name="allocate"),
    path("<int:pk>/finalise/", views.report_finalise, name="finalise"),
]
