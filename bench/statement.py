"""Statement benchmark (issue #12): render an MG11 and PAdES-sign it, p95.

Measured: what `statements.services.statement_sign()` does to the document in the web
request: `pdf.render_mg11()` of a four-paragraph statement (one page with the declaration), then
`signing.seal_pdf()` (PAdES baseline with a signature timestamp) with the development
signing certificates, whose time-stamping authority runs in-process. Production asks a remote
RFC 3161 TSA instead (STATEMENT_TSA_URL), whose round trip adds to these figures.

Baseline, in the same run and interleaved: `render_mg11()` alone (the unsigned PDF).
ratio = p95 of render + sign ÷ p95 of render. The first sealed PDF is verified (intact,
trusted) before timing, so the figures are for a signature that checks.

Flat names: statement.p95_ms (render + sign), statement.render_p95_ms, statement.p50_ms,
statement.ratio_vs_render. Environment: BENCH_STATEMENT_SAMPLES.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SAMPLES, SAMPLES_QUICK, WARMUP = 60, 12, 2
PARAGRAPH = (
    "I am the manager of the Northtown High Street store. At about 14:20 on the day in "
    "question I was on the shop floor near the health and beauty aisle when I saw a man in a "
    "grey hoodie fill a foil-lined bag with razor blades from the display. I watched him walk "
    "past the tills without paying and leave through the main doors towards the station."
)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def run(quick: bool) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from lantern.statements.pdf import StatementDocument, count_pages, render_mg11
    from lantern.statements.signing import ensure_dev_certificates, seal_pdf, verify_pdf

    samples = int(
        os.environ.get("BENCH_STATEMENT_SAMPLES") or (SAMPLES_QUICK if quick else SAMPLES)
    )
    document = StatementDocument(
        urn="42AB1234525",
        witness_name="Sam Ellis",
        age_text="Over 18",
        occupation="Store manager",
        statement_text="\n\n".join([PARAGRAPH] * 4) + "\n\nThat is all I saw.",
        signed_name="Sam Ellis",
        signature_png=None,
        signed_at=datetime.now(UTC),
        force_name="Northshire Police",
        officer_name="PC 1234 Alex Smith",
        exhibits=["SE/1"],
    )
    with tempfile.TemporaryDirectory(prefix="lantern-statement-bench-") as tmp:
        config = ensure_dev_certificates(Path(tmp), "Northshire Police")

        def render() -> bytes:
            return render_mg11(document)

        def render_and_sign() -> bytes:
            return seal_pdf(
                render_mg11(document), config, reason="Witness statement", location="Northshire"
            )

        first = render_and_sign()
        verdict = verify_pdf(first, list(config.trust_root_paths))
        if not (verdict.intact and verdict.trusted):
            raise RuntimeError(f"the sealed statement does not verify: {verdict.summary}")
        pages = count_pages(first)
        timings: dict[str, list[float]] = {"render": [], "sign": []}
        for i in range(WARMUP + samples):
            for name, work in (("render", render), ("sign", render_and_sign)):
                began = time.perf_counter()
                work()
                if i >= WARMUP:
                    timings[name].append(time.perf_counter() - began)
            print(f"  [statement] {i + 1}/{WARMUP + samples}", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    render_p95, sign_p95 = _p95(timings["render"]), _p95(timings["sign"])
    return {
        "samples": samples,
        "pages": pages,
        "pdf_bytes": len(first),
        "metrics": {
            "p95_ms": _ms(sign_p95),
            "p50_ms": _ms(statistics.median(timings["sign"])),
            "render_p95_ms": _ms(render_p95),
            "ratio_vs_render": round(sign_p95 / render_p95, 3),
        },
        "notes": [
            "render + PAdES seal with the development certificates and in-process TSA; a "
            "remote TSA in production adds its round trip",
            "baseline: render_mg11() alone, interleaved in the same run",
        ],
    }
