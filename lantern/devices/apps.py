from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "lantern.devices"
    label = "devices"
    verbose_name = "Signed-in devices"
