"""Capture time and place read from a photo's EXIF metadata (Pillow), where present."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import IO, Any

from PIL import Image, UnidentifiedImageError

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011


@dataclass(frozen=True)
class PhotoMetadata:
    is_image: bool
    taken_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None


def _degrees(value: Any, ref: Any) -> float | None:
    try:
        d, m, s = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = d + m / 60 + s / 3600
    return -result if str(ref).upper() in {"S", "W"} else result


def _taken_at(raw: Any, offset: Any) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        naive = datetime.strptime(raw.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    tz = UTC
    if isinstance(offset, str) and len(offset) >= 6 and offset[0] in "+-":
        try:
            hours, minutes = int(offset[1:3]), int(offset[4:6])
        except ValueError:
            hours = minutes = 0
        sign = 1 if offset[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    # Without an offset the camera's local time is taken as UTC; the device time is kept too.
    return naive.replace(tzinfo=tz)


def read_photo_metadata(handle: IO[bytes]) -> PhotoMetadata:
    """Reads only the header; the file is left unchanged and rewound."""
    position = handle.tell()
    try:
        with Image.open(handle) as image:
            image.verify()
        handle.seek(position)
        with Image.open(handle) as image:
            exif = image.getexif()
            details = exif.get_ifd(EXIF_IFD)
            gps = exif.get_ifd(GPS_IFD)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return PhotoMetadata(is_image=False)
    finally:
        handle.seek(position)
    latitude = longitude = None
    if gps.get(2) and gps.get(4):
        latitude = _degrees(gps.get(2), gps.get(1))
        longitude = _degrees(gps.get(4), gps.get(3))
    return PhotoMetadata(
        is_image=True,
        taken_at=_taken_at(details.get(DATETIME_ORIGINAL), details.get(OFFSET_TIME_ORIGINAL)),
        latitude=latitude,
        longitude=longitude,
    )
