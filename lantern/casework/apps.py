from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "lantern.casework"
    label = "casework"
