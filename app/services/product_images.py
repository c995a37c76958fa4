"""Product pictures: an admin uploads one, the worker makes its thumbnails, anyone in the shop fetches them by name."""

from __future__ import annotations

from uuid import UUID

from app.domain.images import THUMBNAIL_WIDTHS, ImageName
from app.domain.products import Product
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.ports import ImageCodec, ObjectStorage, StoredObject, UnitOfWorkFactory
from app.services.products import locked_product


class ProductImageService:
    def __init__(self, uow: UnitOfWorkFactory, storage: ObjectStorage, codec: ImageCodec) -> None:
        self._uow = uow
        self._storage = storage
        self._codec = codec

    async def upload_image(
        self, user: UserContext, product_id: UUID, data: bytes, *, expected_version: int | None = None
    ) -> Product:
        """Decode and re-encode the upload (ImageRefused if it is no picture the shop takes), store it under a
        new random name and make it the product's picture; `ProductImageUploaded` asks for its thumbnails.

        With `expected_version`, a product changed since (by someone else) is left as it is: StaleVersion."""
        require(
            user,
            Capability.PRODUCTS_CREATE,
            action="upload_product_image",
            reason="Only administrators can change product pictures",
        )
        image = await self._codec.normalise(data)
        name = ImageName.new(image.extension)
        async with self._uow(user) as uow:
            product = await locked_product(uow, product_id, expected_version)
            # Stored before the commit: a failed commit leaves an object nothing names (harmless), never
            # a product naming an object that is not there.
            await self._storage.put(name.storage_key(user.tenant_id), image.data, name.content_type)
            product.show_image(str(name), image)
            await uow.commit()
        return product

    async def make_thumbnails(self, tenant_id: UUID, image_key: str) -> list[str]:
        """Store a WebP of the image in each of THUMBNAIL_WIDTHS (again, if asked twice); returns their names."""
        name = ImageName.parse(image_key)
        if name is None or name.width is not None:
            return []
        original = await self._storage.get(name.storage_key(tenant_id))
        if original is None:
            return []
        made = []
        for width in THUMBNAIL_WIDTHS:
            thumbnail = name.thumbnail(width)
            data = await self._codec.thumbnail(original.data, width)
            await self._storage.put(thumbnail.storage_key(tenant_id), data, thumbnail.content_type)
            made.append(str(thumbnail))
        return made

    async def remove_image(self, tenant_id: UUID, image_key: str) -> None:
        """Delete a picture no product shows any more, with its thumbnails (again, if asked twice)."""
        name = ImageName.parse(image_key)
        if name is None or name.width is not None:
            return
        for stored in (name, *(name.thumbnail(width) for width in THUMBNAIL_WIDTHS)):
            await self._storage.delete(stored.storage_key(tenant_id))

    async def open_image(self, user: UserContext, name_text: str) -> StoredObject | None:
        """The shop's image of that name, typed by its name (never by what the store says); None if there is none.

        A thumbnail width the picture has none of (its thumbnails were made before that width was added to
        THUMBNAIL_WIDTHS) is answered by the next wider thumbnail it has, marked `stand_in`: the `srcset`
        of every ready picture offers every width, and a picture from before must not show as broken."""
        name = ImageName.parse(name_text)
        if name is None:
            return None
        stored = await self._storage.get(name.storage_key(user.tenant_id))
        if stored is not None:
            return StoredObject(data=stored.data, content_type=name.content_type)
        if name.width is None:
            return None
        for wider in (width for width in THUMBNAIL_WIDTHS if width > name.width):
            stored = await self._storage.get(name.thumbnail(wider).storage_key(user.tenant_id))
            if stored is not None:
                return StoredObject(data=stored.data, content_type=name.content_type, stand_in=True)
        return None
