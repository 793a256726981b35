"""Test photos with and without EXIF capture data."""

from __future__ import annotations

import io

from PIL import Image


def jpeg(*, taken: str | None = None, gps: tuple[float, float] | None = None) -> bytes:
    image = Image.new("RGB", (16, 16), (200, 30, 30))
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
        exif.get_ifd(0x8769)[0x9011] = "+00:00"
    if gps:
        lat, lon = gps
        exif.get_ifd(0x8825).update(
            {
                1: "N" if lat >= 0 else "S",
                2: (float(int(abs(lat))), float(abs(lat) % 1 * 60), 0.0),
                3: "E" if lon >= 0 else "W",
                4: (float(int(abs(lon))), float(abs(lon) % 1 * 60), 0.0),
            }
        )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()
