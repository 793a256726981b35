from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "lantern.notifications"
    label = "notifications"
