"""Object storage for uploaded images: a local directory (one machine) or an S3-compatible bucket (several).

Both take only keys the shop makes (`KEY`): a key can never name a path outside the store.
The S3 client is a small AWS Signature V4 client on httpx (already installed with Litestar):
the four calls the shop makes need no SDK (docs/dependencies.md). httpx is imported by the S3
store when one is built, not with this module: a shop keeping its images on disk (the default) does
without its ~3.4 MiB in every web process (docs/performance.md, "Web process memory").
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from app.services.read_models import StoredObject
from app.settings import ImageSettings

KEY = re.compile(r"[0-9a-f-]{36}/[0-9a-f-]{36}(-w[0-9]{1,4})?\.(jpg|png|webp|avif)")
"""`<tenant id>/<image uuid>[-w<width>].<ext>`: nothing else is ever stored or looked up."""
CONTENT_TYPE_SUFFIX = ".content-type"

if TYPE_CHECKING:
    import httpx


def checked_key(key: str) -> str:
    if not KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalDirectoryStorage:
    """Files under `root`, one per key, with the content type beside it; writes are atomic (rename)."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, key: str) -> Path:
        return self._root / checked_key(key)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._put, self._path(key), data, content_type)

    @staticmethod
    def _put(path: Path, data: bytes, content_type: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        for target, content in ((path.with_name(path.name + CONTENT_TYPE_SUFFIX), content_type.encode()), (path, data)):
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            with os.fdopen(handle, "wb") as file:
                file.write(content)
            os.replace(temporary, target)

    async def get(self, key: str) -> StoredObject | None:
        return await asyncio.to_thread(self._get, self._path(key))

    @staticmethod
    def _get(path: Path) -> StoredObject | None:
        try:
            data = path.read_bytes()
            content_type = path.with_name(path.name + CONTENT_TYPE_SUFFIX).read_text()
        except FileNotFoundError:
            return None
        return StoredObject(data=data, content_type=content_type)

    async def close(self) -> None:
        """Nothing to release (the S3 store closes its connections)."""

    async def delete(self, key: str) -> None:
        path = self._path(key)
        for target in (path, path.with_name(path.name + CONTENT_TYPE_SUFFIX)):
            await asyncio.to_thread(target.unlink, missing_ok=True)


class StorageError(Exception):
    """The object store answered with an error (its status and the start of its body)."""


@dataclass(frozen=True)
class S3Location:
    endpoint_url: str
    """e.g. https://s3.eu-west-1.amazonaws.com, https://<account>.r2.cloudflarestorage.com, http://minio:9000."""
    bucket: str
    region: str
    access_key_id: str
    secret_access_key: str


class S3Storage:
    """Objects in one bucket of an S3-compatible service, addressed path-style (`<endpoint>/<bucket>/<key>`)."""

    def __init__(self, location: S3Location, *, timeout_seconds: float = 10.0) -> None:
        import httpx

        self._location = location
        self._client = httpx.AsyncClient(timeout=timeout_seconds)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        response = await self._send("PUT", checked_key(key), data, {"content-type": content_type})
        self._raise_for(response)

    async def get(self, key: str) -> StoredObject | None:
        response = await self._send("GET", checked_key(key))
        if response.status_code == 404:
            return None
        self._raise_for(response)
        return StoredObject(data=response.content, content_type=response.headers.get("content-type", ""))

    async def delete(self, key: str) -> None:
        self._raise_for(await self._send("DELETE", checked_key(key)))  # 204 whether or not it existed

    async def create_bucket(self) -> None:
        """Create the bucket (tests and development; a deployment's bucket is made by its operator)."""
        region = self._location.region
        body = (
            b""
            if region == "us-east-1"
            else (
                "<CreateBucketConfiguration><LocationConstraint>"
                f"{region}</LocationConstraint></CreateBucketConfiguration>"
            ).encode()
        )
        self._raise_for(await self._send("PUT", "", body))

    async def close(self) -> None:
        await self._client.aclose()

    async def _send(
        self, method: str, key: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> httpx.Response:
        import httpx  # loaded by __init__: a dictionary look-up

        path = "/" + quote(self._location.bucket) + ("/" + quote(key) if key else "")
        url = self._location.endpoint_url.rstrip("/") + path
        signed = sign_v4(
            method,
            httpx.URL(url),
            {**(headers or {})},
            body,
            self._location,
            datetime.now(UTC),
        )
        return await self._client.request(method, url, content=body, headers=signed)

    @staticmethod
    def _raise_for(response: httpx.Response) -> None:
        if response.status_code >= 300:
            raise StorageError(f"object store answered {response.status_code}: {response.text[:200]}")


def sign_v4(
    method: str, url: httpx.URL, headers: dict[str, str], body: bytes, location: S3Location, now: datetime
) -> dict[str, str]:
    """The request's headers with AWS Signature V4 added (`Authorization`, `x-amz-date`, `x-amz-content-sha256`)."""
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    payload_hash = hashlib.sha256(body).hexdigest()
    host = url.host if url.port is None else f"{url.host}:{url.port}"
    all_headers = {
        **{name.lower(): value.strip() for name, value in headers.items()},
        "host": host,
        "x-amz-content-sha256": payload_hash,
        "x-amz-date": amz_date,
    }
    signed_names = sorted(all_headers)
    canonical_request = "\n".join(
        [
            method,
            url.raw_path.decode().split("?", 1)[0] or "/",
            "",  # no query string: the shop's calls have none
            "".join(f"{name}:{all_headers[name]}\n" for name in signed_names),
            ";".join(signed_names),
            payload_hash,
        ]
    )
    scope = f"{day}/{location.region}/s3/aws4_request"
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = ("AWS4" + location.secret_access_key).encode()
    for part in (day, location.region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = (
        f"AWS4-HMAC-SHA256 Credential={location.access_key_id}/{scope}, "
        f"SignedHeaders={';'.join(signed_names)}, Signature={signature}"
    )
    return {**{name: value for name, value in all_headers.items() if name != "host"}, "authorization": authorization}


def object_storage_from(settings: ImageSettings, data_dir: Path) -> LocalDirectoryStorage | S3Storage:
    """The store IMAGE_STORAGE names (web and worker build the same one)."""
    if settings.storage == "s3":
        return S3Storage(
            S3Location(
                endpoint_url=settings.s3_endpoint_url,
                bucket=settings.s3_bucket,
                region=settings.s3_region,
                access_key_id=settings.s3_access_key_id,
                secret_access_key=settings.s3_secret_access_key,
            )
        )
    if settings.storage != "local":
        raise ValueError(f"IMAGE_STORAGE must be local or s3, not {settings.storage!r}")
    return LocalDirectoryStorage(settings.local_directory(data_dir))
