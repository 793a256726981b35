"""Redaction of pictures, video and PDFs: pure functions, no Django.

Boxes are in the source's pixels (pictures, video) or in PDF points from the page's top-left
(PDFs). A box is a dict:

    {"id": "b1", "kind": "blur" | "fill", "x": 10, "y": 20, "w": 100, "h": 80,
     "start": 0, "end": 249,            # video frames covered (inclusive); pictures ignore
     "track": True,                     # follow what is inside the box from frame `start`
     "keyframes": [[120, x, y, w, h]]}  # hand corrections: the box is here at that frame

Only the boxes passed in are applied: suggestions a person has not accepted never reach here.

Video: decoded and re-encoded in one pass with PyAV (H.264 + AAC in MP4). A tracked box
follows the picture inside it by template matching (OpenCV `matchTemplate`, normalised
correlation) in a window around its last position, on a half-size grey picture; at each
keyframe the box is put back where the person said. Audio segments are muted or replaced by
a 1 kHz tone ("bleep").

PDF: each page with an area to remove is redrawn as a picture with the areas filled black,
and the page's characters outside the areas are written back as invisible text (so the page
can still be searched); characters inside the areas exist nowhere in the output. Pages with
nothing to remove are copied unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps

Box = dict[str, Any]
Frame = NDArray[np.uint8]

BLUR_BLOCKS = 5  # a blurred box keeps at most this many blocks across its shorter side
FILL_COLOUR = (0, 0, 0)
BLEEP_HZ = 1000.0
TRACK_SCALE = 0.5  # tracking works on a picture this fraction of full size
TRACK_MARGIN = 0.5  # search this fraction of the box's size beyond it, each way
VIDEO_CRF = 20
VIDEO_PRESET = "superfast"


# --- Geometry ------------------------------------------------------------------------------


def clamp_box(x: float, y: float, w: float, h: float, width: int, height: int) -> tuple[int, ...]:
    """The box's pixels inside the picture: (x0, y0, x1, y1), possibly empty."""
    x0 = max(0, min(width, math.floor(x)))
    y0 = max(0, min(height, math.floor(y)))
    x1 = max(x0, min(width, math.ceil(x + w)))
    y1 = max(y0, min(height, math.ceil(y + h)))
    return x0, y0, x1, y1


