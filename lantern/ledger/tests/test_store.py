"""The ledger in the database: sequencing, proofs, checkpoints, tampering, guards, export."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from lantern.accounts.tests.factories import World
from lantern.ledger import guards, merkle, store
from lantern.ledger.encoding import encode_entry
from lantern.ledger.models import Action, Checkpoint, Entry, LedgerState, Node
from lantern.ledger.services import LedgerError, ledger_record
from lantern.ledger.verify import verify_bundle

pytestmark = pytest.mark.django_db


def _append(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        with transaction.atomic():
            ledger_record(
                action=Action.CHANGED,
                actor_label=f"user{i % 3}",
                object_type="tests.thing",
                object_id=str(i % 5),
                detail={"i": i, "note": "é ünïcode"},
            )


def _leaves() -> list[bytes]:
    return [
        merkle.leaf_hash(encode_entry(e.as_ledger_dict()))
        for e in Entry.objects.filter(seq__isnull=False).order_by("seq")
    ]


def test_sequencing_matches_the_in_memory_tree() -> None:
    _append(37)
    assert Entry.objects.filter(seq__isnull=True).count() == 37  # nothing committed in a test
    assert store.ledger_integrate(batch=8) == 37
    assert list(Entry.objects.order_by("seq").values_list("seq", flat=True)) == list(range(37))
    assert LedgerState.objects.get(pk=1).size == 37
    leaves = _leaves()
    for size in range(1, 38):
        assert store.root_at(size) == merkle.root_from_leaf_hashes(leaves[:size])
    for index in range(37):
        proof = store.inclusion_proof(index, 37)
        assert proof == merkle.inclusion_proof(index, leaves)
        assert merkle.verify_inclusion(leaves[index], index, 37, proof, store.root_at(37))
    for old in range(0, 38, 5):
        proof = store.consistency_proof(old, 37)
        assert proof == merkle.consistency_proof(old, 37, leaves)
    # Subtree nodes: one per completed aligned subtree, so a proof reads O(log n) rows.
    assert Node.objects.count() == sum(37 >> level for level in range(1, 6))


def test_appends_in_several_batches_keep_one_tree() -> None:
    for chunk in (1, 2, 5, 13, 1):
        _append(chunk)
        store.ledger_integrate(batch=3)
    leaves = _leaves()
    assert len(leaves) == 22
    assert store.root_at(22) == merkle.root_from_leaf_hashes(leaves)


@pytest.mark.django_db(transaction=True)
def test_record_refuses_outside_a_transaction_and_bad_detail() -> None:
    with pytest.raises(LedgerError, match="inside the transaction"):
        ledger_record(action=Action.VIEWED, actor_label="x")
    with transaction.atomic(), pytest.raises(LedgerError, match="float"):
        ledger_record(action=Action.VIEWED, actor_label="x", detail={"speed": 1.5})
    assert not Entry.objects.exists()


def test_nul_characters_are_recorded_not_fatal() -> None:
    """PostgreSQL refuses NUL in text and JSON; the ledger must never fail on odd input."""
    with transaction.atomic():
        entry = ledger_record(
            action=Action.LOGIN_FAILED,
            actor_label="ad\x00min",
            reason="x\x00",
            detail={"k\x00": ["v\x00"]},
        )
    store.ledger_integrate()
    entry.refresh_from_db()
    assert entry.actor_label == "ad\ufffdmin"
    assert entry.detail == {"k\ufffd": ["v\ufffd"]}
    assert store.ledger_verify_live().ok


def test_checkpoint_is_signed_and_reused_until_the_log_grows() -> None:
    _append(5)
    first = store.checkpoint_publish()
    assert first.tree_size == 5
    assert store.checkpoint_publish().pk == first.pk
    _append(2)
    second = store.checkpoint_publish()
    assert second.tree_size == 7 and second.pk != first.pk
    report = store.ledger_verify_live()
    assert report.ok, report.problems
    assert report.entries_checked == 7 and report.checkpoints_checked == 2


def _tamper(sql: str, *params: Any) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    return True


def _edit_and_rehash(seq: int) -> None:
    """The careful attacker: changes an entry and writes its correct new leaf hash."""
    entry = Entry.objects.get(seq=seq)
    entry.reason = "quietly changed"
    new_hash = merkle.leaf_hash(encode_entry(entry.as_ledger_dict()))
    _tamper(
        "UPDATE ledger_entry SET reason = %s, leaf_hash = %s WHERE seq = %s",
        entry.reason,
        new_hash,
        seq,
    )


def _prepared() -> None:
    _append(20)
    store.checkpoint_publish()


@pytest.mark.parametrize(
    ("name", "tamper", "first_bad"),
    [
        (
            "edit a field",
            lambda: _tamper("UPDATE ledger_entry SET actor_label = 'someone else' WHERE seq = 7"),
            7,
        ),
        (
            "edit a field and its hash",
            lambda: _tamper(
                "UPDATE ledger_entry SET reason = 'x', leaf_hash = %s WHERE seq = 4", b"\0" * 32
            ),
            4,
        ),
        # Only the signed root exposes this one: the report names the range since the last
        # checkpoint that still matched (here the whole log: 0).
        ("edit a field and rehash it", lambda: _edit_and_rehash(4), 0),
        ("delete a row", lambda: _tamper("DELETE FROM ledger_entry WHERE seq = 12"), 12),
        ("delete the last row", lambda: _tamper("DELETE FROM ledger_entry WHERE seq = 19"), 19),
        (
            "reorder two rows",
            lambda: (
                _tamper("UPDATE ledger_entry SET seq = -1 WHERE seq = 3"),
                _tamper("UPDATE ledger_entry SET seq = 3 WHERE seq = 9"),
                _tamper("UPDATE ledger_entry SET seq = 9 WHERE seq = -1"),
            ),
            3,
        ),
        (
            "insert a row",
            lambda: (
                _tamper("UPDATE ledger_entry SET seq = seq + 1000 WHERE seq >= 15"),
                _tamper("UPDATE ledger_entry SET seq = seq - 999 WHERE seq >= 1015"),
                _tamper(
                    "INSERT INTO ledger_entry (seq, leaf_hash, created_at, actor_label, "
                    "actor_org_label, action, object_type, object_id, object_sha256, reason, "
                    "detail) "
                    "SELECT 15, leaf_hash, created_at, actor_label, actor_org_label, action, "
                    "object_type, object_id, object_sha256, 'inserted', detail "
                    "FROM ledger_entry WHERE seq = 16"
                ),
            ),
            15,
        ),
        (
            "change the signature",
            lambda: _tamper("UPDATE ledger_checkpoint SET signature = %s", b"\1" * 64),
            None,
        ),
    ],
)
def test_tampering_is_detected(name: str, tamper: Callable[[], object], first_bad: int | None):
    _prepared()
    assert store.ledger_verify_live().ok
    tamper()
    report = store.ledger_verify_live()
    assert not report.ok, name
    assert report.first_bad_seq == first_bad, (name, report.problems)


def test_verify_command_exit_codes() -> None:
    from django.core.management import call_command

    _prepared()
    call_command("ledger_verify")
    _tamper("UPDATE ledger_entry SET action = 'erased' WHERE seq = 2")
    with pytest.raises(SystemExit) as exit_info:
        call_command("ledger_verify")
    assert exit_info.value.code == 1


def test_database_guards_refuse_edits_but_allow_sequencing() -> None:
    guards.install(connection)  # rolled back with the test's transaction on both databases
    _append(3)
    store.ledger_integrate()  # setting seq and leaf_hash once is allowed
    store.checkpoint_publish()
    refused = [
        "UPDATE ledger_entry SET actor_label = 'x' WHERE seq = 1",
        "UPDATE ledger_entry SET seq = 5 WHERE seq = 1",
        "DELETE FROM ledger_entry WHERE seq = 2",
        "UPDATE ledger_node SET hash = hash",
        "DELETE FROM ledger_checkpoint",
    ]
    for sql in refused:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _tamper(sql)
    # An unsequenced entry's content cannot be changed before sequencing either.
    _append(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _tamper("UPDATE ledger_entry SET reason = 'x' WHERE seq IS NULL")
    assert store.ledger_verify_live().ok


def test_public_key_page_and_checkpoint_json() -> None:
    _prepared()
    page = Client().get(reverse("ledger:public-key")).content.decode()
    from lantern.ledger import keys

    assert keys.public_key_b64() in page
    data = Client().get(reverse("ledger:checkpoint-json")).json()
    assert data["checkpoint"]["tree_size"] == 20
    assert data["public_key"] == keys.public_key_b64()


def test_supervisor_sees_history_and_exports_a_verifiable_bundle(
    world: World, client_for, tmp_path
):
    admin = client_for("force_admin")
    target = world.membership("officer")
    admin.post(reverse("accounts:person-access", args=[target.pk]))  # disable: ledgered
    admin.post(reverse("accounts:person-access", args=[target.pk]))  # enable again
    supervisor = client_for("supervisor")
    query = {"object_type": "accounts.membership", "object_id": str(target.pk)}
    page = supervisor.get(reverse("ledger:history"), query)
    body = page.content.decode()
    assert page.status_code == 200 and "Disabled" in body and "Enabled" in body
    bad = supervisor.get(reverse("ledger:history"), {"object_type": "Bad Type!", "object_id": "1"})
    assert "Enter the object type as app.model" in bad.content.decode()

    response = supervisor.post(reverse("ledger:export"), query)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    bundle = json.loads(response.content)
    assert [e["entry"]["action"] for e in bundle["entries"]] == ["disabled", "enabled", "exported"]
    report = verify_bundle(bundle)
    assert report.ok, report.problems
    assert Entry.objects.filter(action=Action.EXPORTED, actor=world.user("supervisor")).exists()

    # The standalone verifier agrees, and notices a change.
    good = tmp_path / "bundle.json"
    good.write_text(json.dumps(bundle))
    run = [sys.executable, "-m", "lantern.ledger.verify", "--public-key", bundle["public_key"]]
    assert subprocess.run([*run, str(good)], capture_output=True).returncode == 0
    bundle["entries"][0]["entry"]["actor"] = "someone-else"
    bad_file = tmp_path / "tampered.json"
    bad_file.write_text(json.dumps(bundle))
    assert subprocess.run([*run, str(bad_file)], capture_output=True).returncode == 1


def test_history_only_for_auditors_and_only_their_force(world: World, client_for):
    for name in ("officer", "store_staff", "lp_manager"):
        assert client_for(name).get(reverse("ledger:history")).status_code == 403
        assert client_for(name).post(reverse("ledger:export"), {}).status_code == 403
    target = world.membership("officer")
    client_for("force_admin").post(reverse("accounts:person-access", args=[target.pk]))
    query = {"object_type": "accounts.membership", "object_id": str(target.pk)}
    other = client_for("supervisor_b").get(reverse("ledger:history"), query).content.decode()
    assert "Disabled" not in other
    exported = json.loads(client_for("supervisor_b").post(reverse("ledger:export"), query).content)
    # Only Force B's own record of making the export: nothing Force A did.
    assert [e["entry"]["action"] for e in exported["entries"]] == ["exported"]
    assert {e["entry"]["actor_org"] for e in exported["entries"]} == {"Force B"}


def test_publish_now_button(world: World, client_for):
    _append(3)
    response = client_for("supervisor").post(reverse("ledger:publish"))
    assert response.status_code == 302
    checkpoint = Checkpoint.objects.get()
    assert checkpoint.tree_size == store.tree_size() >= 3
    assert base64.b64decode(checkpoint.public_key)
