from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "lantern.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from . import receivers  # noqa: F401
