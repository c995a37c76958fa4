"""Product pictures: an admin uploads one, the worker makes its thumbnails, anyone in the shop fetches them by name."""

from __future__ import annotations

from uuid import UUID

from app.domain.images import THUMBNAIL_FORMAT, THUMBNAIL_FORMATS, THUMBNAIL_WIDTHS, ImageName
from app.domain.products import Product
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.ports import ImageCodec, ObjectStorage, UnitOfWorkFactory
from app.services.products import locked_product
from app.services.read_models import StoredObject


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

    async def make_thumbnails(self, tenant_id: UUID, image_key: str, *, missing_only: bool = False) -> list[str]:
        """Store each of the image's thumbnails (`ImageName.thumbnails`: every width, AVIF and WebP), again if asked
        twice; returns their names. With `missing_only`, only those not stored yet are made (and returned): the
        catch-up for a picture from before a width or format was added (`complete_thumbnails`)."""
        name = ImageName.parse(image_key)
        if name is None or name.width is not None:
            return []
        original = await self._storage.get(name.storage_key(tenant_id))
        if original is None:
            return []
        made = []
        for width, extension in ((w, e) for w in THUMBNAIL_WIDTHS for e in THUMBNAIL_FORMATS):
            thumbnail = name.thumbnail(width, extension)
            key = thumbnail.storage_key(tenant_id)
            if missing_only and await self._storage.get(key) is not None:
                continue
            data = await self._codec.thumbnail(original.data, width, extension)
            await self._storage.put(key, data, thumbnail.content_type)
            made.append(str(thumbnail))
        return made

    async def remove_image(self, tenant_id: UUID, image_key: str) -> None:
        """Delete a picture no product shows any more, with its thumbnails (again, if asked twice)."""
        name = ImageName.parse(image_key)
        if name is None or name.width is not None:
            return
        for stored in (name, *name.thumbnails()):
            await self._storage.delete(stored.storage_key(tenant_id))

    async def open_image(self, user: UserContext, name_text: str) -> StoredObject | None:
        """The shop's image of that name, typed by its name (never by what the store says); None if there is none.

        A thumbnail the picture has none of (made before its width or format was added) is answered by the next wider
        one of its format, or else by the WebP of that width or wider (typed as WebP: a browser decodes what it gets),
        marked `stand_in`: the `srcset` of every ready picture offers every width, and a picture from before must not
        show as broken. `complete_thumbnails` (the worker's job) makes the missing ones."""
        name = ImageName.parse(name_text)
        if name is None:
            return None
        stored = await self._storage.get(name.storage_key(user.tenant_id))
        if stored is not None:
            return StoredObject(data=stored.data, content_type=name.content_type)
        if name.width is None:
            return None
        wider = [width for width in THUMBNAIL_WIDTHS if width > name.width]
        stand_ins = [name.thumbnail(width, name.extension) for width in wider]
        if name.extension != THUMBNAIL_FORMAT:
            stand_ins += [name.thumbnail(width) for width in (name.width, *wider)]
        for stand_in in stand_ins:
            stored = await self._storage.get(stand_in.storage_key(user.tenant_id))
            if stored is not None:
                return StoredObject(data=stored.data, content_type=stand_in.content_type, stand_in=True)
        return None
