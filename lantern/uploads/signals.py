"""Signals other apps hook into."""

from django.dispatch import Signal

# Sent once per upload, after its last byte is durably stored, its SHA-256 recorded and its
# file made read-only: `upload_completed.send(sender=Upload, upload=upload)`.
# Receivers run in the request that delivered the last byte, after its transaction has
# committed; an exception in one is logged, not shown to the uploader (who has finished).
# Keep them quick and idempotent: enqueue a task for slow work (copying to object storage,
# probing video). Completed uploads carry completed_at and principal, so a missed hand-over
# can be found again.
upload_completed = Signal()
