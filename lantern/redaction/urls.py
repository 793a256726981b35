"""Redaction: the editor, redacted copies and their release (included under redaction/)."""

from django.urls import URLPattern, path

from . import views

app_name = "redaction"

urlpatterns: list[URLPattern] = [
    path("items/<int:item_pk>/", views.item_redactions, name="item"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/picture/", views.source_picture, name="picture"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/suggest/", views.suggest, name="suggest"),
    path("<int:pk>/suggestions/<str:suggestion>/", views.decide, name="decide"),
    path("<int:pk>/produce/", views.produce, name="produce"),
    path("<int:pk>/copy/", views.output, name="output"),
    path("<int:pk>/release/", views.release, name="release"),
    path("releases/<int:pk>/decide/", views.release_decide, name="release-decide"),
    path("releases/<int:pk>/withdraw/", views.release_withdraw, name="release-withdraw"),
    path("shared/", views.shared, name="shared"),
    path("shared/<int:pk>/", views.shared_file, name="shared-file"),
    path("appeal/<str:token>/", views.public_file, name="public"),
    path("settings/", views.force_settings, name="settings"),
]
