"""Video calls with members of the public: the call, its single-purpose links, and the
signalling messages the two browsers exchange through Lantern (WebRTC offers, answers and
ICE candidates). Signalling lives in the database so any web process can answer any poll."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from lantern.accounts.models import Organisation
from lantern.casework.models import Case, ForceScopedQuerySet, Incident
from lantern.core.models import TokenLink

_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_call_reference() -> str:
    raw = "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))
    return f"VC-{raw[:4]}-{raw[4:]}"


class VideoCall(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        LIVE = "live", "In progress"
        ENDED = "ended", "Ended"

    class Outcome(models.TextChoices):
        COMPLETED = "completed", "Spoke to the person"
        NO_ANSWER = "no_answer", "The person did not join"
        DROPPED = "dropped", "The call dropped and could not be resumed"
        CANCELLED = "cancelled", "Cancelled"

    reference = models.CharField(max_length=20, unique=True, default=new_call_reference)
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="video_calls")
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="video_calls"
    )
    # The officer who runs the call: the only account that can take part in it.
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="video_calls"
    )
    person_name = models.CharField("Name", max_length=200)
    person_email = models.EmailField(blank=True)
    person_phone = models.CharField(max_length=20, blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    created_at = models.DateTimeField(default=timezone.now)
    # First time the person's browser opened the call page.
    joined_at = models.DateTimeField(null=True, blank=True)
    # First time media was negotiated (the person's browser answered an offer).
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    # Recording needs the person's consent, given on their own page.
    consent_at = models.DateTimeField(null=True, blank=True)
    # The person can take their consent back at any time; it stops any recording at once.
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    recording_started_at = models.DateTimeField(null=True, blank=True)
    recording_stopped_at = models.DateTimeField(null=True, blank=True)

    objects = ForceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.ENDED

    @property
    def has_consent(self) -> bool:
        return self.consent_at is not None and self.consent_withdrawn_at is None

    @property
    def recording(self) -> bool:
        return self.recording_started_at is not None and self.recording_stopped_at is None

    @property
    def duration_seconds(self) -> int | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return max(0, int((self.ended_at - self.started_at).total_seconds()))

    @property
    def duration_text(self) -> str:
        seconds = self.duration_seconds
        if seconds is None:
            return "no media connected"
        minutes, seconds = divmod(seconds, 60)
        return f"{minutes} min {seconds} s"


class CallLink(TokenLink):
    """A single-purpose link for the person to join the call."""

    principal_kind = "video-link"

    call = models.ForeignKey(VideoCall, on_delete=models.CASCADE, related_name="links")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Link {self.pk} for {self.call.reference}"

    def leads_somewhere_open(self) -> bool:
        return self.call.status != VideoCall.Status.ENDED


class Signal(models.Model):
    """One signalling message from one side of a call to the other."""

    class Side(models.TextChoices):
        OFFICER = "officer", "Officer"
        PUBLIC = "public", "Member of the public"

    class Kind(models.TextChoices):
        HELLO = "hello", "Joined"
        OFFER = "offer", "Offer"
        ANSWER = "answer", "Answer"
        CANDIDATE = "candidate", "ICE candidate"
        BYE = "bye", "Left"

    call = models.ForeignKey(VideoCall, on_delete=models.CASCADE, related_name="signals")
    side = models.CharField(max_length=10, choices=Side.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["call", "side", "id"], name="videocall_signal_poll")]

    def __str__(self) -> str:
        return f"{self.call} {self.side} {self.kind}"

    def as_json(self) -> dict[str, Any]:
        return {"id": self.pk, "kind": self.kind, "data": self.payload}
