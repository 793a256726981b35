"""The key flows across the scaled layout: two web processes (each with a local folder of its
own, as on two hosts), two task workers, PostgreSQL and a real S3 server.

Each flow moves between web 1 and web 2 mid-way, so it passes only if nothing it needs is
kept in one process or on one host's disk.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import time
import uuid
from datetime import datetime, timedelta

import boto3  # type: ignore[import-untyped]
import pytest
import requests
from botocore.config import Config  # type: ignore[import-untyped]
from run_scaled import Browser, own_statement_form, query

from .conftest import PART_BYTES, MiB, reference_in

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 2000
WEB1, WEB2 = 0, 1
STEPS = ["goods", "offenders", "staff", "cctv"]


def _report_form(store_id: int) -> dict[str, str]:
    when = datetime.now() - timedelta(hours=3)
    return {
        "store": str(store_id),
        "occurred_at": when.strftime("%Y-%m-%dT%H:%M"),
        "kind": "theft",
        "description": "Two men filled a bag with razor blades and left",
        "how_offender_left": "On foot towards the station",
        "staff_witnesses": "Sam Jones",
        "cctv_available": "on",
        "cctv_kept_days": "30",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-0-description": "Razor blades",
        "items-0-quantity": "3",
        "items-0-unit_value": "12.50",
        "offenders-TOTAL_FORMS": "1",
        "offenders-INITIAL_FORMS": "0",
        "offenders-0-sex": "male",
        "offenders-0-age": "30s",
        "offenders-0-clothing": "Grey hoodie",
        "action": "continue",
    }


def _send_report(browser: Browser) -> tuple[int, str]:
    """Fill in a report page by page, alternating web processes; send it. (id, reference)"""
    [(store_id,)] = query(
        browser.layout, "SELECT id FROM accounts_store WHERE name = 'Northtown High Street'"
    )
    form = _report_form(store_id)
    created = browser.post(WEB1, "/reports/new/", form)
    assert created.status_code == 302, created.text[:3000]
    pk = int(re.search(r"/reports/(\d+)/", created.headers["Location"]).group(1))  # type: ignore[union-attr]
    for i, step in enumerate(STEPS):
        response = browser.post(i % 2, f"/reports/{pk}/answers/{step}/", form)
        assert response.status_code == 302, (step, response.text[:3000])
    assert response.headers["Location"] == f"/reports/{pk}/check/"
    sent = browser.post(WEB2, f"/reports/{pk}/check/")
    assert sent.status_code == 200, sent.text[:3000]
    return pk, reference_in(sent.text)


def test_the_proxy_hands_connections_to_both_web_processes(scaled) -> None:
    marker = uuid.uuid4().hex
    for _ in range(4):  # a new connection each time: round robin
        assert requests.get(f"{scaled.proxy_url}/health/?probe={marker}", timeout=30).ok
    time.sleep(0.5)  # access log lines are written after the response
    for i in (1, 2):
        log = (scaled.logs / f"web{i}.log").read_text(errors="replace")
        assert log.count(marker) == 2, f"web{i} served {log.count(marker)} of 4"


def test_a_retail_report_sent_across_both_web_processes(browser: Browser) -> None:
    browser.sign_in(None, "storestaff")  # through the proxy
    pk, reference = _send_report(browser)
    [(status, ref)] = query(
        browser.layout, "SELECT status, reference FROM reports_retailreport WHERE id = %s", (pk,)
    )
    assert ref == reference and status == "received"
    # The other process shows it in the store's list.
    assert reference in browser.get(WEB1, "/reports/").text
    # Another store's member (a different company) cannot open it, on either process.
    other = Browser(browser.layout)
    other.sign_in(WEB2, "pharmacymanager")
    assert other.get(WEB1, f"/reports/{pk}/").status_code == 404


def test_an_upload_started_on_web_1_is_resumed_on_web_2(browser: Browser) -> None:
    browser.sign_in(WEB1, "storestaff")
    pk, _ = _send_report(browser)
    attach = browser.post(WEB1, f"/reports/{pk}/attach/")
    assert attach.status_code == 302 and attach.headers["Location"] == "/evidence/respond/"
    assert browser.get(WEB2, "/evidence/respond/").status_code == 200

    # Past one S3 part and into the next, so web 2 must pick up a part and a tail from S3.
    data = MP4 + os.urandom(PART_BYTES + 3 * MiB)
    tus = {"Tus-Resumable": "1.0.0", "X-CSRFToken": str(browser.session.cookies["csrftoken"])}
    created = browser.session.post(
        browser.url(WEB1, "/uploads/"),
        headers={
            **tus,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": "filename " + base64.b64encode(b"till3.mp4").decode(),
        },
        timeout=60,
    )
    assert created.status_code == 201, created.text[:2000]
    path = "/uploads/" + created.headers["Location"].split("/uploads/", 1)[1]
    first = PART_BYTES + MiB + 12345
    patch = {**tus, "Content-Type": "application/offset+octet-stream"}
    sent = browser.session.patch(
        browser.url(WEB1, path),
        data=data[:first],
        headers={**patch, "Upload-Offset": "0"},
        timeout=120,
    )
    assert sent.status_code == 204, sent.text[:2000]

    head = browser.session.head(browser.url(WEB2, path), headers=tus, timeout=60)
    assert head.status_code == 200 and head.headers["Upload-Offset"] == str(first)

    resumed = browser.session.patch(
        browser.url(WEB2, path),
        data=io.BytesIO(data[first:]),  # streamed from the file object, with its length
        headers={**patch, "Upload-Offset": str(first)},
        timeout=120,
    )
    assert resumed.status_code == 204, resumed.text[:2000]
    assert resumed.headers["Upload-Offset"] == str(len(data))

    # The draft item is made from the finished upload by a task worker.
    deadline = time.monotonic() + 60
    while not (
        rows := query(
            browser.layout,
            "SELECT e.id, e.sha256, e.original, e.size FROM evidence_evidenceitem e"
            " JOIN reports_retailreport r ON r.cctv_request_id = e.request_id"
            " WHERE e.original_name = 'till3.mp4' AND r.id = %s",
            (pk,),
        )
    ):
        assert time.monotonic() < deadline, "no evidence item made from the upload"
        time.sleep(0.5)
    [(item_id, digest, name, size)] = rows
    expected = hashlib.sha256(data).hexdigest()
    assert digest == expected and size == len(data)
    submitted = browser.post(
        WEB1, "/evidence/respond/submit/", {f"description-{item_id}": "Till 3"}
    )
    assert submitted.status_code == 200, submitted.text[:2000]

    s3 = boto3.client(
        "s3",
        endpoint_url=browser.layout.s3_endpoint,
        aws_access_key_id=browser.layout.env("admin")["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=browser.layout.s3_secret,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )
    body = s3.get_object(Bucket="lantern-scaled", Key=name)["Body"].read()
    assert hashlib.sha256(body).hexdigest() == expected
    [(state,)] = query(
        browser.layout, "SELECT state FROM evidence_evidenceitem WHERE id = %s", (item_id,)
    )
    assert state != "draft"


def test_a_statement_written_on_one_process_is_signed_on_the_other(browser: Browser) -> None:
    from lantern.statements.signing import ensure_dev_certificates, verify_pdf

    browser.sign_in(WEB2, "officer")
    created = browser.post(
        WEB1,
        "/statements/new/",
        own_statement_form("NP/2026/77", "Assault on the bus"),
    )
    assert created.status_code == 302, created.text[:3000]
    detail = created.headers["Location"]
    pk = int(re.search(r"/statements/(\d+)/", detail).group(1))  # type: ignore[union-attr]
    saved = browser.post(
        WEB2, detail, {"text": "I am a police officer. I arrested the man.", "action": "save"}
    )
    assert saved.status_code in (200, 302), saved.text[:2000]
    signed = browser.post(
        WEB1, f"/statements/{pk}/sign/", {"signed_name": "Olu Person", "declaration": "on"}
    )
    assert signed.status_code in (200, 302), signed.text[:2000]
    [(status,)] = query(
        browser.layout, "SELECT status FROM statements_statement WHERE id = %s", (pk,)
    )
    assert status == "signed"
    pdf = browser.get(WEB2, f"/statements/{pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    shared = browser.layout.root / "shared" / "statement-signing"
    roots = list(ensure_dev_certificates(shared, "Northshire Police").trust_root_paths)
    verdict = verify_pdf(pdf.content, roots)
    assert verdict.intact and verdict.trusted and verdict.ok, verdict.summary


@pytest.mark.parametrize("web", [WEB1, WEB2])
def test_ledger_appends_from_each_web_process(browser: Browser, web: int) -> None:
    before = query(browser.layout, "SELECT count(*) FROM ledger_entry")[0][0]
    browser.sign_in(web, "storestaff")
    browser.post(web, "/accounts/sign-out/")
    after = query(browser.layout, "SELECT count(*) FROM ledger_entry")[0][0]
    assert after >= before + 2  # signed in, signed out


def test_zz_the_ledger_verifies_after_every_flow(scaled) -> None:
    """Last (zz): every entry the flows above appended from both processes is sequenced and
    the signed checkpoint over them verifies."""
    deadline = time.monotonic() + 60
    while query(scaled, "SELECT count(*) FROM ledger_entry WHERE seq IS NULL")[0][0]:
        assert time.monotonic() < deadline, "entries still waiting to be sequenced"
        time.sleep(0.5)
    scaled.manage("ledger_publish")
    verified = scaled.manage("ledger_verify", check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "The ledger is intact." in verified.stdout
    entries = int(re.search(r"Checked (\d+) entries", verified.stdout).group(1))  # type: ignore[union-attr]
    assert entries == query(scaled, "SELECT count(*) FROM ledger_entry")[0][0]
