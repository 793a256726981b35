"""Database triggers that make the ledger append-only, whoever connects.

An entry may be updated once, by the sequencer, to set `seq` and `leaf_hash`; nothing else in
it may change, and no ledger row may be deleted. Checkpoints and subtree nodes never change.
This stops mistakes and casual edits; a database superuser can still drop the triggers, which
is what the Merkle tree and signed checkpoints are there to expose.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

CONTENT = (
    "created_at", "actor_id", "actor_label", "actor_org_id", "actor_org_label", "action",
    "object_type", "object_id", "object_sha256", "reason", "detail",
)  # fmt: skip
FROZEN_TABLES = ("ledger_node", "ledger_checkpoint")
MESSAGE = "ledger rows are append-only"


def _sqlite() -> list[str]:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in CONTENT)
    sql = [
        f"CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
        f"CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry "
        f"WHEN OLD.seq IS NOT NULL OR {changed} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    ]
    for table in FROZEN_TABLES:
        for op in ("UPDATE", "DELETE"):
            sql.append(
                f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
    return sql


def _postgresql() -> list[str]:
    new = ", ".join(f"NEW.{c}" for c in CONTENT)
    old = ", ".join(f"OLD.{c}" for c in CONTENT)
    sql = [
        f"""CREATE OR REPLACE FUNCTION ledger_entry_append_only() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND ({new}) IS NOT DISTINCT FROM ({old}) THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION '{MESSAGE}';
        END $$ LANGUAGE plpgsql""",
        f"""CREATE OR REPLACE FUNCTION ledger_frozen() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$ LANGUAGE plpgsql""",
        "CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry "
        "FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only()",
        "CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON ledger_entry "
        "FOR EACH STATEMENT EXECUTE FUNCTION ledger_frozen()",
    ]
    for table in FROZEN_TABLES:
        sql.append(
            f"CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION ledger_frozen()"
        )
    return sql


def install(connection: BaseDatabaseWrapper) -> None:
    statements = {"sqlite": _sqlite, "postgresql": _postgresql}.get(connection.vendor)
    if statements is None:
        return
    with connection.cursor() as cursor:
        for statement in statements():
            cursor.execute(statement)


def remove(connection: BaseDatabaseWrapper) -> None:
    names = ["ledger_entry_no_delete", "ledger_entry_no_update"] + [
        f"{t}_no_{op}" for t in FROZEN_TABLES for op in ("update", "delete")
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in names:
                # Names from the constant FROZEN_TABLES, never input.
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")  # nosemgrep: lantern-raw-sql
        elif connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry")
            cursor.execute("DROP TRIGGER IF EXISTS ledger_entry_no_truncate ON ledger_entry")
            for table in FROZEN_TABLES:
                cursor.execute(  # nosemgrep: lantern-raw-sql (constant FROZEN_TABLES)
                    f"DROP TRIGGER IF EXISTS {table}_frozen ON {table}"
                )
