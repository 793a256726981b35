"""Generated test media with known content (used by the tests and the benchmark)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

SQUARE = 64


def square_at(index: int, width: int, height: int, speed: int = 4) -> tuple[int, int]:
    """Top-left of the moving square at frame `index`: to and fro across the picture,
    bobbing up and down (never jumping, so a tracker can follow it)."""
    span = max(1, width - SQUARE - 80)
    travel = (index * speed) % (2 * span)
    x = 40 + (travel if travel < span else 2 * span - travel)
    y = height // 3 + int(20 * np.sin(index / 15))
    return x, y


def checker(size: int = SQUARE, cell: int = 8) -> NDArray[np.uint8]:
    ys, xs = np.indices((size, size))
    pattern = ((ys // cell + xs // cell) % 2).astype(np.uint8) * 255
    return np.stack([pattern, 255 - pattern, pattern // 2], axis=-1)


def background(width: int, height: int, seed: int = 7) -> NDArray[np.uint8]:
    rng = np.random.default_rng(seed)
    base = np.full((height, width, 3), 110, dtype=np.uint8)
    noise = rng.integers(0, 24, size=(height // 8 + 1, width // 8 + 1, 3), dtype=np.uint8)
    return base + np.kron(noise, np.ones((8, 8, 1), dtype=np.uint8))[:height, :width]


def moving_squares_video(
    path: Path,
    *,
    seconds: float = 2.0,
    width: int = 320,
    height: int = 240,
    fps: int = 25,
    squares: int = 1,
    audio: bool = True,
) -> None:
    """An H.264/AAC MP4 with `squares` checkered squares moving across a textured background
    (square n is `square_at(i)` shifted down by n*90 pixels) and a 440 Hz tone."""
    frames = int(seconds * fps)
    bg = background(width, height)
    pattern = checker()
    with av.open(str(path), mode="w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "18"}
        sound = None
        if audio:
            sound = out.add_stream("aac", rate=48000)
            sound.layout = "mono"
        for i in range(frames):
            picture = bg.copy()
            for n in range(squares):
                x, y = square_at(i, width, height)
                y = (y + n * 90) % (height - SQUARE)
                picture[y : y + SQUARE, x : x + SQUARE] = pattern
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            for packet in video.encode(frame):
                out.mux(packet)
        if sound is not None:
            total = int(seconds * 48000)
            for start in range(0, total, 1024):
                n = min(1024, total - start)
                t = (start + np.arange(n)) / 48000
                tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32).reshape(1, -1)
                aframe = av.AudioFrame.from_ndarray(tone, format="fltp", layout="mono")
                aframe.sample_rate = 48000
                aframe.pts = start
                for packet in sound.encode(aframe):
                    out.mux(packet)
            for packet in sound.encode(None):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
