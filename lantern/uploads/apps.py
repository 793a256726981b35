from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "lantern.uploads"
    label = "uploads"
    verbose_name = "Resumable uploads"
