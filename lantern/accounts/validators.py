"""Refuse passwords known from breaches, via the Pwned Passwords k-anonymity range API.

Only the first five hex characters of the password's SHA-1 leave the server. Off unless
PWNED_PASSWORDS_URL is set (the machine may have no internet); Django's offline
CommonPasswordValidator always runs. If the service cannot be reached the password is
accepted and a warning logged: an outage must not stop people resetting passwords.
"""

from __future__ import annotations

import hashlib
import logging
import urllib.request
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

logger = logging.getLogger(__name__)


class BreachedPasswordValidator:
    def __init__(self, timeout: float = 3.0) -> None:
        self.timeout = timeout

    def validate(self, password: str, user: Any = None) -> None:
        base_url: str = settings.PWNED_PASSWORDS_URL
        if not base_url.startswith(("https://", "http://")):
            return
        digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()
        prefix, suffix = digest[:5], digest[5:]
        request = urllib.request.Request(  # noqa: S310  (scheme checked above)
            base_url.rstrip("/") + "/" + prefix,
            headers={"Add-Padding": "true", "User-Agent": "Lantern"},
        )
        try:
            # Reviewed (bandit B310): URL from settings (PWNED_PASSWORDS_URL), scheme checked.
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 # nosec B310
                body = response.read().decode("utf-8", "replace")
        except OSError as exc:
            logger.warning("Breached-password check unavailable: %s", exc)
            return
        for line in body.splitlines():
            candidate, _, count = line.strip().partition(":")
            if candidate == suffix and count.strip() not in {"", "0"}:
                raise ValidationError(
                    "This password has appeared in a data breach. Choose a different password.",
                    code="password_breached",
                )

    def get_help_text(self) -> str:
        return "Your password must not be one that has appeared in a data breach."
