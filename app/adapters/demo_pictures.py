"""Demo pictures for the seeded catalog, drawn with Pillow: one per category and variant, each distinct.

A category has its own colour and motif, a variant its own pattern and label, so page 1 of a demo
catalog shows different pictures, not twenty copies of one. Only `make run` / `make seed` draw
them (`seed(..., pictures=True)`); tests seed without.
"""

from __future__ import annotations

import colorsys
import functools
import hashlib
import io

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 640, 480


def _hue(text: str) -> float:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:2], "big") / 65535


def _rgb(hue: float, lightness: float, saturation: float) -> tuple[int, int, int]:
    red, green, blue = colorsys.hls_to_rgb(hue, lightness, saturation)
    return round(red * 255), round(green * 255), round(blue * 255)


AVIF_QUALITY = 30
"""Judged by eye at 2× zoom against WebP 60 (docs/performance.md, the catalog's first view): at 30 the outline,
letter and label are as sharp and the stripes a little softer; at 20 the stripes go blotchy and the letter smudges.
A 240 px drawing is ~40 % smaller than in WebP 60 (a flat one, without stripes, about the same)."""
AVIF_SPEED = 7
"""Faster than uploads' 6: the seed encodes a whole catalog's pictures at once, for a few % more bytes."""


def demo_pictures(
    category: str, variant: str, widths: tuple[int, ...], formats: tuple[str, ...] = ("webp",)
) -> tuple[bytes, dict[tuple[int, str], bytes]]:
    """The picture as a 640 x 480 WebP and, by (width, format), a thumbnail in each of `widths` and `formats`
    (WebP at quality 60, AVIF at AVIF_QUALITY: flat drawings)."""
    image = _draw(category, variant)
    original = _webp(image)
    sizes = {}
    for width in widths:
        # Whole fractions of 640 (160, 320): `reduce` averages blocks of pixels, far cheaper than resampling; the
        # others (240, 480) are resampled. All at quality 60, the 640 one too (not the original's 80).
        scaled = _scaled(image, width)
        for extension in formats:
            sizes[width, extension] = _avif(scaled) if extension == "avif" else _webp(scaled, quality=60)
    return original, sizes


def _avif(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "AVIF", quality=AVIF_QUALITY, speed=AVIF_SPEED)
    return out.getvalue()


def _scaled(image: Image.Image, width: int) -> Image.Image:
    if width >= WIDTH:
        return image
    if WIDTH % width == 0:
        return image.reduce(WIDTH // width)
    return image.resize((width, round(HEIGHT * width / WIDTH)), Image.Resampling.LANCZOS)


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _webp(image: Image.Image, quality: int = 80) -> bytes:
    """WebP's slowest, tightest method: a 320 px thumbnail of a drawing is a third smaller than with the fastest
    (3.7 KB against 5.7 KB on average) for about 5 ms more (docs/performance.md, the catalog's first view)."""
    out = io.BytesIO()
    image.save(out, "WEBP", quality=quality, method=6)
    return out.getvalue()


def _draw(category: str, variant: str) -> Image.Image:
    """The category's colour and motif, the variant's stripes and label."""
    hue = _hue(category)
    image = Image.new("RGB", (WIDTH, HEIGHT), _rgb(hue, 0.88, 0.45))
    draw = ImageDraw.Draw(image)
    accent, dark = _rgb(hue, 0.5, 0.6), _rgb(hue, 0.25, 0.5)
    if variant:
        stripe = _rgb((hue + _hue(variant) * 0.5) % 1, 0.8, 0.5)
        step = 40 + int(_hue(variant) * 60)
        for x in range(-HEIGHT, WIDTH, step):
            draw.line([(x, HEIGHT), (x + HEIGHT, 0)], fill=stripe, width=step // 3)
    motif = int(_hue(category + "motif") * 4)
    box = (200, 110, 440, 350)
    if motif == 0:
        draw.ellipse(box, fill=accent, outline=dark, width=8)
    elif motif == 1:
        draw.rounded_rectangle(box, radius=36, fill=accent, outline=dark, width=8)
    elif motif == 2:
        draw.polygon([(320, 100), (450, 350), (190, 350)], fill=accent, outline=dark, width=8)
    else:
        draw.regular_polygon((320, 230, 125), 6, fill=accent, outline=dark, width=8)
    letter = _font(120)
    draw.text((320, 230), category[:1], font=letter, fill="white", anchor="mm", stroke_width=4, stroke_fill=dark)
    label = _font(40)
    draw.text((320, 420), f"{category} {variant}".strip(), font=label, fill=dark, anchor="mm")
    return image
