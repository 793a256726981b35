from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "lantern.insights"
    label = "insights"
    verbose_name = "Victims' Code, automation and benefits"
