"""Where a product's picture is fetched from: the pages' `<img src>` and API v2's picture URLs alike."""

from __future__ import annotations

from app.domain.images import THUMBNAIL_FORMAT

PICTURE_WIDTHS = {"thumb": 320, "large": 640}
"""How wide a product's picture is shown: on a catalog card ("thumb") and on the product's page ("large")."""


def picture_path(image_key: str, width: int, *, thumbnails_ready: bool) -> str:
    """The picture shown `width` wide: the worker's WebP thumbnail of that width once made, the upload
    itself until then (served by `/images/…`, app/controllers/pages/images.py)."""
    if not thumbnails_ready:
        return f"/images/{image_key}"
    return f"/images/{image_key.rsplit('.', 1)[0]}-w{width}.{THUMBNAIL_FORMAT}"
