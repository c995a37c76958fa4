"""Picture names, the product's picture and description, and ProductImageService with in-memory ports."""

from __future__ import annotations

import uuid

import pytest

from app.domain.errors import PermissionDenied, StaleVersion, ValidationError
from app.domain.events import ProductImageUploaded
from app.domain.images import THUMBNAIL_WIDTHS, ImageName, ImageRefused, NormalisedImage
from app.domain.products import Product
from app.domain.users import Role, UserContext
from app.services.product_images import ProductImageService
from tests.support.fakes import FakeImageCodec, FakeObjectStorage, FakeStore

TENANT = uuid.UUID("00000000-0000-4000-8000-000000000001")


def user(role: Role = Role.ADMIN, tenant_id: uuid.UUID = TENANT) -> UserContext:
    return UserContext(user_id=uuid.uuid4(), username="someone", role=role, tenant_id=tenant_id)


def a_product(store: FakeStore) -> Product:
    product = Product.create(tenant_id=TENANT, name="Lamp", price="9.99", stock_quantity=2)
    product.pull_events()
    store.products[product.id] = product
    return product


def service() -> tuple[ProductImageService, FakeStore, FakeObjectStorage]:
    store, storage = FakeStore(), FakeObjectStorage()
    return ProductImageService(store, storage, FakeImageCodec()), store, storage


async def a_picture_with_its_thumbnails() -> tuple[ProductImageService, FakeObjectStorage, ImageName]:
    """The service and its storage after a product's upload and its thumbnails, and the upload's name."""
    images, store, storage = service()
    shown = await images.upload_image(user(), a_product(store).id, b"IMG")
    assert shown.image_key is not None
    await images.make_thumbnails(TENANT, shown.image_key)
    name = ImageName.parse(shown.image_key)
    assert name is not None
    return images, storage, name


def test_a_new_name_is_a_random_uuid_with_the_format_never_an_uploaded_name():
    first, second = ImageName.new("jpg"), ImageName.new("jpg")

    assert first != second
    assert ImageName.parse(str(first)) == first
    assert first.storage_key(TENANT) == f"{TENANT}/{first.id}.jpg"
    assert str(first.thumbnail(320)) == f"{first.id}-w320.webp"


NAME_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"  # fixed: parametrize values must match in every xdist worker


@pytest.mark.parametrize(
    "text",
    [
        "photo.jpg",
        "../x.jpg",
        f"{NAME_ID}.svg",
        f"{NAME_ID}.jpg.php",
        f"{NAME_ID}-w999.webp",  # not one of the thumbnail widths
        f"{NAME_ID}-w320.jpg",  # thumbnails are WebP only
        NAME_ID.upper() + ".jpg",
    ],
)
def test_a_name_the_shop_could_not_have_made_names_nothing(text: str):
    assert ImageName.parse(text) is None


def test_showing_a_picture_records_what_it_replaced():
    product = Product.create(tenant_id=TENANT, name="Lamp", price="9.99", stock_quantity=2)
    product.pull_events()
    image = NormalisedImage(data=b"", extension="png", width=40, height=30)

    product.show_image("a.png", image)
    product.show_image("b.png", image)

    events = product.pull_events()
    assert [(e.image_key, e.replaced_key) for e in events if isinstance(e, ProductImageUploaded)] == [
        ("a.png", None),
        ("b.png", "a.png"),
    ]
    assert (product.image_key, product.image_width, product.image_height) == ("b.png", 40, 30)


def test_a_description_is_trimmed_and_limited_to_two_thousand_characters():
    product = Product.create(tenant_id=TENANT, name="Lamp", price="9.99", stock_quantity=2)

    product.update(description="  Warm light.  ")
    with pytest.raises(ValidationError, match="at most 2,000 characters") as refused:
        product.update(description="x" * 2001)

    assert product.description == "Warm light."
    assert refused.value.field == "description"


async def test_an_upload_is_stored_re_encoded_under_the_shops_prefix_and_shown():
    images, store, storage = service()
    product = a_product(store)

    shown = await images.upload_image(user(), product.id, b"IMG holiday")

    name = ImageName.parse(shown.image_key or "")
    assert name is not None and name.extension == "png"
    assert storage.objects[name.storage_key(TENANT)].data == b"clean:IMG holiday"
    assert [type(e).__name__ for e in store.events] == ["ProductImageUploaded"]


async def test_a_refused_upload_stores_nothing_and_changes_nothing():
    images, store, storage = service()
    product = a_product(store)

    with pytest.raises(ImageRefused):
        await images.upload_image(user(), product.id, b"<svg>")

    assert storage.objects == {} and store.products[product.id].image_key is None and store.commits == 0


async def test_a_customer_may_not_upload():
    images, store, _ = service()
    with pytest.raises(PermissionDenied):
        await images.upload_image(user(Role.CUSTOMER), a_product(store).id, b"IMG")


