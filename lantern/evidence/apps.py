from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "lantern.evidence"
    label = "evidence"

    def ready(self) -> None:
        from . import receivers  # noqa: F401
