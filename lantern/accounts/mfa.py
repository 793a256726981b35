"""Two-factor authentication with django-otp: an authenticator app plus recovery codes."""

from __future__ import annotations

import base64
import math
import secrets
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

__all__ = ["RECOVERY_CODE_COUNT", "StaticDevice", "TOTPDevice"]

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "Recovery codes"
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to read back


def user_has_mfa(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def device_for_code(user: User, code: str) -> TOTPDevice | StaticDevice | None:
    """Six digits are an authenticator code; anything else a recovery code. Trying each kind
    only on its own device keeps a recovery code from counting as a wrong app code."""
    code = normalise_code(code)
    if code.isdigit() and len(code) == 6:
        return TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME).first()


def throttle_seconds(device: TOTPDevice | StaticDevice) -> int:
    """Seconds until a device may be tried again after wrong codes (0: now).

    django-otp doubles the wait after each wrong code (1, 2, 4, 8 ... seconds).
    """
    if device.throttling_failure_timestamp is None:
        return 0
    allowed, _ = device.verify_is_allowed()
    if allowed:
        return 0
    delay = device.get_throttle_factor() * (2 ** (device.throttling_failure_count - 1))
    elapsed = (timezone.now() - device.throttling_failure_timestamp).total_seconds()
    return int(max(1, math.ceil(delay - elapsed)))


def verify_code(user: User, code: str) -> tuple[TOTPDevice | StaticDevice | None, int]:
    """(the device the code is right for, or None; seconds to wait if throttled)."""
    device = device_for_code(user, code)
    if device is None:
        return None, 0
    wait = throttle_seconds(device)
    if wait:
        return None, wait
    return (device if device.verify_token(normalise_code(code)) else None), 0


def pending_totp_device(user: User) -> TOTPDevice:
    """The unconfirmed device being set up, created once so a reload shows the same QR."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def totp_secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_data_uri(text: str) -> str:
    """An SVG QR code as a data: URI (an <img>, so no inline styles under our CSP)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def recovery_codes_generate(user: User) -> list[str]:
    """Replace the user's recovery codes; returns them for showing once (stored as tokens)."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        StaticToken.objects.create(device=device, token=raw)
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def recovery_codes_remaining(user: User) -> int:
    return int(
        StaticToken.objects.filter(device__user=user, device__name=RECOVERY_DEVICE_NAME).count()
    )


def totp_code_now(user: User) -> str:
    """The current six-digit code of a user's confirmed device (demo `make code` only)."""
    from django_otp.oath import TOTP

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise LookupError(f"{user.username} has no authenticator app set up")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
