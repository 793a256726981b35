from django.urls import path

from . import views

app_name = "ledger"
urlpatterns = [
    path("", views.history, name="history"),
    path("export/", views.export, name="export"),
    path("publish/", views.publish, name="publish"),
    path("public-key/", views.public_key, name="public-key"),
    path("checkpoint.json", views.checkpoint_json, name="checkpoint-json"),
]
