from django.apps import AppConfig


class StatementsConfig(AppConfig):
    name = "lantern.statements"
    label = "statements"
