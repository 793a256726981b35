"""Public reporting settings, read when used (so `override_settings` in tests takes effect).

Each has a default that works on a laptop; config/settings.py reads them from the environment.
"""

from __future__ import annotations

from django.conf import settings

from lantern.core.ratelimit import parse_rate as _rate


def injury_in_person() -> bool:
    """Whether this force requires injury collisions to be reported in person as well."""
    return bool(getattr(settings, "PUBLIC_REPORT_INJURY_IN_PERSON", True))


def link_days() -> int:
    """How long a reporter's link to add information works."""
    return int(getattr(settings, "PUBLIC_REPORT_LINK_DAYS", 30))


def submit_rate() -> tuple[int, int]:
    """(reports, seconds) allowed per client address."""
    return _rate(str(getattr(settings, "PUBLIC_REPORT_SUBMIT_RATE", "5/h")))


def answer_rate() -> tuple[int, int]:
    """(answers saved, seconds) allowed per client address: stops scripted form filling."""
    return _rate(str(getattr(settings, "PUBLIC_REPORT_ANSWER_RATE", "300/h")))


def pow_bits() -> int:
    """Leading zero bits the browser's proof of work must find (16: about 65,000 hashes)."""
    return int(getattr(settings, "PUBLIC_REPORT_POW_BITS", 16))


def fallback_seconds() -> int:
    """Without JavaScript, how old a challenge must be before a report is accepted."""
    return int(getattr(settings, "PUBLIC_REPORT_NOJS_WAIT_SECONDS", 30))


def force_slug() -> str:
    return str(getattr(settings, "PUBLIC_REPORT_FORCE", ""))


MAX_ITEMS = 10  # vehicles or witnesses on one report
MAX_SESSION_BYTES = 64 * 1024  # all answers of one report held in the session
