from django.apps import AppConfig


class RedactionConfig(AppConfig):
    name = "lantern.redaction"
    label = "redaction"
