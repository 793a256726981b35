from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "lantern.ledger"
    label = "ledger"
