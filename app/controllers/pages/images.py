"""Product pictures by name, in the shop of the request: a fixed image type, never sniffed, cached for good."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from app.domain.users import UserContext
from app.services.product_images import ProductImageService

IMMUTABLE = "public, max-age=31536000, immutable"
"""A name is never reused for other bytes (a new upload gets a new random name), so caches may keep it."""
STAND_IN = "public, max-age=86400"
"""A wider thumbnail answering for a width not made yet: cached a day, not for good, so the real one shows once made."""


class ImagesController(Controller):
    path = "/images"
    tags = ["images"]
    include_in_schema = False

    @get("/{name:str}", operation_id="productImage")
    async def image(
        self, user: NamedDependency[UserContext], images: NamedDependency[ProductImageService], name: FromPath[str]
    ) -> Response[bytes]:
        stored = await images.open_image(user, name)
        if stored is None:
            raise NotFoundException()
        return Response(
            stored.data,
            media_type=stored.content_type,
            headers={
                "Cache-Control": STAND_IN if stored.stand_in else IMMUTABLE,
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; sandbox",
            },
        )