def obscure(frame: Frame, rect: tuple[int, ...], kind: str) -> None:
    """Obscure a region in place (BGR or RGB, H×W×3). Blur: pixelate to a few blocks then
    smooth, so nothing of the detail survives; fill: solid black."""
    x0, y0, x1, y1 = rect
    if x1 <= x0 or y1 <= y0:
        return
    if kind == "fill":
        frame[y0:y1, x0:x1] = FILL_COLOUR
        return
    region = frame[y0:y1, x0:x1]
    h, w = region.shape[:2]
    block = max(6, min(w, h) // BLUR_BLOCKS)
    small = cv2.resize(
        region, (max(1, w // block), max(1, h // block)), interpolation=cv2.INTER_AREA
    )
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    k = 2 * block + 1
    smooth = cv2.GaussianBlur(big, (k, k), 0)
    frame[y0:y1, x0:x1] = smooth.reshape(region.shape)


# --- Pictures ------------------------------------------------------------------------------


def redact_image(source: Path, output: Path, boxes: Iterable[Box]) -> dict[str, Any]:
    """The picture upright (EXIF orientation applied), boxes obscured, saved as PNG without
    metadata. Returns what was done, for the recipe."""
    with Image.open(source) as picture:
        upright = ImageOps.exif_transpose(picture).convert("RGB")
    pixels = np.array(upright)
    height, width = pixels.shape[:2]
    applied = []
    for box in boxes:
        rect = clamp_box(box["x"], box["y"], box["w"], box["h"], width, height)
        obscure(pixels, rect, box.get("kind", "blur"))
        applied.append({"id": box.get("id"), "kind": box.get("kind"), "pixels": list(rect)})
    Image.fromarray(pixels).save(output, "PNG")
    return {"width": width, "height": height, "applied": applied}


def image_preview(source: Path, boxes: Iterable[Box]) -> Image.Image:
    """The picture upright, at full size, with the boxes applied (none: as it is)."""
    with Image.open(source) as picture:
        upright = ImageOps.exif_transpose(picture).convert("RGB")
    pixels = np.array(upright)
    height, width = pixels.shape[:2]
    for box in boxes:
        rect = clamp_box(box["x"], box["y"], box["w"], box["h"], width, height)
        obscure(pixels, rect, box.get("kind", "blur"))
    return Image.fromarray(pixels)


# --- Tracking ------------------------------------------------------------------------------


@dataclass
class BoxTrack:
    """Where one box is on each frame from `start` to `end`: tracked from the person's box,
    reset at each of their keyframes."""

    box: Box
    width: int
    height: int
    current: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    template: Frame | None = None
    keyframes: dict[int, tuple[float, float, float, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        b = self.box
        self.current = (float(b["x"]), float(b["y"]), float(b["w"]), float(b["h"]))
        self.keyframes = {int(b.get("start", 0)): self.current}
        for k in b.get("keyframes") or []:
            self.keyframes[int(k[0])] = (float(k[1]), float(k[2]), float(k[3]), float(k[4]))

    @property
    def start(self) -> int:
        return int(self.box.get("start", 0))

    @property
    def end(self) -> int:
        end = self.box.get("end")
        return 1 << 62 if end is None else int(end)

    def covers(self, index: int) -> bool:
        return self.start <= index <= self.end

    def _scaled(self, value: float) -> int:
        return round(value * TRACK_SCALE)

    def _take_template(self, grey: Frame) -> None:
        x, y, w, h = (self._scaled(v) for v in self.current)
        patch = grey[max(0, y) : y + h, max(0, x) : x + w]
        self.template = patch.copy() if patch.size and min(patch.shape) >= 4 else None

    def position(self, index: int, grey: Frame | None) -> tuple[float, float, float, float]:
        """The box at frame `index` (frames must be given in order). `grey` is the frame at
        TRACK_SCALE in grey, needed only for tracked boxes."""
        if index in self.keyframes:
            self.current = self.keyframes[index]
            if self.box.get("track") and grey is not None:
                self._take_template(grey)
            return self.current
        if not self.box.get("track") or grey is None or self.template is None:
            if not self.box.get("track"):
                # Untracked boxes with keyframes move in straight lines between them.
                self.current = self._interpolate(index)
            return self.current
        x, y, w, h = self.current
        th, tw = self.template.shape
        margin_x = max(8, int(tw * TRACK_MARGIN))
        margin_y = max(8, int(th * TRACK_MARGIN))
        sx0 = max(0, self._scaled(x) - margin_x)
        sy0 = max(0, self._scaled(y) - margin_y)
        sx1 = min(grey.shape[1], self._scaled(x) + tw + margin_x)
        sy1 = min(grey.shape[0], self._scaled(y) + th + margin_y)
        window = grey[sy0:sy1, sx0:sx1]
        if window.shape[0] < th or window.shape[1] < tw:
            return self.current
        scores = cv2.matchTemplate(window, self.template, cv2.TM_CCOEFF_NORMED)
        _, best, _, (bx, by) = cv2.minMaxLoc(scores)
        if best > 0.3:
            self.current = ((sx0 + bx) / TRACK_SCALE, (sy0 + by) / TRACK_SCALE, w, h)
            if best > 0.6:
                # Follow slow changes of look (turning, light) but keep a good template.
                self.template = grey[sy0 + by : sy0 + by + th, sx0 + bx : sx0 + bx + tw].copy()
        return self.current

    def _interpolate(self, index: int) -> tuple[float, float, float, float]:
        before = [k for k in self.keyframes if k <= index]
        after = [k for k in self.keyframes if k > index]
        if not before:
            return self.keyframes[min(self.keyframes)]
        k0 = max(before)
        if not after:
            return self.keyframes[k0]
        k1 = min(after)
        t = (index - k0) / (k1 - k0)
        a, b = self.keyframes[k0], self.keyframes[k1]
        return (
            a[0] + (b[0] - a[0]) * t,
            a[1] + (b[1] - a[1]) * t,
            a[2] + (b[2] - a[2]) * t,
            a[3] + (b[3] - a[3]) * t,
        )


def _grey_small(grey: Frame) -> Frame:
    h, w = grey.shape[:2]
    size = (max(1, int(w * TRACK_SCALE)), max(1, int(h * TRACK_SCALE)))
    return np.asarray(cv2.resize(grey, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _rgb_grey(rgb: Frame) -> Frame:
    return np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), dtype=np.uint8)


def _place(
    index: int, tracks: list[BoxTrack], grey: Frame, where: dict[str, list[int]] | None
) -> list[tuple[BoxTrack, tuple[float, float, float, float]]]:
    live = [t for t in tracks if t.covers(index)]
    if not live:
        return []
    small = _grey_small(grey) if any(t.box.get("track") for t in live) else None
    placed = []
    for track in live:
        placed.append((track, track.position(index, small)))
        if where is not None:
            where.setdefault(str(track.box.get("id")), []).append(index)
    return placed


def apply_boxes(
    rgb: Frame, index: int, tracks: list[BoxTrack], where: dict[str, list[int]] | None = None
) -> None:
    """Obscure every box covering frame `index` of an RGB picture (in place)."""
    height, width = rgb.shape[:2]
    for track, (x, y, w, h) in _place(index, tracks, _rgb_grey(rgb), where):
        obscure(rgb, clamp_box(x, y, w, h, width, height), track.box.get("kind", "blur"))


def _planes(frame: av.VideoFrame) -> list[Frame]:
    """Writable views of a yuv420p frame's Y, U and V planes (without the row padding)."""
    views = []
    for plane in frame.planes:
        flat = np.frombuffer(cast(Any, plane), dtype=np.uint8)
        views.append(flat.reshape(plane.height, plane.line_size)[:, : plane.width])
    return views


def apply_boxes_yuv(
    planes: list[Frame], index: int, tracks: list[BoxTrack], where: dict[str, list[int]] | None
) -> None:
    """The same on a yuv420p picture: Y at full size, U and V at half (fill is video black)."""
    luma, cb, cr = planes
    height, width = luma.shape
    for track, (x, y, w, h) in _place(index, tracks, luma, where):
        kind = track.box.get("kind", "blur")
        x0, y0, x1, y1 = clamp_box(x, y, w, h, width, height)
        if x1 <= x0 or y1 <= y0:
            continue
        # Whole chroma samples covering the box.
        cx0, cy0, cx1, cy1 = x0 // 2, y0 // 2, (x1 + 1) // 2, (y1 + 1) // 2
        if kind == "fill":
            luma[y0:y1, x0:x1] = 16
            cb[cy0:cy1, cx0:cx1] = 128
            cr[cy0:cy1, cx0:cx1] = 128
            continue
        _obscure_grey(luma, (x0, y0, x1, y1))
        _obscure_grey(cb, (cx0, cy0, cx1, cy1))
        _obscure_grey(cr, (cx0, cy0, cx1, cy1))


def _obscure_grey(plane: Frame, rect: tuple[int, ...]) -> None:
    x0, y0, x1, y1 = rect
    if x1 <= x0 or y1 <= y0:
        return
    region = np.ascontiguousarray(plane[y0:y1, x0:x1])
    stacked = region[:, :, None]
    obscure(stacked, (0, 0, x1 - x0, y1 - y0), "blur")
    plane[y0:y1, x0:x1] = stacked[:, :, 0]


# --- Video ---------------------------------------------------------------------------------


def _in_segments(t: float, segments: list[dict[str, Any]]) -> dict[str, Any] | None:
    for segment in segments:
        if float(segment["start"]) <= t < float(segment["end"]):
            return segment
    return None


def _treat_audio(frame: av.AudioFrame, segments: list[dict[str, Any]]) -> av.AudioFrame:
    if frame.time is None or not segments:
        return frame
    rate = frame.sample_rate
    start = float(frame.time)
    end = start + frame.samples / rate
    if not any(float(s["start"]) < end and float(s["end"]) > start for s in segments):
        return frame
    data: Any = frame.to_ndarray()
    planar = frame.format.is_planar
    samples: Any = data if planar else data.reshape(-1, frame.layout.nb_channels).T
    samples = samples.astype(np.float32 if samples.dtype.kind == "f" else samples.dtype)
    times = start + np.arange(frame.samples) / rate
    for segment in segments:
        mask = (times >= float(segment["start"])) & (times < float(segment["end"]))
        if not mask.any():
            continue
        if segment.get("kind") == "bleep":
            tone = 0.3 * np.sin(2 * np.pi * BLEEP_HZ * times[mask])
            if samples.dtype.kind != "f":
                tone = tone * np.iinfo(samples.dtype).max
            samples[:, mask] = tone.astype(samples.dtype)
        else:
            samples[:, mask] = 0
    out_data = samples if planar else samples.T.reshape(1, -1)
    out = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(out_data), format=frame.format.name, layout=frame.layout.name
    )
    out.sample_rate = rate
    out.pts = frame.pts
    out.time_base = frame.time_base
    return out


@dataclass
class VideoResult:
    frames: int
    seconds: float
    width: int
    height: int
    frame_rate: float
    covered: dict[str, list[int]]


def redact_video(
    source: Path,
    output: Path,
    boxes: list[Box],
    audio_segments: list[dict[str, Any]] | None = None,
    *,
    threads: int = 0,
    progress: Callable[[int], None] | None = None,
) -> VideoResult:
    """Re-encode the first video stream (and first audio stream) with the boxes applied."""
    segments = list(audio_segments or [])
    with av.open(str(source), mode="r", container_options={"protocol_whitelist": "file"}) as src:
        vin = src.streams.video[0]
        vin.thread_type = "AUTO"
        ain = src.streams.audio[0] if src.streams.audio else None
        width, height = vin.codec_context.width, vin.codec_context.height
        rate = vin.average_rate or vin.guessed_rate or Fraction(25)
        tracks = [BoxTrack(b, width, height) for b in boxes]
        with av.open(str(output), mode="w", format="mp4") as dst:
            vout = dst.add_stream("libx264", rate=rate)
            vout.width = width + (width % 2)
            vout.height = height + (height % 2)
            vout.pix_fmt = "yuv420p"
            vout.time_base = vin.time_base
            vout.options = {"preset": VIDEO_PRESET, "crf": str(VIDEO_CRF)}
            if threads:
                vout.codec_context.thread_count = threads
            aout = None
            if ain is not None:
                aout = dst.add_stream("aac", rate=ain.codec_context.sample_rate)
                aout.layout = ain.codec_context.layout.name
                aout.bit_rate = 160_000
            covered: dict[str, list[int]] = {}
            index = 0
            streams = [vin] + ([ain] if ain is not None else [])
            for packet in src.demux(*streams):
                if packet.stream is vin:
                    for frame in packet.decode():
                        assert isinstance(frame, av.VideoFrame)
                        # A copy: the decoder may still refer to the frame it returned.
                        new = av.VideoFrame(vout.width, vout.height, "yuv420p")
                        source_frame = (
                            frame
                            if frame.format.name == "yuv420p"
                            else frame.reformat(format="yuv420p")
                        )
                        planes = _planes(new)
                        for target, plane in zip(planes, _planes(source_frame), strict=True):
                            target[: plane.shape[0], : plane.shape[1]] = plane
                        apply_boxes_yuv(planes, index, tracks, covered)
                        new.pts = frame.pts
                        new.time_base = frame.time_base
                        for out_packet in vout.encode(new):
                            dst.mux(out_packet)
                        index += 1
                        if progress is not None and index % 250 == 0:
                            progress(index)
                elif aout is not None:
                    for aframe in packet.decode():
                        assert isinstance(aframe, av.AudioFrame)
                        treated = _treat_audio(aframe, segments)
                        treated.pts = None
                        for out_packet in aout.encode(treated):
                            dst.mux(out_packet)
            for out_packet in vout.encode(None):
                dst.mux(out_packet)
            if aout is not None:
                for out_packet in aout.encode(None):
                    dst.mux(out_packet)
    return VideoResult(
        frames=index,
        seconds=index / float(rate),
        width=width,
        height=height,
        frame_rate=float(rate),
        covered={k: [v[0], v[-1], len(v)] for k, v in covered.items()},
    )


def video_frame(source: Path, index: int, boxes: list[Box] | None = None) -> Image.Image:
    """Frame `index` (0-based, in decode order; the last frame if past the end) as a
    picture, with the boxes applied when given. Tracked boxes are followed from their
    start, so this decodes from the start of the video."""
    tracks = [BoxTrack(b, 0, 0) for b in boxes or []]
    with av.open(str(source), mode="r", container_options={"protocol_whitelist": "file"}) as src:
        vin = src.streams.video[0]
        vin.thread_type = "AUTO"
        last: tuple[int, av.VideoFrame] | None = None
        for i, frame in enumerate(src.decode(vin)):
            if i >= index:
                last = (i, frame)
                break
            if any(t.box.get("track") and t.covers(i) for t in tracks):
                # Follow the tracked boxes through the frames before the one wanted.
                apply_boxes(np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8), i, tracks)
            last = (i, frame)
        if last is None:
            raise ValueError("The video has no pictures")
        i, frame = last
        rgb = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
        if i < index:
            # Past the end: the tracked boxes already moved on this frame; place the rest.
            tracks = [t for t in tracks if not t.box.get("track")]
        apply_boxes(rgb, i, tracks)
        return Image.fromarray(rgb)


# --- Suggestions ---------------------------------------------------------------------------

DETECTORS = {
    "face": "haarcascade_frontalface_default.xml",
    "plate": "haarcascade_russian_plate_number.xml",
}


def _cascade(name: str) -> cv2.CascadeClassifier:
    path = Path(cv2.data.haarcascades) / DETECTORS[name]  # type: ignore[attr-defined]
    cascade = cv2.CascadeClassifier(str(path))
    if cascade.empty():
        raise RuntimeError(f"OpenCV's bundled cascade {path.name} could not be loaded")
    return cascade


def suggest(rgb: Frame, kinds: Iterable[str] = ("face", "plate")) -> list[dict[str, Any]]:
    """Faces (and number plates) found by the Haar cascades bundled with OpenCV, as boxes to
    offer; each grown by 20% so the whole head or plate is covered."""
    grey = cv2.equalizeHist(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    height, width = grey.shape
    found = []
    for kind in kinds:
        hits = _cascade(kind).detectMultiScale(
            grey, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24) if kind == "face" else (40, 12)
        )
        for x, y, w, h in hits if len(hits) else []:
            gx, gy = int(w * 0.1), int(h * 0.1)
            x0, y0, x1, y1 = clamp_box(x - gx, y - gy, w + 2 * gx, h + 2 * gy, width, height)
            found.append({"origin": kind, "x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0})
    return found


def suggest_in_video(source: Path, every_seconds: float = 2.0, limit: int = 30) -> list[Box]:
    """Suggestions on frames sampled every `every_seconds`, each a tracked box lasting until
    the next sample."""
    found: list[Box] = []
    with av.open(str(source), mode="r", container_options={"protocol_whitelist": "file"}) as src:
        vin = src.streams.video[0]
        vin.thread_type = "AUTO"
        rate = float(vin.average_rate or vin.guessed_rate or 25)
        step = max(1, round(rate * every_seconds))
        for i, frame in enumerate(src.decode(vin)):
            if i % step:
                continue
            rgb = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
            for hit in suggest(rgb):
                found.append({**hit, "start": i, "end": i + step - 1, "track": True})
                if len(found) >= limit:
                    return found
    return found


# --- PDF -----------------------------------------------------------------------------------

PDF_DPI = 150


def pdf_page(source: Path, number: int, areas: Iterable[Box] = ()) -> Image.Image:
    """Page `number` (1-based, the last if past the end) drawn at 72 dpi, so one pixel is
    one point: the areas on that page are shown filled."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    document = pdfium.PdfDocument(str(source))
    try:
        if len(document) == 0:
            raise ValueError("The document has no pages")
        number = min(max(1, number), len(document))
        bitmap = document[number - 1].render(scale=1).to_pil().convert("RGB")
    finally:
        document.close()
    pixels = np.array(bitmap)
    height, width = pixels.shape[:2]
    for area in areas:
        if int(area.get("page", 1)) == number:
            obscure(
                pixels, clamp_box(area["x"], area["y"], area["w"], area["h"], width, height), "fill"
            )
    return Image.fromarray(pixels)


def pdf_pages(source: Path) -> int:
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    document = pdfium.PdfDocument(str(source))
    try:
        return len(document)
    finally:
        document.close()


def redact_pdf(source: Path, output: Path, areas: list[dict[str, Any]]) -> dict[str, Any]:
    """Areas: {"page": 1-based, "x", "y", "w", "h"} in points from the page's top-left."""
    import io

    import pypdfium2 as pdfium  # type: ignore[import-untyped]
    from fpdf import FPDF
    from fpdf.enums import TextMode
    from pypdf import PdfReader, PdfWriter

    by_page: dict[int, list[dict[str, Any]]] = {}
    for area in areas:
        by_page.setdefault(int(area["page"]), []).append(area)
    document = pdfium.PdfDocument(str(source))
    redrawn = FPDF(unit="pt")
    redrawn.set_auto_page_break(False)
    redrawn.set_font("helvetica")
    redrawn.text_mode = TextMode.INVISIBLE
    removed_chars = 0
    order: list[int] = []
    try:
        for number in sorted(by_page):
            if number < 1 or number > len(document):
                raise ValueError(f"The document has no page {number}")
            page = document[number - 1]
            pw, ph = page.get_size()
            bitmap = page.render(scale=PDF_DPI / 72).to_pil().convert("RGB")
            scale = bitmap.width / pw
            pixels = np.array(bitmap)
            rects = [
                (
                    float(a["x"]),
                    float(a["y"]),
                    float(a["x"]) + float(a["w"]),
                    float(a["y"]) + float(a["h"]),
                )
                for a in by_page[number]
            ]
            for x0, y0, x1, y1 in rects:
                r = clamp_box(
                    x0 * scale, y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale, *bitmap.size
                )
                obscure(pixels, r, "fill")
            redrawn.add_page(format=(pw, ph))
            buffer = io.BytesIO()
            Image.fromarray(pixels).save(buffer, "PNG")
            redrawn.image(buffer, x=0, y=0, w=pw, h=ph)
            text = page.get_textpage()
            run: list[str] = []
            run_at: tuple[float, float, float] | None = None
            last_right = -1.0

            def flush() -> None:
                nonlocal run, run_at
                if run and run_at is not None and "".join(run).strip():
                    size = max(1.0, run_at[2])
                    redrawn.set_font_size(size)
                    words = "".join(run).encode("latin-1", "replace").decode("latin-1")
                    redrawn.text(run_at[0], run_at[1], words)
                run, run_at = [], None

            for i in range(text.count_chars()):
                char = text.get_text_range(i, 1)
                # Tight box: is any ink under an area? Loose box (the font's full height):
                # the same for every character of a line, so lines stay together.
                left, bottom, right, top = text.get_charbox(i)
                _, loose_bottom, _, loose_top = text.get_charbox(i, loose=True)
                cx0, cy0, cx1, cy1 = left, ph - top, right, ph - bottom
                inside = any(
                    cx0 < x1 and cx1 > x0 and cy0 < y1 and cy1 > y0 for x0, y0, x1, y1 in rects
                ) and bool(char.strip())
                if inside:
                    removed_chars += 1
                    flush()
                    continue
                if char in "\r\n":
                    flush()
                    continue
                height = max(1.0, loose_top - loose_bottom)
                baseline = ph - loose_bottom - height * 0.2
                if run_at is not None and (abs(baseline - run_at[1]) > 2 or cx0 < last_right - 1):
                    flush()
                if run_at is None:
                    run_at = (cx0, baseline, height / 1.15)
                run.append(char)
                if right > left:
                    last_right = cx1
            flush()
            order.append(number)
    finally:
        document.close()
    redrawn_bytes = bytes(redrawn.output())
    reader = PdfReader(str(source))
    replacement = PdfReader(io.BytesIO(redrawn_bytes))
    writer = PdfWriter()
    for i, page in enumerate(reader.pages, start=1):
        if i in by_page:
            writer.add_page(replacement.pages[order.index(i)])
        else:
            writer.add_page(page)
    with output.open("wb") as handle:
        writer.write(handle)
    return {"pages_redrawn": order, "characters_removed": removed_chars, "dpi": PDF_DPI}
