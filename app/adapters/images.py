"""Uploaded images through Pillow: decode (the format is what decodes), refuse bombs, re-encode without metadata.

Only the JPEG, PNG and WebP decoders are ever asked (`formats=`), so a GIF, an SVG, a script or a
ZIP is refused whatever its name; the pixel count is read from the header and checked before a
single pixel is decoded; what is kept is the pixels, re-encoded, never the uploaded bytes, so
comments, EXIF (GPS included), ICC profiles, text chunks and anything appended after the image
(a polyglot's HTML, a GIFAR's ZIP) are left behind.

Pillow is imported by the functions that decode, not with this module: a web process that is never
sent an upload does without its ~4.7 MiB (docs/performance.md, "Web process memory").
"""

from __future__ import annotations

import asyncio
import io
import warnings
from typing import TYPE_CHECKING

from app.domain.images import THUMBNAIL_FORMAT, ImageRefused, NormalisedImage

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
"""Pillow's decoders that may run on an upload, and the extension each re-encoded image gets."""
NOT_AN_IMAGE = "This file is not a JPEG, PNG or WebP image. Choose a photo or picture in one of those formats."
DAMAGED = "This image file is damaged or incomplete. Export it again and upload the new file."

if TYPE_CHECKING:
    from PIL import Image


class PillowImageCodec:
    def __init__(self, *, max_pixels: int) -> None:
        self._max_pixels = max_pixels

    async def normalise(self, data: bytes) -> NormalisedImage:
        return await asyncio.to_thread(self._normalise, data)

    async def thumbnail(self, data: bytes, width: int, extension: str = THUMBNAIL_FORMAT) -> bytes:
        return await asyncio.to_thread(_thumbnail, data, width, extension)

    def _normalise(self, data: bytes) -> NormalisedImage:
        from PIL import Image, ImageOps, UnidentifiedImageError

        if not data:
            raise ImageRefused("Choose an image file to upload.")
        with warnings.catch_warnings():
            # Pillow's own bomb guard (MAX_IMAGE_PIXELS) warns, then raises at twice its limit; ours is lower.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            try:
                image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            except UnidentifiedImageError:
                raise ImageRefused(NOT_AN_IMAGE) from None
            except Image.DecompressionBombError:  # Pillow's own limit, far above ours: the size is not told
                raise ImageRefused(self._too_large("")) from None
            except (OSError, SyntaxError, ValueError):
                raise ImageRefused(DAMAGED) from None
            with image:
                self._check_size(image.width, image.height)
                extension = FORMATS[image.format or ""]
                try:
                    image.load()
                    upright = ImageOps.exif_transpose(image)
                except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
                    raise ImageRefused(DAMAGED) from None
                return NormalisedImage(
                    data=_encode(upright, extension), extension=extension, width=upright.width, height=upright.height
                )

    def _check_size(self, width: int, height: int) -> None:
        if width * height > self._max_pixels:
            raise ImageRefused(self._too_large(f" ({width:,} × {height:,} pixels)"))

    def _too_large(self, size: str) -> str:
        limit = f"{self._max_pixels / 1_000_000:g}"
        return f"This image is too large{size}: the shop accepts up to {limit} megapixels. Scale it down and try again."


def _encode(image: Image.Image, extension: str) -> bytes:
    """The pixels alone in `extension`'s format: no EXIF, ICC profile, comment or text chunk is passed on."""
    pixels = image.copy()
    pixels.info = {}  # JPEG's encoder would carry over `comment`, PNG's the `dpi` and text; start from nothing
    out = io.BytesIO()
    if extension == "jpg":
        pixels.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif extension == "png":
        if pixels.mode not in {"1", "L", "LA", "P", "RGB", "RGBA"}:
            pixels = pixels.convert("RGBA")
        pixels.save(out, "PNG")
    else:
        pixels.convert("RGBA" if "A" in pixels.getbands() else "RGB").save(out, "WEBP", quality=85)
    return out.getvalue()


AVIF_QUALITY = 50
"""Uploads are photos: 50, well above the 30 that the flat demo drawings get (app/adapters/demo_pictures.py)."""
AVIF_SPEED = 6
"""libavif's speed 0 (slowest, smallest) to 10: 6 is a third the CPU of its default for ~2 % more bytes."""


def _thumbnail(data: bytes, width: int, extension: str = THUMBNAIL_FORMAT) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
        height = max(1, round(image.height * width / image.width))
        mode = "RGBA" if "A" in image.getbands() or image.mode == "P" else "RGB"
        resized = image.convert(mode).resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # method 6, WebP's tightest: the same quality in fewer bytes (catalog pages load a screenful of these), for
    # more CPU in the worker, once per upload.
    if extension == "avif":
        resized.save(out, "AVIF", quality=AVIF_QUALITY, speed=AVIF_SPEED)
    else:
        resized.save(out, "WEBP", quality=80, method=6)
    return out.getvalue()
