"""A corpus of hostile files and names, generated in the test (nothing hostile is committed)."""

from __future__ import annotations

import io
import zipfile

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 2000
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def zip_bomb(unpacked_mib: int = 64) -> bytes:
    """A zip whose one member unpacks to `unpacked_mib` MiB of zeros (about 0.1% on disk)."""
    buffer = io.BytesIO()
    archive = zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9)
    with archive, archive.open("footage.mp4", "w", force_zip64=True) as member:
        for _ in range(unpacked_mib):
            member.write(bytes(1 << 20))
    return buffer.getvalue()


def files(max_bytes: int) -> dict[str, tuple[str, bytes, bool]]:
    """label -> (file name, content, whether the checks must let it be served)."""
    return {
        # A JPEG header with an HTML page in a comment: served only as an image, never as HTML.
        "polyglot jpeg/html": (
            "still.jpg",
            JPEG_HEAD + b"\xff\xfe\x00\x60" + HTML + b"\xff\xd9",
            True,
        ),
        "html named jpg": ("photo.jpg", HTML, False),
        "html named mp4": ("cam1.mp4", b"<html>" + HTML, False),
        "elf named mp4": ("cam2.mp4", b"\x7fELF\x02\x01\x01" + bytes(1000), False),
        "windows exe named avi": (
            "cam3.avi",
            b"MZ\x90\x00" + bytes(60) + b"PE\x00\x00" + bytes(1000),
            False,
        ),
        "shell script named jpg": ("cam4.jpg", b"#!/bin/sh\nrm -rf /\n", False),
        "zip bomb": ("export.zip", zip_bomb(), True),
        "zero bytes": ("empty.mp4", b"", False),
        "one byte over the limit": ("big.mp4", MP4 + bytes(max_bytes + 1 - len(MP4)), False),
        "plain mp4": ("cam5.mp4", MP4, True),
    }


# Names that must never reach the file system as a path, a header or a page unescaped.
NAMES = [
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    "../../../../../../tmp/lantern-escape",
    "cam\x00.mp4",
    "cam\u202egpj.exe",  # right-to-left override: shows as "cam" + "exe.jpg" reversed
    "a" * 1000 + ".mp4",
    "CON",
    "nul.mp4",
    "COM1.avi",
    "cam.mp4\r\nSet-Cookie: stolen=1",
    'cam".mp4; filename=evil.html',
    "<script>alert(1)</script>.mp4",
    ".",
    "..",
    "",
]
