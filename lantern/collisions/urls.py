from django.urls import path

from . import views

app_name = "collisions"
urlpatterns = [
    path("", views.index, name="index"),
    path("queue/", views.queue, name="queue"),
    path("queue/<str:reference>/", views.detail, name="detail"),
    path("queue/<str:reference>/allocate/", views.allocate, name="allocate"),
    path("queue/<str:reference>/close/", views.close, name="close"),
    path("link/<str:token>/", views.link, name="link"),
    path("upload/", views.upload, name="upload"),
    path("upload/files/", views.upload_files, name="upload-files"),
    path("upload/submit/", views.upload_submit, name="upload-submit"),
    path("upload/<str:reference>/start/", views.upload_start, name="upload-start"),
    path("<str:kind>/", views.start, name="start"),
    path("<str:kind>/check/", views.check, name="check"),
    path("<str:kind>/sent/", views.sent, name="sent"),
    path("<str:kind>/<str:slug>/", views.question, name="question"),
    path("<str:kind>/<str:slug>/<int:index>/", views.item, name="item"),
    path("<str:kind>/<str:slug>/<int:index>/remove/", views.item_remove, name="item-remove"),
]
