"""Files in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2) through aiobotocore.

`BACKTRACK_STORAGE_URL=s3://bucket/prefix` names the bucket; objects are `<prefix>/<key>`.
Uploads stream from the file in parts (one part in memory at a time) and are aborted on any
failure, downloads stream to a `.part` file renamed when complete: a failure never leaves a
half object or a half file. Presigned URLs are secrets and are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiobotocore.session import get_session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from core.config import Settings
from core.errors import STORAGE_DOWN, ConfigError, StorageUnavailable
from core.links import safe_filename

log = logging.getLogger(__name__)

PART_BYTES = 16 * 1024 * 1024
"""Upload part size: files up to this go in one request, larger ones in parts of this size."""
CHUNK_BYTES = 1024 * 1024
MAX_LINK_SECONDS = 7 * 24 * 3600
"""The longest a SigV4 presigned URL may last."""
PARTIAL_SUFFIX = ".part"  # the janitor removes leftovers with this suffix

_REFUSED_KEYS = {"403", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied",
                 "InvalidToken", "ExpiredToken", "AuthorizationHeaderMalformed"}
_NO_BUCKET = {"404", "NoSuchBucket"}


@dataclass(frozen=True)
class Location:
    """`s3://bucket/prefix` taken apart."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> Location:
        parts = urlsplit(url)
        bucket = parts.netloc
        if parts.scheme != "s3" or not bucket or parts.query or parts.fragment:
            raise ConfigError("BACKTRACK_STORAGE_URL: use s3://bucket or s3://bucket/prefix")
        return cls(bucket, parts.path.strip("/"))

    def object_key(self, key: str) -> str:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise ValueError("storage keys are relative paths made by Backtrack")
        return f"{self.prefix}/{key}" if self.prefix else key


