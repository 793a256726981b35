"""Redaction speed (issue "Redaction"): a 5-minute 720p 25 fps clip with 3 tracked boxes.

A clip is generated (H.264/AAC MP4, three checkered squares moving to and fro over a
textured background, a 440 Hz tone), then redacted by `lantern.redaction.engine.redact_video`,
the function the background task calls: decode, follow each of the 3 boxes from the frame-0
box a person would draw (template matching), blur them, mute one sound segment, re-encode
H.264 + AAC. Timed once (it is long).

Headline: `x_realtime` = seconds of video ÷ seconds taken (≥ 1 means faster than real time).
Baseline in the same run: the same decode and re-encode with no boxes (`plain_x_realtime`),
so `ratio_to_plain` shows what the tracking and blurring cost on top of re-encoding.
Checked, not assumed: on every 250th frame of the output each square's centre is blurred
(`tracked_frames_ok` of `tracked_frames_checked`).

Not included: copying the working copy out of storage and hashing the output (I/O, a few
seconds for a file this size). Environment: BENCH_REDACTION_SECONDS (clip length; 300 by
default, 20 with --quick).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import av
import numpy as np

WIDTH, HEIGHT, FPS, SQUARES = 1280, 720, 25, 3


def _log(message: str) -> None:
    print(f"[redaction] {message}", file=sys.stderr, flush=True)


def _boxes() -> list[dict[str, Any]]:
    from lantern.redaction import testmedia

    boxes = []
    for n in range(SQUARES):
        x, y = testmedia.square_at(0, WIDTH, HEIGHT)
        y = (y + n * 90) % (HEIGHT - testmedia.SQUARE)
        boxes.append(
            {"id": f"b{n}", "kind": "blur", "x": x, "y": y, "w": 64, "h": 64,
             "start": 0, "end": None, "track": True}
        )  # fmt: skip
    return boxes


def _check(output: Path) -> tuple[int, int]:
    """Frames checked, and frames where every square's centre is smooth (blurred)."""
    from lantern.redaction import testmedia

    checked = ok = 0
    with av.open(str(output)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i % 250:
                continue
            pixels = frame.to_ndarray(format="rgb24").astype(float)
            checked += 1
            good = True
            for n in range(SQUARES):
                x, y = testmedia.square_at(i, WIDTH, HEIGHT)
                y = (y + n * 90) % (HEIGHT - testmedia.SQUARE)
                centre = pixels[y + 16 : y + 48, x + 16 : x + 48]
                good = good and float(centre.std(axis=(0, 1)).max()) < 30
            ok += good
    return checked, ok


def run(quick: bool) -> dict[str, Any]:
    from lantern.redaction import engine, testmedia

    seconds = float(os.environ.get("BENCH_REDACTION_SECONDS", "20" if quick else "300"))
    with tempfile.TemporaryDirectory(prefix="lantern-bench-redaction-") as tmp:
        clip = Path(tmp) / "clip.mp4"
        started = time.perf_counter()
        testmedia.moving_squares_video(
            clip, seconds=seconds, width=WIDTH, height=HEIGHT, fps=FPS, squares=SQUARES
        )
        _log(f"generated {seconds:g} s clip in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        plain = engine.redact_video(clip, Path(tmp) / "plain.mp4", [])
        plain_seconds = time.perf_counter() - started
        _log(f"plain re-encode {plain_seconds:.1f} s")
        started = time.perf_counter()
        result = engine.redact_video(
            clip, Path(tmp) / "out.mp4", _boxes(), [{"kind": "mute", "start": 1, "end": 3}]
        )
        taken = time.perf_counter() - started
        _log(f"redaction {taken:.1f} s")
        checked, ok = _check(Path(tmp) / "out.mp4")
    x_realtime = result.seconds / taken
    plain_x = plain.seconds / plain_seconds
    return {
        "clip": f"{WIDTH}x{HEIGHT} {FPS} fps, {result.frames} frames, {SQUARES} tracked boxes",
        "cores": os.cpu_count(),
        "metrics": {
            "x_realtime": round(x_realtime, 3),
            "plain_x_realtime": round(plain_x, 3),
            "ratio_to_plain": round(x_realtime / plain_x, 3),
            "media_seconds": round(result.seconds, 1),
            "processing_seconds": round(taken, 1),
            "tracked_frames_checked": checked,
            "tracked_frames_ok": ok,
        },
        "frames_covered": result.covered,
        "target_met": x_realtime >= 1.0,
        "numpy": np.__version__,
    }
