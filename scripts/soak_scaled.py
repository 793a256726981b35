#!/usr/bin/env python
"""Mixed traffic on the scaled layout, then every file hash and the ledger checked.

    .venv/bin/python scripts/soak_scaled.py [--seconds 1800]      (make soak-scaled SOAK_SECONDS=…)

Starts the layout of scripts/run_scaled.py (a fresh database `lantern_soak_<pid>` copied from
the migrated template, dropped at the end; SeaweedFS; two web processes; two workers; the
scheduler) and runs, until --seconds have passed, a bounded set of simulated users (each one
thread, one request at a time, a short pause between actions):

- 2 API clients sending retail reports (`POST /api/v1/reports`, 201 expected);
- 1 store member attaching CCTV to the store's report: each file (1–12 MiB, random) is
  created and half sent on one web process and resumed on the other, then submitted;
- 1 store member viewing the offender gallery (200);
- 1 officer writing and signing an MG11 of their own, alternating web processes.

Any other answer is an error: none is injected, so the soak passes only with zero errors.
Memory: the resident memory of each web process (gunicorn master and workers) is read after
the first minute (or a quarter of a shorter run) and at the end. Afterwards, once the task
queue is empty, it checks every evidence file in the bucket against its recorded SHA-256,
every signed statement's PAdES signature, publishes a signed checkpoint and verifies the
whole ledger. Prints a JSON summary; exits 1 if anything failed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_scaled import (
    BUCKET,
    Browser,
    Options,
    ScaledLayout,
    own_statement_form,
    query,
    report_token,
)

MiB = 1024 * 1024
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 2000


class Soak:
    def __init__(self, layout: ScaledLayout, seconds: float) -> None:
        self.layout = layout
        self.deadline = time.monotonic() + seconds
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.errors: list[str] = []

    def ok(self, what: str) -> None:
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def fail(self, what: str, response: requests.Response | None, note: str = "") -> None:
        detail = f"{response.status_code} {response.text[:200]!r}" if response is not None else ""
        with self.lock:
            self.errors.append(f"{what}: {detail} {note}".strip())

    def step(self, what: str, action: Any) -> None:
        """One action of a simulated user; a transport error counts as an error too."""
        try:
            action()
        except requests.RequestException as exc:
            self.fail(what, None, f"{type(exc).__name__}: {exc}")

    def running(self) -> bool:
        return time.monotonic() < self.deadline and len(self.errors) < 50

    def pause(self) -> None:
        time.sleep(0.2 + secrets.randbelow(800) / 1000)  # 0.2–1 s between actions

    # -- the simulated users ------------------------------------------------------------------

    def reporter(self, token: str, store: int) -> None:
        session = requests.Session()
        # A new connection per request: reusing one the server is just closing for being
        # idle fails a POST that no client would retry, and that is not what is under test.
        headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
        n = 0
        while self.running():
            n += 1
            body: dict[str, Any] = {
                "store_id": store,
                "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
                "kind": "theft",
                "description": f"Soak report {n}: a bag of razor blades",
                "items": [{"description": "Razor blades", "quantity": 2, "unit_value_pence": 999}],
            }
            url = self.layout.web_urls[n % 2] + "/api/v1/reports"

            def send(url: str = url, body: dict[str, Any] = body) -> None:
                response = session.post(url, json=body, headers=headers, timeout=120)
                if response.status_code == 201:
                    self.ok("report")
                else:
                    self.fail("report", response)

            self.step("report", send)
            self.pause()

    def uploader(self, browser: Browser, report: int) -> None:
        n = 0
        while self.running():
            n += 1
            first, second = n % 2, (n + 1) % 2
            try:
                self.step("upload", partial(self._upload, browser, report, first, second, n))
            except AssertionError as exc:
                self.fail("upload", None, str(exc))
            self.pause()

    def _upload(self, browser: Browser, report: int, first: int, second: int, n: int) -> None:
        attach = browser.post(first, f"/reports/{report}/attach/")
        assert attach.status_code == 302, f"attach {attach.status_code}"
        data = MP4 + os.urandom(MiB + secrets.randbelow(11 * MiB))  # 1–12 MiB
        tus = {"Tus-Resumable": "1.0.0", "X-CSRFToken": str(browser.session.cookies["csrftoken"])}
        name = f"soak-{n}.mp4"
        created = browser.session.post(
            browser.url(first, "/uploads/"),
            headers={
                **tus,
                "Upload-Length": str(len(data)),
                "Upload-Metadata": "filename " + base64.b64encode(name.encode()).decode(),
            },
            timeout=120,
        )
        assert created.status_code == 201, f"create {created.status_code}"
        path = "/uploads/" + created.headers["Location"].split("/uploads/", 1)[1]
        half = len(data) // 2
        patch = {**tus, "Content-Type": "application/offset+octet-stream"}
        sent = browser.session.patch(
            browser.url(first, path), data=data[:half], headers={**patch, "Upload-Offset": "0"},
            timeout=300,
        )  # fmt: skip
        assert sent.status_code == 204, f"patch {sent.status_code}"
        rest = browser.session.patch(
            browser.url(second, path), data=data[half:],
            headers={**patch, "Upload-Offset": str(half)}, timeout=300,
        )  # fmt: skip
        assert rest.status_code == 204, f"resume {rest.status_code} {rest.text[:200]}"
        item = self._wait_for_item(name)
        submitted = browser.post(second, "/evidence/respond/submit/", {f"description-{item}": name})
        assert submitted.status_code == 200, f"submit {submitted.status_code}"
        self.expected[item] = hashlib.sha256(data).hexdigest()
        self.ok("upload")

    def _wait_for_item(self, name: str) -> int:
        deadline = time.monotonic() + 120
        while not (
            rows := query(
                self.layout,
                "SELECT id FROM evidence_evidenceitem WHERE original_name = %s",
                (name,),
            )
        ):
            assert time.monotonic() < deadline, f"no evidence item for {name}"
            time.sleep(0.5)
        return int(rows[0][0])

    def viewer(self, browser: Browser) -> None:
        n = 0
        while self.running():
            n += 1

            def view(web: int = n % 2) -> None:
                response = browser.get(web, "/intelligence/gallery/")
                if response.status_code == 200:
                    self.ok("gallery")
                else:
                    self.fail("gallery", response)

            self.step("gallery", view)
            self.pause()

    def signer(self, browser: Browser) -> None:
        n = 0
        while self.running():
            n += 1
            try:
                self.step("statement", partial(self._statement, browser, n))
            except AssertionError as exc:
                self.fail("statement", None, str(exc))
            self.pause()

    def _statement(self, browser: Browser, n: int) -> None:
        created = browser.post(
            n % 2,
            "/statements/new/",
            own_statement_form(f"NP/2026/S{n}", "Soak statement"),
        )
        assert created.status_code == 302, f"new {created.status_code}"
        detail = created.headers["Location"]
        match = re.search(r"/statements/(\d+)/", detail)
        assert match, detail
        pk = int(match.group(1))
        text = f"I am a police officer. Soak statement {n}."
        saved = browser.post((n + 1) % 2, detail, {"text": text, "action": "save"})
        assert saved.status_code in (200, 302), f"save {saved.status_code}"
        signed = browser.post(
            n % 2, f"/statements/{pk}/sign/", {"signed_name": "Olu Person", "declaration": "on"}
        )
        assert signed.status_code in (200, 302), f"sign {signed.status_code}"
        self.statements.append(pk)
        self.ok("statement")

    expected: dict[int, str]
    statements: list[int]


def _rss_mib(layout: ScaledLayout) -> dict[str, float]:
    """Resident memory of each web process: the gunicorn master and its workers."""
    result = {}
    for role, process in layout.processes:
        if not role.startswith("web"):
            continue
        pids = [process.pid]
        for child in Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split():
            pids.append(int(child))
        total = 0
        for pid in pids:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        result[role] = round(total / 1024, 1)
    return result


def _settle(layout: ScaledLayout) -> None:
    deadline = time.monotonic() + 300
    while query(
        layout,
        "SELECT count(*) FROM django_tasks_database_dbtaskresult"
        " WHERE status IN ('READY', 'RUNNING')",
    )[0][0]:
        if time.monotonic() > deadline:
            raise RuntimeError("the task queue did not empty within 5 minutes")
        time.sleep(1)


def _verify(layout: ScaledLayout, soak: Soak) -> dict[str, Any]:
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    s3 = boto3.client(
        "s3",
        endpoint_url=layout.s3_endpoint,
        aws_access_key_id=layout.env("admin")["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=layout.s3_secret,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )
    bad: list[str] = []
    rows = query(
        layout,
        "SELECT id, sha256, original, original_name FROM evidence_evidenceitem"
        " WHERE original <> '' "
        "AND erased_at IS NULL",
    )
    for item, digest, name, label in rows:
        h = hashlib.sha256()
        try:
            body = s3.get_object(Bucket=BUCKET, Key=name)["Body"]
        except s3.exceptions.NoSuchKey:
            bad.append(f"evidence item {item} ({label}): {name} is not in the bucket")
            continue
        for chunk in body.iter_chunks(1 << 20):
            h.update(chunk)
        if h.hexdigest() != digest:
            bad.append(f"evidence item {item}: stored {h.hexdigest()} != recorded {digest}")
        if item in soak.expected and soak.expected[item] != digest:
            bad.append(f"evidence item {item}: recorded {digest} != uploaded {soak.expected[item]}")
    missing = set(soak.expected) - {r[0] for r in rows}
    bad += [f"evidence item {i} not stored" for i in sorted(missing)]

    from lantern.statements.signing import ensure_dev_certificates, verify_pdf

    roots = list(
        ensure_dev_certificates(
            layout.root / "shared" / "statement-signing", "Northshire Police"
        ).trust_root_paths
    )
    signed = query(
        layout,
        "SELECT id, signed_pdf FROM statements_statement WHERE id = ANY(%s)",
        (soak.statements,),
    )
    for pk, name in signed:
        if not name:
            bad.append(f"statement {pk}: no signed PDF")
            continue
        pdf = s3.get_object(Bucket=BUCKET, Key=name)["Body"].read()
        verdict = verify_pdf(pdf, roots)
        if not (verdict.intact and verdict.trusted):
            bad.append(f"statement {pk}: {verdict.summary}")
    layout.manage("ledger_publish")
    ledger = layout.manage("ledger_verify", check=False)
    if ledger.returncode != 0:
        bad.append("ledger: " + ledger.stdout[-500:])
    return {
        "evidence_files_checked": len(rows),
        "statements_checked": len(signed),
        "ledger": ledger.stdout.strip().splitlines()[0] if ledger.stdout else "",
        "problems": bad,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="soak_scaled.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1800)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lantern-soak-") as tmp:
        layout = ScaledLayout(
            Options(
                root=Path(tmp),
                database=f"lantern_soak_{os.getpid()}",
                port=0,
                fresh=True,
                from_template=True,
                drop_on_stop=True,
            )
        )
        layout.start()
        try:
            return _soak(layout, args.seconds)
        finally:
            layout.stop()


def _soak(layout: ScaledLayout, seconds: float) -> int:
    token, store = report_token(layout)
    store_member, gallery_member, officer = Browser(layout), Browser(layout), Browser(layout)
    store_member.sign_in(0, "storestaff")
    gallery_member.sign_in(1, "storestaff")
    officer.sign_in(1, "officer")
    [(report,)] = query(
        layout,
        "SELECT id FROM reports_retailreport WHERE status <> 'draft' AND store_id = %s "
        "ORDER BY id LIMIT 1",
        (store,),
    )
    soak = Soak(layout, seconds)
    soak.expected, soak.statements = {}, []
    threads = [
        threading.Thread(target=soak.reporter, args=(token, store)),
        threading.Thread(target=soak.reporter, args=(token, store)),
        threading.Thread(target=soak.uploader, args=(store_member, report)),
        threading.Thread(target=soak.viewer, args=(gallery_member,)),
        threading.Thread(target=soak.signer, args=(officer,)),
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(min(60.0, seconds / 4))
    memory_start = _rss_mib(layout)
    # Resident memory every minute, to tell warming up (a rise that levels off) from a leak
    # (a rise that goes on): the second half's growth is the figure that matters.
    samples = [{"at_s": round(time.monotonic() - started), **memory_start}]
    next_sample = time.monotonic() + 60.0
    while any(thread.is_alive() for thread in threads):
        time.sleep(1.0)
        if time.monotonic() >= next_sample and any(thread.is_alive() for thread in threads):
            samples.append({"at_s": round(time.monotonic() - started), **_rss_mib(layout)})
            next_sample += 60.0
    for thread in threads:
        thread.join()
    memory_end = _rss_mib(layout)
    elapsed = time.monotonic() - started
    half = next((s for s in samples if s["at_s"] >= elapsed / 2), samples[-1])
    second_half_growth = {role: round(memory_end[role] - half[role], 1) for role in memory_end}
    dead = layout.dead()
    _settle(layout)
    checks = _verify(layout, soak)
    summary = {
        "seconds": round(elapsed, 1),
        "actions": soak.counts,
        "errors": soak.errors,
        "web_rss_mib_start": memory_start,
        "web_rss_mib_end": memory_end,
        "web_rss_mib_growth_second_half": second_half_growth,
        "web_rss_mib_samples": samples,
        "dead_processes": dead,
        **checks,
    }
    sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    return 1 if soak.errors or dead or checks["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
