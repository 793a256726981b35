"""Sequencing new ledger entries off the request path (LEDGER_SEQUENCER=background).

An entry is durable when its transaction commits; giving it its place in the Merkle tree
(`store.ledger_integrate`) is a second transaction that can wait a moment. Inline, every
commit pays for that second transaction (and for a commit's fsync) before the user gets an
answer. In the background, a commit only wakes this process's sequencer thread; one pass
then takes every entry committed since the last, so under load one pass serves many
requests. The row lock on LedgerState still serializes passes across processes and hosts,
so this thread is no shared state: stop it, or lose the process, and the next pass anywhere
(or the scheduler's `ledger_integrate_task`, every 30 s) sequences what was left.
"""

from __future__ import annotations

import logging
import os
import threading

logger = logging.getLogger(__name__)

# How long the thread rests after a pass, so that the commits of the next moment share one.
REST_SECONDS = 0.02
RETRY_SECONDS = 1.0


class _Sequencer:
    def __init__(self) -> None:
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.pid = 0
        self.passes = 0  # for tests and benchmarks: passes that sequenced something

    def nudge(self) -> None:
        """Ask for a pass soon, starting the thread in this process if it is not running
        (a forked child, e.g. a gunicorn worker, starts its own)."""
        if not self._running():
            with self.lock:
                if not self._running():
                    self.stopping.clear()
                    self.pid = os.getpid()
                    self.thread = threading.Thread(
                        target=self._run, name="ledger-sequencer", daemon=True
                    )
                    self.thread.start()
        self.wake.set()

    def _running(self) -> bool:
        return self.thread is not None and self.thread.is_alive() and self.pid == os.getpid()

    def _run(self) -> None:
        from django.db import connection

        from .models import Entry
        from .store import ledger_integrate

        try:
            while not self.stopping.is_set():
                self.wake.wait()
                if self.stopping.is_set():
                    break
                self.wake.clear()
                try:
                    # Without waiting: while another process holds the sequencer it is doing
                    # this work already. Entries it may have missed (committed after it read
                    # the pending ones) are taken by this thread's next pass, after its rest.
                    done = ledger_integrate(wait=False)
                    if done:
                        self.passes += 1
                    elif Entry.objects.filter(seq__isnull=True).exists():
                        self.wake.set()
                except Exception:
                    logger.exception("Background ledger sequencing failed; retrying")
                    connection.close()  # a broken connection is not reused
                    self.wake.set()
                    self.stopping.wait(RETRY_SECONDS)
                    continue
                self.stopping.wait(REST_SECONDS)
        finally:
            connection.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread after its current pass and close its database connection."""
        thread = self.thread
        self.stopping.set()
        self.wake.set()
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout)
        self.thread = None


SEQUENCER = _Sequencer()


def sequencer_nudge() -> None:
    SEQUENCER.nudge()


def sequencer_stop() -> None:
    SEQUENCER.stop()
