"""Object storage adapters: the local directory, and the S3 client against a real S3-protocol server (moto's)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from app.adapters.object_storage import LocalDirectoryStorage, S3Location, S3Storage, StorageError, sign_v4
from conftest import TEST_DATA_DIR
from tests.support.s3_server import moto_server

TENANT = "00000000-0000-4000-8000-000000000001"
NO_SUCH_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"  # fixed: parametrize values must match in every xdist worker


def new_key(ext: str = "webp") -> str:
    return f"{TENANT}/{uuid4()}.{ext}"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_server(TEST_DATA_DIR / "moto.log") as endpoint:
        yield endpoint


def location(endpoint: str, bucket: str) -> S3Location:
    return S3Location(endpoint, bucket, "eu-west-1", "test-access-key", "test-secret-key")


@pytest.fixture(params=["local", "s3"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    if request.param == "local":
        yield LocalDirectoryStorage(tmp_path)
        return
    s3 = S3Storage(location(request.getfixturevalue("s3_endpoint"), f"images-{uuid4().hex[:12]}"))
    await s3.create_bucket()
    yield s3
    await s3.close()


async def test_a_stored_object_comes_back_with_its_bytes_and_content_type(storage: Any):
    key = new_key()
    await storage.put(key, b"RIFF\x00image bytes", "image/webp")

    stored = await storage.get(key)

    assert stored is not None
    assert (stored.data, stored.content_type) == (b"RIFF\x00image bytes", "image/webp")


async def test_a_key_never_stored_is_none(storage: Any):
    assert await storage.get(new_key()) is None


async def test_a_deleted_object_is_gone_and_deleting_it_again_is_no_error(storage: Any):
    key = new_key("png")
    await storage.put(key, b"png", "image/png")

    await storage.delete(key)
    await storage.delete(key)

    assert await storage.get(key) is None


async def test_a_second_put_under_a_key_replaces_the_object(storage: Any):
    key = new_key("jpg")
    await storage.put(key, b"first", "image/jpeg")
    await storage.put(key, b"second", "image/jpeg")

    stored = await storage.get(key)

    assert stored is not None and stored.data == b"second"


@pytest.mark.parametrize(
    "key", ["../etc/passwd", f"{TENANT}/../../x.jpg", f"{TENANT}/photo.jpg", f"{TENANT}/{NO_SUCH_ID}.svg", "", "/abs"]
)
async def test_a_key_the_shop_did_not_make_is_refused_before_any_io(storage: Any, key: str):
    with pytest.raises(ValueError, match="not a storage key"):
        await storage.put(key, b"x", "image/jpeg")
    with pytest.raises(ValueError, match="not a storage key"):
        await storage.get(key)


async def test_the_local_store_keeps_files_only_under_its_directory(tmp_path: Path):
    key = new_key()
    await LocalDirectoryStorage(tmp_path / "images").put(key, b"x", "image/webp")

    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())  # noqa: ASYNC240
    assert files == [
        f"images/{key}",
        f"images/{key}.content-type",
    ]


async def test_the_s3_store_reports_a_missing_bucket_as_a_storage_error(s3_endpoint: str):
    s3 = S3Storage(location(s3_endpoint, "no-such-bucket"))
    try:
        with pytest.raises(StorageError, match="404"):
            await s3.put(new_key(), b"x", "image/webp")
    finally:
        await s3.close()


def test_the_request_signature_is_the_one_botocore_computes():
    """moto does not check signatures, so the signer is checked against AWS's own SDK for the same request."""
    loc = location("http://127.0.0.1:9000", "bucket")
    now = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)
    url = f"http://127.0.0.1:9000/bucket/{new_key('jpg')}"
    ours = sign_v4("PUT", httpx.URL(url), {"Content-Type": "image/jpeg"}, b"body", loc, now)

    request = AWSRequest(
        method="PUT",
        url=url,
        data=b"body",
        headers={
            "Content-Type": "image/jpeg",
            "X-Amz-Date": ours["x-amz-date"],
            "X-Amz-Content-SHA256": ours["x-amz-content-sha256"],
        },
    )
    request.context["timestamp"] = ours["x-amz-date"]
    auth = SigV4Auth(Credentials(loc.access_key_id, loc.secret_access_key), "s3", loc.region)
    expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)

    assert ours["authorization"].endswith(f"Signature={expected}")
