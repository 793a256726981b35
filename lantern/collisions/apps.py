from django.apps import AppConfig


class CollisionsConfig(AppConfig):
    name = "lantern.collisions"
    label = "collisions"
    verbose_name = "Public reporting: collisions and crime"
