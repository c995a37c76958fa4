"""Product picture uploads through the admin form: hostile files refused or neutralised, serving, thumbnails."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image

from app.adapters.object_storage import LocalDirectoryStorage
from app.main import create_app
from app.settings import get_settings
from tests.integration.conftest import ensure_user, login
from tests.support import images as files
from tests.support.factories import unique_name

HTMX = {"HX-Request": "true"}
TENANT = get_settings().app.default_tenant_id
STORE = get_settings().images.local_directory(get_settings().app.data_dir) / str(TENANT)


async def new_product(db: asyncpg.Connection) -> UUID:
    product_id: UUID = await db.fetchval(
        "INSERT INTO product (id, tenant_id, name, price, stock_quantity, created_at, version) "
        "VALUES (gen_random_uuid(), $1, $2, 9.99, 5, now(), 1) RETURNING id",
        TENANT,
        unique_name(),
    )
    return product_id


@pytest.fixture
async def admin(app: Litestar, client: AsyncTestClient[Litestar]) -> str:
    await ensure_user(app, "admin", "admin", "admin")
    return await login(client, "admin", "admin")


async def upload(
    client: AsyncTestClient[Litestar], token: str, product_id: UUID, data: bytes, filename: str, content_type: str
) -> Any:
    return await client.post(
        f"/admin/products/{product_id}/image",
        files={"image": (filename, data, content_type)},
        data={"version": "1", "next": "/admin/products"},
        headers={**HTMX, "X-CSRFToken": token},
    )


def stored_names() -> set[str]:
    return {path.name for path in STORE.glob("*")} if STORE.exists() else set()


async def image_key(db: asyncpg.Connection, product_id: UUID) -> str | None:
    key: str | None = await db.fetchval("SELECT image_key FROM product WHERE id = $1", product_id)
    return key


async def served_after_upload(
    client: AsyncTestClient[Litestar], admin: str, db: asyncpg.Connection, data: bytes, filename: str, ctype: str
) -> Any:
    """Upload `data` to a new product (accepted) and fetch the picture the shop now serves for it."""
    product_id = await new_product(db)
    assert (await upload(client, admin, product_id, data, filename, ctype)).status_code == 200
    return await client.get(f"/images/{await image_key(db, product_id)}")


async def assert_refused(
    client: AsyncTestClient[Litestar], admin: str, db: asyncpg.Connection, data: bytes, filename: str, ctype: str
) -> str:
    product_id = await new_product(db)
    before = stored_names()

    response = await upload(client, admin, product_id, data, filename, ctype)

    assert response.status_code == 422, response.text
    assert await image_key(db, product_id) is None
    assert stored_names() == before  # nothing of a refused file is kept
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE event_type = 'ProductImageUploaded'") == 0
    return response.text


async def test_a_jpeg_is_stored_under_a_random_name_and_served_as_an_immutable_image(
    client: AsyncTestClient[Litestar], admin: str, db: asyncpg.Connection
):
    product_id = await new_product(db)

    response = await upload(client, admin, product_id, files.picture("JPEG"), "holiday.jpg", "image/jpeg")

    assert response.status_code == 200, response.text
    assert "Picture saved" in response.text
    assert 'id="version-' in response.text and 'hx-swap-oob="true"' in response.text  # the edit form's new version
    key = await image_key(db, product_id)
    assert key is not None and key.endswith(".jpg") and "holiday" not in key
    assert await db.fetchval("SELECT version FROM product WHERE id = $1", product_id) == 2
    served = await client.get(f"/images/{key}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert Image.open(io.BytesIO(served.content)).size == (64, 48)
    event = await db.fetchrow("SELECT payload FROM audit_log WHERE event_type = 'ProductImageUploaded'")
    assert key in event["payload"]


async def test_a_script_renamed_jpg_is_refused(client: AsyncTestClient[Litestar], admin: str, db: asyncpg.Connection):
    text = await assert_refused(client, admin, db, files.SHELL_SCRIPT, "photo.jpg", "image/jpeg")
    assert "This file is not a JPEG, PNG or WebP image" in text


async def test_a_double_extension_is_ignored_the_picture_is_kept_under_the_shops_own_name(
    client: AsyncTestClient[Litestar], admin: str, db: asyncpg.Connection
):
    product_id = await new_product(db)

    response = await upload(client, admin, product_id, files.picture("PNG"), "photo.png.php", "application/x-php")

    assert response.status_code == 200
    key = await image_key(db, product_id)
    assert key is not None and key.endswith(".png") and "php" not in key
    assert not any("photo" in name or "php" in name for name in stored_names())
    for original_name in ("photo.png.php", "photo.png", f"{TENANT}/photo.png.php"):
        assert (await client.get(f"/images/{original_name}")).status_code == 404


async def test_an_svg_with_a_script_is_refused(client: AsyncTestClient[Litestar], admin: str, db: asyncpg.Connection):
    text = await assert_refused(client, admin, db, files.SVG_WITH_SCRIPT, "logo.png", "image/svg+xml")
    assert "not a JPEG, PNG or WebP" in text


async def test_a_jpeg_html_polyglot_is_re_encoded_without_its_html(
    client: AsyncTestClient[Litestar], admin: str, db: asyncpg.Connection
):
    polyglot = files.jpeg_html_polyglot()
    assert b"<script>" in polyglot

    served = await served_after_upload(client, admin, db, polyglot, "page.html", "text/html")

    assert served.headers["content-type"] == "image/jpeg"
    assert b"<script" not in served.content and b"<html" not in served.content
    assert served.content.endswith(b"\xff\xd9")  # nothing after the JPEG's end marker


async def test_a_gifar_is_refused(client: AsyncTestClient[Litestar], admin: str, db: asyncpg.Connection):
    text = await assert_refused(client, admin, db, files.gifar(), "cat.gif", "image/gif")
    assert "not a JPEG, PNG or WebP" in text


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
async def test_a_truncated_image_is_refused_as_damaged(
    client: AsyncTestClient[Litestar], admin: str, db: asyncpg.Connection, fmt: str
):
    whole = files.picture(fmt, size=(200, 150), colour="navy")
    text = await assert_refused(client, admin, db, whole[: len(whole) // 2], "cut.img", "image/jpeg")
    assert "damaged or incomplete" in text


async def test_a_decompression_bomb_is_refused_from_its_header_before_decoding(
    client: AsyncTestClient[Litestar], admin: str, db: asyncpg.Connection
):
    bomb = files.png_bomb(12_000, 12_000)  # 144 megapixels: over the shop's limit, under Pillow's own
    assert len(bomb) < 200

    text = await assert_refused(client, admin, db, bomb, "tiny.png", "image/png")

    assert "This image is too large (12,000 × 12,000 pixels): the shop accepts up to 25 megapixels" in text


async def test_a_bomb_beyond_pillows_own_limit_is_refused_too(
    client: AsyncTestClient[Litestar], admin: str, db: asyncpg.Connection
):
    text = await assert_refused(client, admin, db, files.png_bomb(100_000, 100_000), "tiny.png", "image/png")

    assert "This image is too large: the shop accepts up to 25 megapixels" in text


async def test_the_gps_position_and_camera_are_stripped_from_a_photo(
    client: AsyncTestClient[Litestar], admin: str, db: asyncpg.Connection
):
    photo = files.jpeg_with_gps()
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)  # the fixture does carry a position

    served = (await served_after_upload(client, admin, db, photo, "IMG_0001.JPG", "image/jpeg")).content

    assert not Image.open(io.BytesIO(served)).getexif()
    assert b"Exif" not in served and b"Spy Camera" not in served


async def test_an_empty_file_field_asks_for_a_file(
    client: AsyncTestClient[Litestar], admin: str, db: asyncpg.Connection
):
    text = await assert_refused(client, admin, db, b"", "", "application/octet-stream")
    assert "Choose an image file to upload" in text


async def test_a_customer_cannot_upload_a_picture(
    app: Litestar, client: AsyncTestClient[Litestar], db: asyncpg.Connection
):
    await ensure_user(app, "shopper", "shopper-password", "customer")
    await login(client, "shopper", "shopper-password")
    page = await client.get("/")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    product_id = await new_product(db)

    response = await upload(client, token, product_id, files.picture("JPEG"), "x.jpg", "image/jpeg")

    assert response.status_code == 403
    assert await image_key(db, product_id) is None


@pytest.mark.parametrize(
    "name", ["..%2F..%2Fetc%2Fpasswd", "x.svg", "00000000-0000-4000-8000-000000000000.html", "holiday.jpg"]
)
async def test_a_name_the_shop_did_not_make_is_not_found(client: AsyncTestClient[Litestar], name: str):
    assert (await client.get(f"/images/{name}")).status_code == 404


@pytest.fixture
async def small_limit_client(db: asyncpg.Connection, redis_client: Any) -> AsyncIterator[AsyncTestClient[Litestar]]:
    settings = get_settings()
    app = create_app(replace(settings, images=replace(settings.images, max_upload_bytes=20_000)))
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
        client.follow_redirects = False
        from tests.integration import conftest

        conftest._clients[id(app)] = client
        await ensure_user(app, "admin", "admin", "admin")
        yield client
        conftest._clients.pop(id(app), None)


async def test_an_oversized_body_gets_413_with_a_message_not_a_500(
    small_limit_client: AsyncTestClient[Litestar], db: asyncpg.Connection
):
    token = await login(small_limit_client, "admin", "admin")
    product_id = await new_product(db)

    response = await upload(small_limit_client, token, product_id, b"\xff" * 30_000, "big.jpg", "image/jpeg")

    assert response.status_code == 413
    assert "This file is too large to upload: the most the shop accepts is 0.0191 MB" in response.text
    assert await image_key(db, product_id) is None


async def test_the_edit_page_without_javascript_shows_the_picture_form_and_a_refusal_beside_the_field(
    client: AsyncTestClient[Litestar], admin: str, db: asyncpg.Connection
):
    product_id = await new_product(db)
    page = await client.get(f"/admin/products/{product_id}/edit")
    assert 'enctype="multipart/form-data"' in page.text and 'name="image"' in page.text

    response = await client.post(
        f"/admin/products/{product_id}/image",
        files={"image": ("x.jpg", files.SHELL_SCRIPT, "image/jpeg")},
        data={"version": "1", "csrf_token": admin},
    )

    assert response.status_code == 422
    assert 'id="image-error-' in response.text and "not a JPEG, PNG or WebP" in response.text


def test_store_directory_is_under_the_test_data_dir():
    assert Path(get_settings().app.data_dir) in STORE.parents


async def test_the_catalog_shows_sized_thumbnails_with_an_avif_srcset_lazily_below_the_first_screen(
    client: AsyncTestClient[Litestar], db: asyncpg.Connection
):
    keys = [f"{uuid4()}.jpg" for _ in range(10)]
    for position, key in enumerate(keys):
        ready = key if position < 9 else None  # the last one's thumbnails are not made yet
        await db.execute(
            "INSERT INTO product (id, tenant_id, name, price, stock_quantity, created_at, version, description, "
            "image_key, image_width, image_height, thumbnails_key) "
            "VALUES (gen_random_uuid(), $1, $2, 5, 5, now(), 1, 'Blue and bold.', $3, 800, 600, $4)",
            TENANT,
            f"Aaa picture {position}",
            key,
            ready,
        )

    page = (await client.get("/")).text

    pictures = re.findall(r'<img class="product-picture product-picture-thumb"[^>]*>', page)
    assert len(pictures) == 10
    assert all('width="320" height="240"' in picture for picture in pictures)
    # The first screen at 1280 × 800 is two rows of four cards: those pictures load at once, never lazily.
    assert ["loading=" in picture for picture in pictures] == [False] * 8 + [True] * 2
    stem = keys[0].removesuffix(".jpg")
    # Ready thumbnails: a <picture> whose AVIF source offers every width; its <img> is the 320 w WebP alone.
    sources = re.findall(r'<picture><source type="image/avif" srcset="([^"]*)" sizes="([^"]*)">', page)
    assert len(sources) == 9
    srcset, sizes = sources[0]
    assert srcset == ", ".join(f"/images/{stem}-w{width}.avif {width}w" for width in (160, 240, 320, 480, 640))
    assert f'src="/images/{stem}-w320.webp"' in pictures[0] and "srcset" not in pictures[0]
    # The card's rendered width, so the browser picks the smallest file that is sharp (229 px on a desktop).
    assert sizes.startswith("(min-width: 72rem) 229px, ") and "(min-width: 360px) calc(50vw - 46px)" in sizes
    assert "srcset" not in pictures[9] and f'src="/images/{keys[9]}"' in pictures[9]
    assert page.count("</picture>") == 9  # not around the picture whose thumbnails are not made yet


async def test_a_thumbnail_width_made_before_it_existed_is_served_from_the_next_wider_one_briefly_cached(
    client: AsyncTestClient[Litestar],
):
    stem = str(uuid4())
    store = LocalDirectoryStorage(STORE.parent)
    wider = files.picture("WEBP", size=(320, 240))
    for width, data in ((160, b"unused"), (320, wider), (640, files.picture("WEBP", size=(640, 480)))):
        await store.put(f"{TENANT}/{stem}-w{width}.webp", data, "image/webp")  # the thumbnails of before: no 240, 480

    made = await client.get(f"/images/{stem}-w320.webp")
    stand_in = await client.get(f"/images/{stem}-w240.webp")
    missing = await client.get(f"/images/{uuid4()}-w240.webp")

    assert made.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert stand_in.status_code == 200 and stand_in.content == wider
    assert stand_in.headers["content-type"] == "image/webp" and stand_in.headers["x-content-type-options"] == "nosniff"
    assert stand_in.headers["cache-control"] == "public, max-age=86400"  # the real 240 w shows once it is made
    assert missing.status_code == 404


async def test_an_avif_thumbnail_not_made_yet_is_answered_by_the_webp_of_its_width_typed_as_webp(
    client: AsyncTestClient[Litestar],
):
    stem = str(uuid4())
    store = LocalDirectoryStorage(STORE.parent)
    webp = files.picture("WEBP", size=(240, 180))
    await store.put(f"{TENANT}/{stem}-w240.webp", webp, "image/webp")  # made before AVIF was a thumbnail format

    stand_in = await client.get(f"/images/{stem}-w240.avif")

    assert stand_in.status_code == 200 and stand_in.content == webp
    assert stand_in.headers["content-type"] == "image/webp" and stand_in.headers["x-content-type-options"] == "nosniff"
    assert stand_in.headers["cache-control"] == "public, max-age=86400"
    assert (await client.get(f"/images/{stem}.avif")).status_code == 404  # an upload is never stored as AVIF


async def test_the_product_page_shows_the_large_picture_and_the_description(
    client: AsyncTestClient[Litestar], db: asyncpg.Connection
):
    key = f"{uuid4()}.png"
    product_id = await db.fetchval(
        "INSERT INTO product (id, tenant_id, name, price, stock_quantity, created_at, version, description, "
        "image_key, image_width, image_height, thumbnails_key) "
        "VALUES (gen_random_uuid(), $1, 'Lamp', 5, 5, now(), 1, 'A lamp <b>that</b> glows.', $2, 1000, 500, $2) "
        "RETURNING id",
        TENANT,
        key,
    )

    page = (await client.get(f"/products/{product_id}")).text

    assert re.search(
        r'<img class="product-picture product-picture-large" alt="Picture of Lamp"[^>]*'
        r'width="640" height="320"',
        page,
    )
    assert "A lamp &lt;b&gt;that&lt;/b&gt; glows." in page
