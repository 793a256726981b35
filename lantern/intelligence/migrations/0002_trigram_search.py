"""Trigram indexes for "contains" searches on PostgreSQL, and the index that lists a force's
profiles newest activity first; SQLite keeps plain scans (it cannot index NULLS LAST).

Django's `icontains` on PostgreSQL is `UPPER(col::text) LIKE UPPER(%s)`: these expression
indexes match it exactly, so a search by description or name does not read every profile.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

INDEXES = [
    ("intel_profile_desc_trgm", "intelligence_profile", "description"),
    ("intel_profile_mo_trgm", "intelligence_profile", "modus_operandi"),
    ("intel_profile_name_trgm", "intelligence_profile", "name"),
    ("intel_alias_name_trgm", "intelligence_alias", "name"),
]


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS "intel_profile_recent" ON "intelligence_profile" '
        '("force_id", "last_incident_at" DESC NULLS LAST, "id" DESC)'
    )


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    schema_editor.execute('DROP INDEX IF EXISTS "intel_profile_recent"')


class Migration(migrations.Migration):
    dependencies = [("intelligence", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