async def test_an_upload_against_a_version_someone_else_changed_is_stale():
    images, store, storage = service()
    product = a_product(store)

    with pytest.raises(StaleVersion):
        await images.upload_image(user(), product.id, b"IMG", expected_version=product.version + 1)
    assert storage.objects == {}


async def test_thumbnails_are_made_in_every_width_and_read_by_name_in_the_same_shop_only():
    images, store, _ = service()
    shown = await images.upload_image(user(), a_product(store).id, b"IMG")
    assert shown.image_key is not None

    made = await images.make_thumbnails(TENANT, shown.image_key)

    parsed = [ImageName.parse(name) for name in made]
    assert [(n.width, n.extension) for n in parsed if n] == [(w, e) for w in THUMBNAIL_WIDTHS for e in ("avif", "webp")]
    avif = await images.open_image(user(Role.CUSTOMER), made[0])
    webp = await images.open_image(user(Role.CUSTOMER), made[1])
    assert avif is not None and avif.content_type == "image/avif" and avif.data == b"thumbnail 160 avif of clean:IMG"
    assert webp is not None and webp.content_type == "image/webp" and webp.data == b"thumbnail 160 webp of clean:IMG"
    assert await images.open_image(user(tenant_id=uuid.uuid4()), made[0]) is None
    assert await images.make_thumbnails(TENANT, made[0]) == []  # a thumbnail has no thumbnails


async def test_removing_a_picture_deletes_it_and_every_thumbnail_and_nothing_else():
    images, store, storage = service()
    first = await images.upload_image(user(), a_product(store).id, b"IMG one")
    kept = await images.upload_image(user(), a_product(store).id, b"IMG two")
    assert first.image_key and kept.image_key
    await images.make_thumbnails(TENANT, first.image_key)
    await images.make_thumbnails(TENANT, kept.image_key)

    await images.remove_image(TENANT, first.image_key)
    await images.remove_image(TENANT, first.image_key)  # again: nothing left to delete, no error
    await images.remove_image(TENANT, "not-a-name-the-shop-made.png")

    remaining = sorted(key.split("/", 1)[1] for key in storage.objects)
    assert all(name.startswith(kept.image_key.split(".")[0]) for name in remaining)
    assert len(remaining) == 1 + 2 * len(THUMBNAIL_WIDTHS)  # the original, each width in AVIF and WebP


async def test_a_width_a_picture_has_none_of_is_answered_by_the_next_wider_thumbnail_it_has():
    images, storage, name = await a_picture_with_its_thumbnails()
    for width in (240, 480):  # a picture whose thumbnails were made before these widths existed
        for extension in ("avif", "webp"):
            del storage.objects[name.thumbnail(width, extension).storage_key(TENANT)]

    made = await images.open_image(user(Role.CUSTOMER), str(name.thumbnail(320)))
    for_240 = await images.open_image(user(Role.CUSTOMER), str(name.thumbnail(240)))
    for_480 = await images.open_image(user(Role.CUSTOMER), str(name.thumbnail(480)))

    assert made is not None and not made.stand_in
    assert for_240 is not None and for_240.stand_in and for_240.data == b"thumbnail 320 webp of clean:IMG"
    assert for_480 is not None and for_480.stand_in and for_480.data == b"thumbnail 640 webp of clean:IMG"
    assert for_240.content_type == "image/webp"
    assert await images.open_image(user(tenant_id=uuid.uuid4()), str(name.thumbnail(240))) is None
    for width in (320, 640):
        del storage.objects[name.thumbnail(width).storage_key(TENANT)]
    assert await images.open_image(user(Role.CUSTOMER), str(name.thumbnail(240))) is None  # none wider either


async def test_an_avif_a_picture_has_none_of_is_answered_by_its_webp_typed_as_webp():
    images, storage, name = await a_picture_with_its_thumbnails()
    for width in THUMBNAIL_WIDTHS:  # thumbnails made before AVIF was one of the formats
        del storage.objects[name.thumbnail(width, "avif").storage_key(TENANT)]

    answer = await images.open_image(user(Role.CUSTOMER), str(name.thumbnail(240, "avif")))

    assert answer is not None and answer.stand_in
    assert answer.content_type == "image/webp" and answer.data == b"thumbnail 240 webp of clean:IMG"


async def test_missing_only_makes_just_the_thumbnails_not_stored_yet_and_then_none():
    images, storage, name = await a_picture_with_its_thumbnails()
    kept = storage.objects[name.thumbnail(320, "webp").storage_key(TENANT)]
    for width in (240, 480):
        del storage.objects[name.thumbnail(width, "avif").storage_key(TENANT)]

    made = await images.make_thumbnails(TENANT, str(name), missing_only=True)

    assert made == [str(name.thumbnail(240, "avif")), str(name.thumbnail(480, "avif"))]
    assert storage.objects[name.thumbnail(320, "webp").storage_key(TENANT)] is kept  # not made again
    assert await images.make_thumbnails(TENANT, str(name), missing_only=True) == []