def _code(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    return str(error.get("Code") or exc.response.get("ResponseMetadata", {})
               .get("HTTPStatusCode", "?"))


class S3Files:
    """`core.ports.FileStore` on an S3-compatible bucket."""

    shared = True

    def __init__(self, location: Location, *, endpoint_url: str | None, region: str,
                 public_url: str | None = None,
                 access_key_id: str | None, secret_access_key: str | None,
                 link_seconds: int, part_bytes: int = PART_BYTES, attempts: int = 3) -> None:
        self.location = location
        self.endpoint_url = endpoint_url
        self.public_url = public_url
        """Where people download from, when not `endpoint_url` (MinIO on an inner network)."""
        self._region = region
        self._keys = (access_key_id, secret_access_key)
        self.link_seconds = min(link_seconds, MAX_LINK_SECONDS)
        self._part_bytes = max(part_bytes, 5 * 1024 * 1024)  # S3's smallest part
        self._attempts = attempts
        self._stack = AsyncExitStack()
        self._clients: dict[str | None, Any] = {}
        self._opening = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, **tuning: int) -> S3Files:
        assert settings.storage_url is not None
        key_id = settings.s3_access_key_id
        secret = settings.s3_secret_access_key
        if (key_id is None) != (secret is None):
            missing = "BACKTRACK_S3_SECRET_ACCESS_KEY" if secret is None else \
                "BACKTRACK_S3_ACCESS_KEY_ID"
            raise ConfigError(f"{missing}: set both S3 keys, or neither (the AWS chain)")
        return cls(Location.parse(settings.storage_url), endpoint_url=settings.s3_endpoint_url,
                   region=settings.s3_region, public_url=settings.s3_public_url,
                   access_key_id=key_id.get_secret_value() if key_id else None,
                   secret_access_key=secret.get_secret_value() if secret else None,
                   link_seconds=settings.link_ttl_seconds, **tuning)

    async def _s3(self, endpoint_url: str | None = None) -> Any:
        """The client for the storage (or, for presigning links, for its public address)."""
        endpoint_url = endpoint_url or self.endpoint_url
        async with self._opening:
            if endpoint_url not in self._clients:
                # Path-style addressing for custom endpoints: MinIO and test servers have no
                # per-bucket host names.
                style = "path" if endpoint_url else "auto"
                config = Config(connect_timeout=5, read_timeout=60, signature_version="s3v4",
                                retries={"max_attempts": self._attempts, "mode": "standard"},
                                s3={"addressing_style": style})
                self._clients[endpoint_url] = await self._stack.enter_async_context(
                    get_session().create_client(
                        "s3", region_name=self._region, endpoint_url=endpoint_url,
                        aws_access_key_id=self._keys[0], aws_secret_access_key=self._keys[1],
                        config=config))
            return self._clients[endpoint_url]

    async def close(self) -> None:
        self._clients.clear()
        await self._stack.aclose()

    # Files ---------------------------------------------------------------------------------

    async def put(self, key: str, path: Path) -> None:
        name = self.location.object_key(key)
        size = (await asyncio.to_thread(path.stat)).st_size
        try:
            if size <= self._part_bytes:
                data = await asyncio.to_thread(path.read_bytes)
                await (await self._s3()).put_object(Bucket=self.location.bucket, Key=name,
                                                    Body=data)
            else:
                await self._put_parts(name, path)
        except (ClientError, BotoCoreError, OSError, aiohttp.ClientError) as exc:
            raise self._down("put", key, exc) from exc

    async def _put_parts(self, name: str, path: Path) -> None:
        s3 = await self._s3()
        bucket = self.location.bucket
        upload = (await s3.create_multipart_upload(Bucket=bucket, Key=name))["UploadId"]
        try:
            parts = []
            with path.open("rb") as source:
                number = 1
                while data := await asyncio.to_thread(source.read, self._part_bytes):
                    done = await s3.upload_part(Bucket=bucket, Key=name, UploadId=upload,
                                                PartNumber=number, Body=data)
                    parts.append({"PartNumber": number, "ETag": done["ETag"]})
                    number += 1
            await s3.complete_multipart_upload(Bucket=bucket, Key=name, UploadId=upload,
                                               MultipartUpload={"Parts": parts})
        except BaseException:
            # An aborted upload leaves no object and frees the parts already sent.
            with contextlib.suppress(ClientError, BotoCoreError):
                await asyncio.shield(s3.abort_multipart_upload(Bucket=bucket, Key=name,
                                                               UploadId=upload))
            raise

    async def get(self, key: str, path: Path) -> bool:
        name = self.location.object_key(key)
        partial = path.with_name(path.name + PARTIAL_SUFFIX)
        try:
            try:
                answer = await (await self._s3()).get_object(Bucket=self.location.bucket,
                                                             Key=name)
            except ClientError as exc:
                if _code(exc) in ("NoSuchKey", "404"):
                    return False
                raise
            await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
            with partial.open("wb") as out:
                async with answer["Body"] as body:
                    while chunk := await body.read(CHUNK_BYTES):
                        await asyncio.to_thread(out.write, chunk)
            await asyncio.to_thread(os.replace, partial, path)
            return True
        except (ClientError, BotoCoreError, OSError, aiohttp.ClientError) as exc:
            raise self._down("get", key, exc) from exc
        finally:
            await asyncio.to_thread(partial.unlink, missing_ok=True)

    async def delete(self, key: str) -> None:
        try:
            await (await self._s3()).delete_object(Bucket=self.location.bucket,
                                                   Key=self.location.object_key(key))
        except (ClientError, BotoCoreError) as exc:
            raise self._down("delete", key, exc) from exc

    async def put_data(self, key: str, data: bytes, content_type: str) -> None:
        try:
            await (await self._s3()).put_object(
                Bucket=self.location.bucket, Key=self.location.object_key(key), Body=data,
                ContentType=content_type)
        except (ClientError, BotoCoreError, OSError, aiohttp.ClientError) as exc:
            raise self._down("put", key, exc) from exc

    async def link(self, key: str, filename: str, content_type: str = "video/mp4",
                   inline: bool = False, seconds: int | None = None) -> str | None:
        how = "inline" if inline else "attachment"
        disposition = f'{how}; filename="{safe_filename(filename)}"'
        try:
            # Signing happens here, no request is sent: the public address may be unreachable
            # from this machine. The response headers are part of the signature, so S3 serves
            # exactly this type and disposition (a page renders, a download downloads).
            url = await (await self._s3(self.public_url)).generate_presigned_url(
                "get_object", Params={
                    "Bucket": self.location.bucket, "Key": self.location.object_key(key),
                    "ResponseContentDisposition": disposition,
                    "ResponseContentType": content_type},
                ExpiresIn=max(1, min(seconds or self.link_seconds, MAX_LINK_SECONDS)))
        except (ClientError, BotoCoreError) as exc:
            raise self._down("link", key, exc) from exc
        return str(url)

    async def size(self, key: str) -> int | None:
        try:
            head = await (await self._s3()).head_object(Bucket=self.location.bucket,
                                                        Key=self.location.object_key(key))
        except ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404"):
                return None
            raise self._down("size", key, exc) from exc
        except (BotoCoreError, aiohttp.ClientError) as exc:
            raise self._down("size", key, exc) from exc
        return int(head["ContentLength"])

    def _down(self, what: str, key: str, exc: BaseException) -> StorageUnavailable:
        detail = _code(exc) if isinstance(exc, ClientError) else type(exc).__name__
        log.warning("object storage failed", extra={"operation": what, "key": key,
                                                    "error": detail})
        return StorageUnavailable(STORAGE_DOWN)

    # Start-up and doctor -------------------------------------------------------------------

    async def check(self, *, write: bool = False) -> str:
        bucket = self.location.bucket
        where = f"bucket {bucket!r}" + (f" at {self.endpoint_url}" if self.endpoint_url else "")
        try:
            s3 = await self._s3()
            await s3.head_bucket(Bucket=bucket)
            if write:
                await self._probe(s3)
        except NoCredentialsError:
            raise ConfigError("BACKTRACK_S3_ACCESS_KEY_ID: no S3 keys are set and none were "
                              "found in the environment") from None
        except ClientError as exc:
            raise self._refusal(exc, where) from None
        except (BotoCoreError, OSError, aiohttp.ClientError) as exc:
            setting = "BACKTRACK_S3_ENDPOINT_URL" if self.endpoint_url else "BACKTRACK_S3_REGION"
            raise ConfigError(f"{setting}: can't reach the object storage for {where} "
                              f"({type(exc).__name__})") from None
        return f"{where}: " + ("wrote, read back and deleted a probe object" if write
                               else "reachable with these keys")

    def _refusal(self, exc: ClientError, where: str) -> ConfigError:
        code = _code(exc)
        if code in _NO_BUCKET:
            return ConfigError(f"BACKTRACK_STORAGE_URL: there is no {where}")
        if code in _REFUSED_KEYS:
            return ConfigError("BACKTRACK_S3_ACCESS_KEY_ID / BACKTRACK_S3_SECRET_ACCESS_KEY: "
                               f"the storage refused these keys for {where} ({code})")
        if code == "301" or code == "PermanentRedirect":
            return ConfigError(f"BACKTRACK_S3_REGION: {where} is in another region")
        return ConfigError(f"BACKTRACK_STORAGE_URL: the storage answered {code} for {where}")

    async def _probe(self, s3: Any) -> None:
        """Put, read back and delete a small object (what a render's files go through)."""
        name = self.location.object_key(f".backtrack-probe-{secrets.token_hex(6)}")
        body = secrets.token_bytes(64)
        bucket = self.location.bucket
        await s3.put_object(Bucket=bucket, Key=name, Body=body)
        try:
            answer = await s3.get_object(Bucket=bucket, Key=name)
            async with answer["Body"] as stream:
                read = await stream.read()
        finally:
            await s3.delete_object(Bucket=bucket, Key=name)
        if read != body:
            raise ConfigError(f"BACKTRACK_STORAGE_URL: {bucket!r} gave back other bytes than "
                              "were written")
