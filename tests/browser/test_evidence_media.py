"""The officer plays a working copy made from footage no browser can play (MPEG-4 Part 2 in
AVI), on a phone, and the item page passes axe."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from lantern.accounts.tests.factories import World
from lantern.evidence import media
from lantern.evidence.models import EvidenceItem, RequestLink
from lantern.evidence.services import evidence_item_add, evidence_items_submit

from .conftest import axe_violations, control_room_request
from .test_pages import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _avi(tmp_path: Path) -> bytes:
    path = tmp_path / "cam.avi"
    subprocess.run(
        [media.ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin",
         "-f", "lavfi", "-i", "testsrc=duration=2:size=160x120:rate=25",
         "-c:v", "mpeg4", "-q:v", "5", str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    return path.read_bytes()


def test_officer_plays_the_working_copy(browser, live_server, world: World, tmp_path) -> None:
    import hashlib

    request, _ = control_room_request(world, case_reference="NP/5", location="Cam 3")
    link = RequestLink.objects.get(request=request)
    data = _avi(tmp_path)
    evidence_item_add(
        link=link,
        file=ContentFile(data),
        name="cam.avi",
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        uploaded_by=link.principal,
    )
    evidence_items_submit(link=link, uploaded_by=link.principal, details={})
    item = EvidenceItem.objects.get()
    assert item.state == EvidenceItem.State.READY, item.state_reason

    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, world, "officer")
        page.goto(live_server.url + reverse("evidence:item-detail", args=[item.pk]))
        assert not axe_violations(page)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        duration = page.evaluate(
            """() => new Promise((resolve, reject) => {
                const video = document.querySelector("video");
                video.addEventListener("loadedmetadata", () => resolve(video.duration));
                video.addEventListener("error", () => reject(String(video.error.code)));
                video.load();
            })"""
        )
        assert 1.5 < duration < 2.5  # the browser decoded the H.264 working copy
    finally:
        context.close()
