"""The thumbnail subscriber: the worker makes AVIF and WebP thumbnails of an uploaded picture, once, in its shop;
the catch-up job makes those an older picture lacks."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from PIL import Image

from app.domain.images import THUMBNAIL_FORMATS, THUMBNAIL_WIDTHS, ImageName
from app.domain.users import Role, UserContext
from app.settings import get_settings
from app.tasks.subscribers import product_thumbnails, replaced_pictures
from app.tasks.worker import complete_thumbnails_job, deliver_event, enqueue_complete_thumbnails
from tests.integration.test_product_images import new_product
from tests.support import images as files
from tests.support.worker import running_worker

TENANT = get_settings().app.default_tenant_id


def admin(tenant_id: uuid.UUID = TENANT) -> UserContext:
    return UserContext(user_id=uuid.uuid4(), username="admin", role=Role.ADMIN, tenant_id=tenant_id)


async def uploaded(shop: Any, db: asyncpg.Connection) -> tuple[uuid.UUID, str]:
    product_id = await new_product(db)
    product = await shop.images.upload_image(admin(), product_id, files.picture("PNG", size=(800, 600)))
    return product_id, product.image_key


async def test_the_subscriber_stores_an_avif_and_a_webp_in_each_width_and_marks_the_thumbnails_ready(
    shop: Any, db: asyncpg.Connection
):
    product_id, key = await uploaded(shop, db)
    event_id = await db.fetchval("SELECT event_id FROM outbox WHERE event_type = 'ProductImageUploaded'")
    ctx = {"database": shop.database, "subscribers": (product_thumbnails(shop.images),)}

    first = await deliver_event(ctx, event_ids=[str(event_id)], tenant_id=str(TENANT))
    again = await deliver_event(ctx, event_ids=[str(event_id)], tenant_id=str(TENANT))

    assert (first["ran"], again["skipped"]) == (["make_product_thumbnails"], ["make_product_thumbnails"])
    name = ImageName.parse(key)
    assert name is not None
    for width in THUMBNAIL_WIDTHS:
        for extension in ("avif", "webp"):
            stored = await shop.images.open_image(admin(), str(name.thumbnail(width, extension)))
            assert stored is not None and stored.content_type == f"image/{extension}" and not stored.stand_in
            thumbnail = Image.open(io.BytesIO(stored.data))
            assert (thumbnail.format, thumbnail.size) == (extension.upper(), (width, width * 3 // 4))
    assert await db.fetchval("SELECT thumbnails_key FROM product WHERE id = $1", product_id) == key
    view = await shop.catalog.get_product(admin(), product_id)
    assert view.thumbnails_ready and (view.image_width, view.image_height) == (800, 600)


async def test_thumbnails_of_a_replaced_picture_do_not_count_for_the_new_one(shop: Any, db: asyncpg.Connection):
    product_id, _ = await uploaded(shop, db)
    first_event = await db.fetchval("SELECT event_id FROM outbox WHERE event_type = 'ProductImageUploaded'")
    newer = await shop.images.upload_image(admin(), product_id, files.picture("JPEG", size=(90, 60)))
    ctx = {"database": shop.database, "subscribers": (product_thumbnails(shop.images),)}

    await deliver_event(ctx, event_ids=[str(first_event)], tenant_id=str(TENANT))  # the old picture's job, late

    row = await db.fetchrow("SELECT image_key, thumbnails_key FROM product WHERE id = $1", product_id)
    assert row["image_key"] == newer.image_key and row["thumbnails_key"] is None


async def test_another_shop_cannot_read_a_picture_by_its_name(shop: Any, db: asyncpg.Connection):
    _, key = await uploaded(shop, db)

    assert await shop.images.open_image(admin(), key) is not None
    assert await shop.images.open_image(admin(uuid.uuid4()), key) is None


async def test_the_running_worker_makes_the_thumbnails_after_an_upload(
    shop: Any, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
):
    product_id, key = await uploaded(shop, db)  # the job waits in the queue (the worker binds its own engine)
    async with running_worker(monkeypatch):
        async with asyncio.timeout(30):
            while await db.fetchval("SELECT thumbnails_key FROM product WHERE id = $1", product_id) != key:  # noqa: ASYNC110
                await asyncio.sleep(0.05)  # polls the worker's progress
    assert await shop.images.open_image(admin(), str(ImageName.parse(key).thumbnail(160))) is not None  # type: ignore[union-attr]


async def stored_names(shop: Any, key: str) -> list[str]:
    """Which of the picture and its thumbnails the store still holds."""
    name = ImageName.parse(key)
    assert name is not None
    names = [str(name), *(str(thumbnail) for thumbnail in name.thumbnails())]
    found = []
    for text in names:
        stored = await shop.images.open_image(admin(), text)
        if stored is not None and not stored.stand_in:
            found.append(text)
    return found


async def deliver_uploads(shop: Any, db: asyncpg.Connection) -> None:
    """Every upload event so far, through the thumbnail and clean-up subscribers, oldest first."""
    ctx = {"database": shop.database, "subscribers": (product_thumbnails(shop.images), replaced_pictures(shop.images))}
    for event_id in await db.fetch(
        "SELECT event_id FROM outbox WHERE event_type = 'ProductImageUploaded' ORDER BY created_at"
    ):
        await deliver_event(ctx, event_ids=[str(event_id["event_id"])], tenant_id=str(TENANT))


async def test_a_replaced_picture_and_its_thumbnails_are_deleted_from_the_store(shop: Any, db: asyncpg.Connection):
    product_id, old_key = await uploaded(shop, db)
    await deliver_uploads(shop, db)
    assert len(await stored_names(shop, old_key)) == 1 + len(THUMBNAIL_WIDTHS) * len(THUMBNAIL_FORMATS)

    newer = await shop.images.upload_image(admin(), product_id, files.picture("JPEG", size=(90, 60)))
    await deliver_uploads(shop, db)

    assert await stored_names(shop, old_key) == []
    assert len(await stored_names(shop, newer.image_key)) == 1 + len(THUMBNAIL_WIDTHS) * len(THUMBNAIL_FORMATS)


async def test_a_picture_another_product_still_shows_is_kept(shop: Any, db: asyncpg.Connection):
    product_id, shared_key = await uploaded(shop, db)
    await deliver_uploads(shop, db)
    other_id = await new_product(db)
    await db.execute(  # as the demo seed shares one picture between products of a category and variant
        "UPDATE product SET image_key = $1, thumbnails_key = $1 WHERE id = $2", shared_key, other_id
    )

    await shop.images.upload_image(admin(), product_id, files.picture("JPEG", size=(90, 60)))
    await deliver_uploads(shop, db)

    assert len(await stored_names(shop, shared_key)) == 1 + len(THUMBNAIL_WIDTHS) * len(THUMBNAIL_FORMATS)


async def older_picture(shop: Any, db: asyncpg.Connection) -> tuple[str, list[ImageName]]:
    """A picture whose thumbnails were made before AVIF and the 240 and 480 widths: those files are not stored."""
    _, key = await uploaded(shop, db)
    await deliver_uploads(shop, db)
    name = ImageName.parse(key)
    assert name is not None
    missing = [t for t in name.thumbnails() if t.extension == "avif" or t.width in (240, 480)]
    for thumbnail in missing:
        await shop.image_storage.delete(thumbnail.storage_key(TENANT))
    return key, missing


async def test_the_catch_up_job_makes_only_the_missing_thumbnails_and_then_nothing(shop: Any, db: asyncpg.Connection):
    key, missing = await older_picture(shop, db)
    name = ImageName.parse(key)
    assert name is not None
    kept = await shop.image_storage.get(name.thumbnail(320).storage_key(TENANT))
    stand_in = await shop.images.open_image(admin(), str(name.thumbnail(240, "avif")))
    assert stand_in is not None and stand_in.stand_in and stand_in.content_type == "image/webp"  # meanwhile
    ctx = {"database": shop.database, "images": shop.images}

    first = await complete_thumbnails_job(ctx)
    again = await complete_thumbnails_job(ctx)

    assert first == {"pictures": 1, "thumbnails": len(missing)} and again == {"pictures": 0, "thumbnails": 0}
    assert len(await stored_names(shop, key)) == 1 + len(THUMBNAIL_WIDTHS) * len(THUMBNAIL_FORMATS)
    avif = await shop.images.open_image(admin(), str(name.thumbnail(240, "avif")))
    assert avif is not None and not avif.stand_in and avif.content_type == "image/avif"
    assert Image.open(io.BytesIO(avif.data)).format == "AVIF"
    assert await shop.image_storage.get(name.thumbnail(320).storage_key(TENANT)) == kept  # not made again


async def test_the_command_queues_the_job_once_and_the_running_worker_completes_the_thumbnails(
    shop: Any, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
):
    key, missing = await older_picture(shop, db)

    assert await enqueue_complete_thumbnails(shop.queue) is True
    assert await enqueue_complete_thumbnails(shop.queue) is False  # one is already waiting

    async with running_worker(monkeypatch):
        async with asyncio.timeout(60):
            while len(await stored_names(shop, key)) < 1 + len(THUMBNAIL_WIDTHS) * len(THUMBNAIL_FORMATS):  # noqa: ASYNC110
                await asyncio.sleep(0.1)  # polls the worker's progress
    for thumbnail in missing:
        stored = await shop.image_storage.get(thumbnail.storage_key(TENANT))
        assert stored is not None and Image.open(io.BytesIO(stored.data)).format == thumbnail.extension.upper()


async def test_the_thumbnails_command_queues_the_job_and_says_so_once(db: asyncpg.Connection, redis_client: Any):
    def command() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", "thumbnails"],
            cwd=Path(__file__).resolve().parents[2],
            env=os.environ,
            capture_output=True,
            text=True,
            timeout=60,
        )

    first, second = command(), command()

    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "queued: the worker makes the missing thumbnails" in first.stdout
    assert "already queued or running" in second.stdout  # no worker ran it: the first is still waiting
    queued = await redis_client.zrange(f"saq:{get_settings().worker.queue_name}:incomplete", 0, -1)
    assert [key.decode() for key in queued] == [f"saq:job:{get_settings().worker.queue_name}:complete_thumbnails_job"]
