"""Messages the system sent, kept for the demo outbox."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"

    channel = models.CharField(max_length=10, choices=Channel.choices)
    to = models.CharField(max_length=500)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.to}: {self.subject or self.body[:40]}"
