from django.apps import AppConfig


class VideocallsConfig(AppConfig):
    name = "lantern.videocalls"
    label = "videocalls"

    def ready(self) -> None:
        from . import receivers  # noqa: F401
