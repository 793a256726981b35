"""Email backend that keeps every message in the outbox (and echoes it to the console)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend

from .models import OutboxMessage


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        count = 0
        for message in email_messages:
            html = ""
            if isinstance(message, EmailMultiAlternatives):
                for content, mimetype in message.alternatives:
                    if mimetype == "text/html":
                        html = str(content)
            OutboxMessage.objects.create(
                channel=OutboxMessage.Channel.EMAIL,
                to=", ".join(message.recipients()),
                subject=str(message.subject),
                body=str(message.body),
                html_body=html,
            )
            count += 1
        ConsoleBackend(fail_silently=True).send_messages(email_messages)
        return count
