"""Hypothesis: any pattern of appends and sequencing batches gives the tree that an
independent, naive implementation (written here) computes from the same entries."""

from __future__ import annotations

import hashlib

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lantern.ledger import merkle, store
from lantern.ledger.encoding import encode_entry
from lantern.ledger.models import Action, Entry, LedgerState, Node
from lantern.ledger.services import ledger_record

pytestmark = pytest.mark.django_db


def naive_root(leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1, recursively, straight from the text."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + naive_root(leaves[:k]) + naive_root(leaves[k:])).digest()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rounds=st.lists(st.tuples(st.integers(0, 9), st.integers(1, 7)), min_size=1, max_size=6),
    texts=st.lists(st.text(max_size=12), min_size=1, max_size=5),
)
def test_any_append_pattern_gives_the_naive_tree(rounds, texts) -> None:
    Entry.objects.all().delete()  # guards are off in the test settings
    Node.objects.all().delete()
    LedgerState.objects.update_or_create(pk=1, defaults={"size": 0})
    count = 0
    for appends, batch in rounds:
        for _ in range(appends):
            with transaction.atomic():
                ledger_record(
                    action=Action.CHANGED,
                    actor_label=texts[count % len(texts)],
                    object_type="tests.thing",
                    object_id=str(count),
                    detail={"text": texts[(count + 1) % len(texts)], "n": count},
                )
            count += 1
        store.ledger_integrate(batch=batch)
        entries = list(Entry.objects.order_by("seq"))
        leaves = [
            hashlib.sha256(b"\x00" + encode_entry(e.as_ledger_dict())).digest() for e in entries
        ]
        assert [e.seq for e in entries] == list(range(count))
        assert store.root_at(count) == naive_root(leaves)
        for index in range(count):
            proof = store.inclusion_proof(index, count)
            assert merkle.verify_inclusion(leaves[index], index, count, proof, naive_root(leaves))
        for old in range(count + 1):
            proof = store.consistency_proof(old, count)
            assert merkle.verify_consistency(
                old, count, naive_root(leaves[:old]), naive_root(leaves), proof
            )
