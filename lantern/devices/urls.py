from django.urls import path

from . import views

app_name = "devices"
urlpatterns = [
    path("", views.device_list, name="list"),
    path("<int:pk>/revoke/", views.device_revoke, name="revoke"),
]
