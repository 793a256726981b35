from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lantern.core"
    label = "core"

    def ready(self) -> None:
        from . import task_leases  # noqa: F401  (connects the task lease receivers)
