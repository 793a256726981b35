"""Background work: making redacted copies, looking for faces in videos."""

from __future__ import annotations

from django_tasks import task

from .services import produce, suggest_in_background


@task()
def redaction_produce_task(redaction_id: int) -> str:
    """Make the redacted copy of a queued redaction (the original is only read). Idempotent."""
    return produce(redaction_id)


@task()
def redaction_suggest_task(redaction_id: int, actor_id: int, membership_id: int) -> int:
    """Look for faces and number plates in a video, for the person who asked."""
    return suggest_in_background(redaction_id, actor_id, membership_id)
