"""Files sent over REST for a later ``case.attach``: kept in memory for an hour, for
the user who sent them, within a total size."""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from cti.errors import CtiError

TTL = 3600.0


class NoSuchUpload(CtiError):
    status, code = 404, "no-such-upload"

    def __init__(self, upload_id: str) -> None:
        super().__init__(f"no upload {upload_id!r} of yours (uploads are kept one hour); "
                         "send the file again with POST /api/v1/uploads")


class UploadsFull(CtiError):
    status, code = 503, "uploads-full"


@dataclass(frozen=True, slots=True)
class Upload:
    id: str
    owner: str
    name: str
    content_type: str
    content: bytes
    at: float


class Uploads:
    def __init__(self, max_bytes: int = 256 << 20,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_bytes = max_bytes
        self._clock = clock
        self._items: OrderedDict[str, Upload] = OrderedDict()
        self._bytes = 0

    def add(self, owner: str, name: str, content_type: str, content: bytes) -> Upload:
        self._expire()
        if self._bytes + len(content) > self.max_bytes:
            raise UploadsFull("too many uploads waiting to be attached; attach or wait "
                              "for them to expire, then send it again")
        upload = Upload(f"u-{secrets.token_hex(8)}", owner, name, content_type, content,
                        self._clock())
        self._items[upload.id] = upload
        self._bytes += len(content)
        return upload

    def take(self, owner: str, upload_id: str) -> Upload:
        """The upload (it stays until it expires, so a retried attach finds it)."""
        self._expire()
        upload = self._items.get(upload_id)
        if upload is None or upload.owner != owner:
            raise NoSuchUpload(upload_id)
        return upload

    def _expire(self) -> None:
        now = self._clock()
        while self._items:
            first = next(iter(self._items.values()))
            if now - first.at < TTL:
                break
            self._items.popitem(last=False)
            self._bytes -= len(first.content)
