"""The background sequencer (LEDGER_SEQUENCER=background): commits wake one thread, which
sequences what they committed; the tree it builds is the one the inline path builds."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from lantern.ledger.models import Entry
from lantern.ledger.sequencer import SEQUENCER, sequencer_stop
from lantern.ledger.services import ledger_record
from lantern.ledger.store import ledger_verify_live, tree_size

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def background(settings: Any) -> Iterator[None]:
    settings.LEDGER_SEQUENCER = "background"
    yield
    sequencer_stop()


def _record(n: int) -> None:
    with transaction.atomic():
        ledger_record(action="changed", actor_label="test", object_type="t.t", object_id=str(n))


def _wait_sequenced(count: int) -> None:
    deadline = time.monotonic() + 20
    while Entry.objects.filter(seq__isnull=True).exists() or tree_size() < count:
        assert time.monotonic() < deadline, "the sequencer thread did not sequence the entries"
        time.sleep(0.05)


def test_commits_are_sequenced_by_the_thread_not_the_request(background: None) -> None:
    before = SEQUENCER.passes
    for n in range(5):
        _record(n)
    _wait_sequenced(5)
    assert SEQUENCER.passes > before
    assert SEQUENCER.thread is not None and SEQUENCER.thread.name == "ledger-sequencer"
    assert list(Entry.objects.order_by("seq").values_list("seq", flat=True)) == list(range(5))
    report = ledger_verify_live()
    assert report.ok, report.problems


def test_inline_sequences_before_the_call_returns(settings: Any) -> None:
    settings.LEDGER_SEQUENCER = "inline"
    _record(1)
    assert Entry.objects.get().seq == 0  # no thread involved, no wait


def test_a_stopped_thread_starts_again_on_the_next_commit(background: None) -> None:
    _record(1)
    _wait_sequenced(1)
    sequencer_stop()
    assert SEQUENCER.thread is None
    _record(2)
    _wait_sequenced(2)
    assert SEQUENCER.thread is not None and SEQUENCER.thread.is_alive()
