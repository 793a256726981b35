"""The ledger's state row, and the triggers that make it append-only (lantern/ledger/guards.py).

The test settings turn the triggers off (LEDGER_DB_GUARDS) because Django empties tables
between some tests with DELETE; the guard tests install them explicitly.
"""

from django.conf import settings
from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("ledger", "LedgerState").objects.get_or_create(pk=1, defaults={"size": 0})
    if settings.LEDGER_DB_GUARDS:
        from lantern.ledger import guards

        guards.install(schema_editor.connection)


def backwards(apps, schema_editor):
    from lantern.ledger import guards

    guards.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_tree")]
    operations = [migrations.RunPython(forwards, backwards)]
