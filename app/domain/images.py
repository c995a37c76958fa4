"""Product images as the shop names them: a random id and the format it was re-encoded to, never the upload's name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID, uuid4

from app.domain.errors import ValidationError

THUMBNAIL_WIDTHS = (160, 240, 320, 480, 640)
"""Widths of the WebP thumbnails the worker makes of every uploaded image (`srcset` offers them all).

240 and 480 came later (a catalog card is 229 px wide on a desktop, 149 px on a phone: 447 px at 3x),
so pictures from before have only 160, 320 and 640: a width not stored is answered by the next wider
one that is (`ProductImageService.open_image`)."""
THUMBNAIL_FORMAT = "webp"
"""The thumbnails every browser shows: the `<img>` itself (components/shop.html)."""
THUMBNAIL_FORMATS = ("avif", THUMBNAIL_FORMAT)
"""Each width is made in both: AVIF, about 40 % smaller for the same look (docs/performance.md, the catalog's
first view), offered by a `<picture>`'s `<source type="image/avif">`; WebP for a browser without AVIF."""

UPLOAD_FORMATS = ("jpg", "png", "webp")
"""The formats an upload is re-encoded to (the one it decoded as); AVIF is for thumbnails only."""
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "avif": "image/avif"}
"""The only formats stored and served, by the extension the shop gives each name."""

IMAGE_NAME = re.compile(
    r"(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})"
    r"(-w(?P<width>[0-9]{2,4}))?\.(?P<ext>jpg|png|webp|avif)"
)


@dataclass(frozen=True)
class ImageName:
    """`<uuid>.<ext>` for an upload, `<uuid>-w<width>.webp` or `.avif` for one of its thumbnails."""

    id: UUID
    extension: str
    width: int | None = None

    @classmethod
    def new(cls, extension: str) -> ImageName:
        if extension not in UPLOAD_FORMATS:
            raise ValueError(f"not an image format the shop stores: {extension!r}")
        return cls(uuid4(), extension)

    @classmethod
    def parse(cls, text: str) -> ImageName | None:
        """The name in a URL, or None when the shop could not have made it (so it names no image)."""
        match = IMAGE_NAME.fullmatch(text)
        if match is None:
            return None
        width = int(match["width"]) if match["width"] else None
        if width is not None and (width not in THUMBNAIL_WIDTHS or match["ext"] not in THUMBNAIL_FORMATS):
            return None
        if width is None and match["ext"] not in UPLOAD_FORMATS:
            return None
        return cls(UUID(match["id"]), match["ext"], width)

    def thumbnail(self, width: int, extension: str = THUMBNAIL_FORMAT) -> ImageName:
        return ImageName(self.id, extension, width)

    def thumbnails(self) -> tuple[ImageName, ...]:
        """Every thumbnail the shop makes of this image: each width in each format."""
        return tuple(self.thumbnail(width, ext) for width in THUMBNAIL_WIDTHS for ext in THUMBNAIL_FORMATS)

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.extension]

    def storage_key(self, tenant_id: UUID) -> str:
        """Where the store keeps it: each shop's images under its own prefix."""
        return f"{tenant_id}/{self}"

    def __str__(self) -> str:
        suffix = f"-w{self.width}" if self.width is not None else ""
        return f"{self.id}{suffix}.{self.extension}"


@dataclass(frozen=True)
class NormalisedImage:
    """An upload after decoding and re-encoding: pixels only, no metadata, in one of CONTENT_TYPES' formats."""

    data: bytes
    extension: str
    width: int
    height: int


class ImageRefused(ValidationError):
    """An upload that is not a picture the shop accepts (the message says why, in the form's words)."""

    code = "image_refused"

    def __init__(self, message: str) -> None:
        super().__init__("image", message)
