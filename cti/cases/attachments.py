"""What an attachment may be (size, content type), and where its content is kept.

The content is stored under its SHA-256, in PostgreSQL (``attachment_blobs``,
bytea) or in a directory (``<dir>/ab/abcdef...``), before the event naming it
is published: a stored ``CaseAttachmentAdded`` always finds its content.
Content-addressed storage makes a retried upload, or the same file attached
twice, cost nothing more.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cti.cases.errors import AttachmentTooLarge, AttachmentTypeRefused, CaseRefused
from cti.config import Attachments
from cti.store import Store

#: Leading bytes of the formats whose content can be checked against the declared type.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/zip": (b"PK\x03\x04",),
}
_NAME_BAD = re.compile(r"[\x00-\x1f\x7f/\\]")


@dataclass(frozen=True, slots=True)
class Upload:
    name: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def clean_name(name: str) -> str:
    """The file name without directories or control characters (``file`` if nothing is left)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return _NAME_BAD.sub("", base).strip()[:200] or "file"


def content_type_of(declared: str) -> str:
    """``text/plain; charset=utf-8`` -> ``text/plain``."""
    return declared.split(";", 1)[0].strip().lower()


class AttachmentStore:
    """Checks uploads against the settings and keeps their content."""

    def __init__(self, store: Store, settings: Attachments, directory: Path) -> None:
        self._store = store
        self.settings = settings
        self.directory = directory  #: resolved ``cases.attachments.directory``

    def check_size(self, name: str, size: int) -> None:
        """Raises AttachmentTooLarge (used while an upload streams in, too)."""
        if size > self.settings.max_bytes:
            raise AttachmentTooLarge(name, self.settings.max_bytes)

    def check(self, upload: Upload) -> None:
        """Raises AttachmentTooLarge, AttachmentTypeRefused or CaseRefused (empty file)."""
        self.check_size(upload.name, len(upload.content))
        if not upload.content:
            raise CaseRefused(f"attachment {upload.name!r} is empty")
        kind = upload.content_type
        allowed = self.settings.content_types
        if kind not in allowed:
            raise AttachmentTypeRefused(
                f"attachment {upload.name!r}: content type {kind!r} is not accepted; "
                f"accepted: {', '.join(allowed)} (cases.attachments.content_types in cti.yaml)")
        signatures = _SIGNATURES.get(kind)
        if signatures and not upload.content.startswith(signatures):
            raise AttachmentTypeRefused(
                f"attachment {upload.name!r} is declared {kind} but its content is not")
        if kind.startswith("text/") and not _is_text(upload.content):
            raise AttachmentTypeRefused(
                f"attachment {upload.name!r} is declared {kind} but is not UTF-8 text")

    async def keep(self, upload: Upload) -> str:
        """Store the content; return where (``database`` or ``directory``)."""
        storage = self.settings.storage
        if storage == "database":
            await self._store.cases.save_blob(upload.sha256, upload.content)
        else:
            await asyncio.to_thread(self._write_file, upload.sha256, upload.content)
        return storage

    async def read(self, sha256: str, storage: str) -> bytes | None:
        if storage == "database":
            return await self._store.cases.blob(sha256)
        path = self._path(sha256)
        return await asyncio.to_thread(path.read_bytes) if path.is_file() else None

    def _path(self, sha256: str) -> Path:
        return self.directory / sha256[:2] / sha256

    def _write_file(self, sha256: str, content: bytes) -> None:
        path = self._path(sha256)
        if path.is_file():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _is_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
