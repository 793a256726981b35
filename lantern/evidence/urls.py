from django.urls import include, path

from . import views

app_name = "evidence"
urlpatterns = [
    path("requests/", views.request_list, name="request-list"),
    path("requests/new/", views.request_new, name="request-new"),
    path("requests/<str:reference>/", views.request_detail, name="request-detail"),
    path("requests/<str:reference>/extend/", views.request_extend, name="request-extend"),
    path("requests/<str:reference>/chase/", views.request_chase, name="request-chase"),
    path("requests/<str:reference>/close/", views.request_close, name="request-close"),
    path("requests/<str:reference>/respond/", views.request_respond, name="request-respond"),
    path("link/<str:token>/", views.link, name="link"),
    path("respond/", views.respond, name="respond"),
    path("respond/upload/", views.respond_upload, name="respond-upload"),
    path("respond/submit/", views.respond_submit, name="respond-submit"),
    path("check/", views.check, name="check"),
    path("items/", include("lantern.evidence.item_urls")),
    path("cases/", include("lantern.evidence.case_urls")),
]
