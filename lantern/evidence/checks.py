"""Checks before anything is served: real type from the content, size and type policy, and
a virus scan through clamd when one is configured."""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import IO

import puremagic
from django.conf import settings

# Never accepted as evidence, whatever the file is called.
BLOCKED_TYPES = (
    "application/x-dosexec", "application/x-msdownload", "application/x-executable",
    "application/x-elf", "application/x-sh", "text/x-shellscript", "application/javascript",
    "text/html", "application/x-msi", "application/vnd.microsoft.portable-executable",
    "application/x-iso9660-appimage", "application/x-mach-binary",
)  # fmt: skip
# Executables puremagic names without a MIME type (ELF) or does not know (scripts), found by
# the hostile-file corpus in tests/security.
EXECUTABLE_SIGNATURES = {
    b"\x7fELF": "application/x-elf",
    b"#!": "text/x-shellscript",
    b"\xcf\xfa\xed\xfe": "application/x-mach-binary",
    b"\xce\xfa\xed\xfe": "application/x-mach-binary",
    b"\xfe\xed\xfa\xcf": "application/x-mach-binary",
    b"\xfe\xed\xfa\xce": "application/x-mach-binary",
}


@dataclass
class CheckResult:
    content_type: str
    ok: bool
    reason: str = ""


def sniff(handle: IO[bytes]) -> str:
    head = handle.read(8192)
    handle.seek(0)
    for signature, mime_type in EXECUTABLE_SIGNATURES.items():
        if head.startswith(signature):
            return mime_type
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return "application/octet-stream"
    for match in matches:
        if match.mime_type:
            return str(match.mime_type)
    return "application/octet-stream"


def clamd_scan(handle: IO[bytes], address: str) -> str | None:
    """The virus name if clamd finds one (INSTREAM protocol), else None."""
    host, _, port = address.rpartition(":")
    if address.startswith("/"):
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(address)
    else:
        sock = socket.create_connection((host, int(port)), timeout=60)
    with sock:
        sock.sendall(b"zINSTREAM\0")
        while chunk := handle.read(1 << 20):
            sock.sendall(struct.pack("!L", len(chunk)) + chunk)
        sock.sendall(struct.pack("!L", 0))
        reply = sock.recv(4096).decode(errors="replace").strip("\0\n ")
    handle.seek(0)
    if reply.endswith("FOUND"):
        return reply.removeprefix("stream:").removesuffix("FOUND").strip()
    if not reply.endswith("OK"):
        raise OSError(f"clamd answered {reply!r}")
    return None


def check_file(handle: IO[bytes], size: int) -> CheckResult:
    content_type = sniff(handle)
    if size == 0:
        return CheckResult(content_type, False, "The file is empty")
    if size > settings.LANTERN_EVIDENCE_MAX_BYTES:
        return CheckResult(content_type, False, "The file is larger than the size allowed")
    if content_type in BLOCKED_TYPES:
        return CheckResult(content_type, False, f"Files of type {content_type} are not accepted")
    if settings.CLAMD_ADDRESS:
        virus = clamd_scan(handle, settings.CLAMD_ADDRESS)
        if virus:
            return CheckResult(content_type, False, f"A virus was found: {virus}")
    return CheckResult(content_type, True)
