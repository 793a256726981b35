"""Text messages: a small pluggable sender, like Django's email backends."""

from __future__ import annotations

import logging
from typing import Protocol

import phonenumbers
from django.conf import settings
from django.utils.module_loading import import_string

from .models import OutboxMessage

logger = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, to: str, body: str) -> None: ...


class OutboxSmsBackend:
    """Keeps the message in the outbox: the default for development and demos."""

    def send(self, to: str, body: str) -> None:
        OutboxMessage.objects.create(channel=OutboxMessage.Channel.SMS, to=to, body=body)
        logger.info("SMS to %s: %s", to, body)


class ConsoleSmsBackend:
    def send(self, to: str, body: str) -> None:
        print(f"SMS to {to}: {body}")  # noqa: T201


def normalise_uk_mobile(number: str) -> str:
    """E.164 form of a phone number, reading national numbers as UK ones."""
    try:
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException:
        parsed = None
    # A valid number, or one shaped like a UK mobile: Ofcom's drama range (07700 900xxx),
    # used in demos and tests, is unallocated and so never "valid".
    uk_mobile_shape = (
        parsed is not None
        and parsed.country_code == 44
        and len(str(parsed.national_number)) == 10
        and str(parsed.national_number).startswith("7")
    )
    if parsed is None or not (phonenumbers.is_valid_number(parsed) or uk_mobile_shape):
        raise ValueError("Enter a valid phone number, like 07700 900 982")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def send_sms(to: str, body: str) -> None:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    backend.send(normalise_uk_mobile(to), body)
