"""The one way to write to the ledger."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.utils import timezone

from .encoding import EntryFormatError, validate_entry
from .models import Action, Entry

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from lantern.accounts.models import Organisation, User


class LedgerError(RuntimeError):
    pass


def _text(value: str) -> str:
    """PostgreSQL cannot store NUL in text or JSON: record it visibly as U+FFFD instead of
    failing (the canonical encoding then matches what is stored, on every database)."""
    return value.replace("\x00", "\ufffd")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dict):
        return {_text(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def ledger_record(
    *,
    action: Action | str,
    actor: User | None = None,
    actor_label: str = "",
    actor_org: Organisation | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_sha256: str = "",
    reason: str = "",
    detail: dict[str, Any] | None = None,
    require_transaction: bool = True,
) -> Entry:
    """Append an entry inside the caller's transaction, so the change and its record commit
    together or not at all. Events with no surrounding change (a failed sign-in) pass
    `require_transaction=False`.
    """
    if require_transaction and not transaction.get_connection().in_atomic_block:
        raise LedgerError("ledger_record() must run inside the transaction of the change")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if actor is not None and not actor_label:
        actor_label = actor.get_username()
    if actor_org is not None and actor is not None and not actor_org.pk:
        actor_org = None
    entry = Entry(
        created_at=timezone.now(),
        action=str(action),
        actor=actor if actor is not None and actor.pk else None,
        actor_label=_text(actor_label or "anonymous"),
        actor_org=actor_org,
        actor_org_label=_text(actor_org.name) if actor_org else "",
        object_type=_text(object_type),
        object_id=_text(object_id),
        object_sha256=object_sha256,
        reason=_text(reason),
        detail=_clean(detail or {}),
    )
    try:
        # Refused here, with the change, rather than later when it would stall the sequencer.
        validate_entry(entry.as_ledger_dict(seq=0))
    except EntryFormatError as exc:
        raise LedgerError(f"This ledger entry cannot be recorded: {exc}") from exc
    # No savepoint of its own: the entry stands or falls with the caller's transaction (and a
    # savepoint would cost two more round trips on every entry).
    with transaction.atomic(savepoint=False):
        entry.save(force_insert=True)
        if not _integration_pending():
            transaction.on_commit(_integrate_after_commit, robust=True)
    return entry


def _integration_pending() -> bool:
    """Whether this transaction already sequences its entries on commit: one pass after the
    commit takes them all, so a change that records three entries pays for one, not three.
    Any registration still listed is at least as durable as this entry: Django drops the
    registrations of a savepoint when it rolls back, so a listed one goes only with a
    rollback that takes this entry too."""
    pending: list[tuple[Any, ...]] = connection.run_on_commit  # type: ignore[assignment]
    return any(registered[1] is _integrate_after_commit for registered in pending)


def _integrate_after_commit() -> None:
    """Give the new entries their place in the tree: in this thread straight away (inline),
    or by waking this process's sequencer thread (background, sequencer.py). Inline, if
    another process holds the sequencer it will take them, and the scheduler's task catches
    anything left."""
    from django.conf import settings

    from .store import ledger_integrate

    if settings.LEDGER_SEQUENCER == "background":
        from .sequencer import sequencer_nudge

        sequencer_nudge()
        return
    try:
        ledger_integrate(wait=False)
    except Exception:
        logger.exception("Ledger sequencing after commit failed; the scheduled task will retry")
