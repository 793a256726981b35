"""A drawn face-like test pattern (no photograph is shipped): hair, an oval face, brows,
eyes, a nose and a mouth, softened. OpenCV's bundled frontal-face cascade finds it."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFilter


def face_picture(size: int = 160, width: int = 400, height: int = 300) -> Image.Image:
    """A face `size` pixels tall centred in a plain picture."""
    img = Image.new("RGB", (width, height), (90, 110, 130))
    d = ImageDraw.Draw(img)
    cx, cy = width / 2, height / 2
    w, h = size * 0.75, float(size)
    d.ellipse([cx - w / 2 - 8, cy - h / 2 - 14, cx + w / 2 + 8, cy + h / 2 - 40], fill=(40, 30, 20))
    d.ellipse([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], fill=(225, 185, 160))
    ex, ey = w * 0.22, cy - h * 0.08
    for side in (-1, 1):
        x = cx + side * ex
        d.rectangle([x - w * 0.14, ey - h * 0.10, x + w * 0.14, ey - h * 0.075], fill=(60, 40, 30))
        d.ellipse([x - w * 0.11, ey - h * 0.04, x + w * 0.11, ey + h * 0.04], fill=(250, 250, 250))
        d.ellipse([x - w * 0.045, ey - h * 0.04, x + w * 0.045, ey + h * 0.04], fill=(30, 20, 20))
    d.polygon(
        [(cx, ey + h * 0.02), (cx - w * 0.08, cy + h * 0.15), (cx + w * 0.08, cy + h * 0.15)],
        fill=(195, 150, 130),
    )
    d.ellipse([cx - w * 0.2, cy + h * 0.24, cx + w * 0.2, cy + h * 0.31], fill=(150, 60, 60))
    return img.filter(ImageFilter.GaussianBlur(2))
