"""Hostile files through both evidence upload paths (tus and the plain form): no server
error, no write outside the storage root, nothing served before its checks complete, and
only files the checks accept served afterwards (never as HTML, never under a raw name)."""

from __future__ import annotations

import base64
import hashlib
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lantern.accounts.tests.factories import World
from lantern.evidence.models import EvidenceItem
from lantern.evidence.tasks import evidence_item_check
from lantern.evidence.tests.test_requests import _create
from tests.security.corpus import MP4, NAMES, files
from tests.security.figures import report

pytestmark = pytest.mark.django_db
MAX_BYTES = 64 * 1024
TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


@pytest.fixture
def roots(settings: Any, tmp_path: Path) -> tuple[Path, Path]:
    """Storage and upload roots six levels down, so that `../` escapes stay inside tmp_path
    where the test can see them."""
    base = tmp_path.joinpath(*"abcdef")
    media, uploads = base / "media", base / "uploads"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media)},
        },
    }
    settings.LANTERN_UPLOAD_DIR = str(uploads)
    settings.LANTERN_EVIDENCE_MAX_BYTES = MAX_BYTES
    settings.LANTERN_UPLOAD_MAX_BYTES = MAX_BYTES
    return media, uploads


def multipart(field: str, name: str, content: bytes) -> tuple[bytes, str]:
    """A form body with the file name exactly as given (the test client would clean it)."""
    boundary = "lantern-hostile-boundary"
    raw_name = name.encode("utf-8", "surrogateescape")
    body = (
        f"--{boundary}\r\n".encode()
        + f'Content-Disposition: form-data; name="{field}"; filename="'.encode()
        + raw_name
        + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


class Run:
    def __init__(self, on_commit: Any) -> None:
        self.on_commit = on_commit
        self.counts: Counter[str] = Counter()
        self.errors: list[str] = []

    def check(self, what: str, response: Any) -> Any:
        self.counts["requests"] += 1
        if response.status_code >= 500:
            self.errors.append(f"{what}: {response.status_code}")
        return response

    def form_upload(self, client: Client, name: str, content: bytes) -> None:
        body, kind = multipart("footage", name, content)
        response = client.generic("POST", reverse("evidence:respond-upload"), body, kind)
        self.check(f"form upload {name[:40]!r}", response)
        self.counts["uploads"] += 1

    def tus_upload(self, client: Client, name: str, content: bytes) -> None:
        meta = "filename " + base64.b64encode(name.encode("utf-8", "surrogateescape")).decode()
        created = self.check(
            f"tus create {name[:40]!r}",
            client.post(
                reverse("uploads:collection"),
                b"",
                content_type=OCTETS,
                headers={**TUS, "Upload-Length": str(len(content)), "Upload-Metadata": meta},
            ),
        )
        self.counts["uploads"] += 1
        if created.status_code != 201:
            self.counts["refused_at_upload"] += 1
            return
        location = created["Location"].split("testserver", 1)[-1]
        if content:
            with self.on_commit():  # a finished upload becomes a draft item after commit
                self.check(
                    f"tus patch {name[:40]!r}",
                    client.generic(
                        "PATCH",
                        location,
                        content,
                        content_type=OCTETS,
                        headers={**TUS, "Upload-Offset": "0"},
                        CONTENT_TYPE=OCTETS,
                    ),
                )


def served(client: Client, item: EvidenceItem) -> list[Any]:
    """The item's file URLs that answered with content."""
    answers = []
    for name in ("evidence:item-download", "evidence:item-play"):
        response = client.get(reverse(name, args=[item.pk]))
        if response.status_code in (200, 206):
            answers.append(response)
    return answers


def files_outside(top: Path, roots: tuple[Path, ...]) -> list[str]:
    outside = []
    for folder, _, names in os.walk(top):
        for name in names:
            path = Path(folder, name).resolve()
            if not any(path.is_relative_to(root.resolve()) for root in roots):
                outside.append(str(path))
    return outside


def test_hostile_files_through_both_upload_paths(
    world: World,
    client_for,
    mailoutbox,
    on_commit,
    roots: tuple[Path, Path],
    settings: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    media, uploads = roots
    _, path = _create(client_for, world, mailoutbox, on_commit)
    operator = client_for("cctv_operator")
    operator.get(path)
    run = Run(on_commit)
    corpus = files(MAX_BYTES)
    expected = {hashlib.sha256(content).hexdigest(): ok for _, content, ok in corpus.values()}
    expected[hashlib.sha256(MP4).hexdigest()] = True
    for upload in (run.form_upload, run.tus_upload):
        for name, content, _ in corpus.values():
            upload(operator, name, content)
        for name in NAMES:
            upload(operator, name, MP4)

    drafts = list(EvidenceItem.objects.filter(state=EvidenceItem.State.DRAFT))
    assert {d.upload_id is None for d in drafts} == {True, False}, "both paths made items"
    # Hold the checks back (queued, not run) to see what is served before they complete.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with on_commit():
        run.check("submit", operator.post(reverse("evidence:respond-submit"), {}))
    officer = client_for("officer")
    items = list(EvidenceItem.objects.filter(pk__in=[d.pk for d in drafts]))
    assert items and all(i.state == EvidenceItem.State.SUBMITTED for i in items)

    # Before the checks: nothing may be served, whatever it is.
    served_early = sum(len(served(officer, item)) for item in items)
    for item in items:
        evidence_item_check.call(item.pk)

    wrong, leaks = [], []
    for item in EvidenceItem.objects.filter(pk__in=[i.pk for i in items]):
        answers = served(officer, item)
        must_serve = expected[item.sha256]
        run.counts["served" if answers else "refused_by_checks"] += 1
        if bool(answers) != must_serve:
            wrong.append(f"{item.original_name[:40]!r} ({item.state}) served={bool(answers)}")
        for response in answers:
            disposition = response.get("Content-Disposition", "")
            if (
                response["Content-Type"].startswith("text/html")
                or response.get("X-Content-Type-Options") != "nosniff"
                or any(c in disposition for c in "\r\n\x00/\\")
                or disposition.count('"') > 2
            ):
                leaks.append(f"{item.original_name[:40]!r}: {dict(response.headers)}")
        # Stored under a name of our own, inside the storage root.
        stored = Path(item.original.path).resolve()
        if not stored.is_relative_to(media.resolve()):
            leaks.append(f"stored outside the root: {stored}")

    # Pages listing the names escape them.
    reference = EvidenceItem.objects.values_list("request__reference", flat=True).first()
    for client, url in (
        (officer, reverse("evidence:request-detail", args=[reference])),
        (officer, reverse("evidence:case-detail", args=[items[0].case_id])),
        (operator, reverse("evidence:respond")),
    ):
        page = run.check(url, client.get(url))
        if b"<script>alert(1)</script>" in page.content:
            leaks.append(f"{url} shows a name unescaped")

    outside = files_outside(tmp_path, (media, uploads))
    report(
        capsys,
        "hostile files (tus + form)",
        uploads=run.counts["uploads"],
        requests=run.counts["requests"],
        refused_at_upload=run.counts["refused_at_upload"],
        items_checked=len(items),
        served_before_checks=served_early,
        refused_by_checks=run.counts["refused_by_checks"],
        served_after_checks=run.counts["served"],
        server_errors=len(run.errors),
        writes_outside_root=len(outside),
    )
    assert not run.errors, run.errors
    assert served_early == 0
    assert not outside, outside
    assert not wrong, wrong
    assert not leaks, leaks
    assert not Path("/tmp/lantern-escape").exists()
