"""S3 for tests: moto's standalone server on 127.0.0.1, and a gate in front of it that
refuses presigned URLs past their expiry, as S3 does (moto itself never checks it)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
from aiohttp import web
from moto.server import ThreadedMotoServer

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # moto's documented example pair


@dataclass
class FakeS3:
    endpoint: str

    def client(self) -> Any:
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)

    def new_bucket(self) -> str:
        name = "bt-" + secrets.token_hex(6)
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=bucket).get("Contents", [])
        return sorted(item["Key"] for item in listed)

    def uploads(self, bucket: str) -> list[str]:
        """Multipart uploads started and neither completed nor aborted."""
        return [u["Key"] for u in self.client().list_multipart_uploads(Bucket=bucket)
                .get("Uploads", [])]

    def settings(self, bucket: str, prefix: str = "bt", **more: Any) -> dict[str, Any]:
        return {"BACKTRACK_STORAGE_URL": f"s3://{bucket}/{prefix}",
                "BACKTRACK_S3_ENDPOINT_URL": self.endpoint,
                "BACKTRACK_S3_ACCESS_KEY_ID": KEY_ID,
                "BACKTRACK_S3_SECRET_ACCESS_KEY": SECRET, **more}

    def require_keys(self, on: bool) -> None:
        """Make moto check access keys (only keys it issued pass) or accept any again."""
        httpx.post(f"{self.endpoint}/moto-api/reset-auth",
                   content=b"0" if on else b"inf").raise_for_status()


@contextmanager
def moto_server() -> Iterator[FakeS3]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield FakeS3(f"http://{host}:{port}")
    finally:
        server.stop()


def expiry_gate(upstream: str) -> web.Application:
    """Forwards GETs to moto, answering 403 once X-Amz-Date + X-Amz-Expires has passed (with
    S3's body and type). Range requests pass through both ways, as S3 answers them (206 with
    Content-Range), so a browser can seek in a video."""

    async def forward(request: web.Request) -> web.StreamResponse:
        query = request.rel_url.query
        if "X-Amz-Date" not in query or "X-Amz-Expires" not in query:  # e.g. /favicon.ico
            return web.Response(status=403, content_type="application/xml", text=DENIED)
        signed = dt.datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=dt.UTC)
        if dt.datetime.now(dt.UTC) > signed + dt.timedelta(seconds=int(query["X-Amz-Expires"])):
            return web.Response(status=403, content_type="application/xml", text=EXPIRED)
        ask = {k: v for k, v in request.headers.items() if k.lower() in ("range", "if-range")}
        async with httpx.AsyncClient() as client:
            answer = await client.get(upstream + str(request.rel_url), headers=ask)
        headers = {k: v for k, v in answer.headers.items()
                   if k.lower() in ("content-type", "content-disposition", "etag",
                                    "content-range", "accept-ranges", "last-modified")}
        return web.Response(status=answer.status_code, body=answer.content, headers=headers)

    app = web.Application()
    app.router.add_get("/{tail:.*}", forward)
    return app


EXPIRED = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
           "<Message>Request has expired</Message></Error>")
"""S3's answer to a presigned URL past its time."""
DENIED = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
          "<Message>Access Denied</Message></Error>")
