"""The one bounded reader and the one atomic writer.

Every file a command reads goes through :func:`read_limited`: it opens the path without
blocking, refuses anything that is not a regular file (a FIFO blocks forever, ``/dev/zero``
and links to it never end, a socket or a device is not a document) and never brings more
than ``limit`` bytes into memory. Every file a command writes goes through
:func:`write_atomic`: a temporary file in the same folder, flushed, then renamed over the
target, so an output is either complete or absent.

Errors are :class:`~pei_rules.errors.InputFileError` (reading) or
:class:`~pei_rules.errors.UsageError` (writing) with a catalogue message naming the file;
the command line turns them into one paragraph and exit 2.
"""
from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from .errors import InputFileError, UsageError
from .i18n import msg

# Default limits, per kind of input. Rule and plan files keep tomlsource's own limit.
MIB = 1024 * 1024
LIMIT_JSON = 64 * MIB  # a stored evaluation, a batch summary or manifest
LIMIT_CSV = 64 * MIB
LIMIT_HASHED = 256 * MIB  # a batch output whose sha256 is checked against its manifest

_CHUNK = 1024 * 1024


def _err(code: str, message: str, name: str) -> InputFileError:
    """An InputFileError that also says which refusal it is (``.code``: not_found, is_dir,
    not_regular, unreadable, too_large), for callers that report in their own words."""
    err = InputFileError(message, file=name)
    err.code = code
    return err


def _size_text(limit: int) -> str:
    if limit >= MIB and limit % MIB == 0:
        return f"{limit // MIB} MiB"
    if limit >= 1024 and limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit} B"


def _open_regular(path: Path, what: str, name: str) -> int:
    """Open ``path`` for reading without blocking; return the descriptor of a regular file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise _err("not_found", msg("files_not_found", what=what), name) from None
    except IsADirectoryError:
        raise _err("is_dir", msg("files_is_dir", what=what), name) from None
    except OSError as exc:
        raise _err("unreadable", msg("files_cannot_read", reason=exc.strerror or str(exc)), name) from None
    try:
        st = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise _err("unreadable", msg("files_cannot_read", reason=exc.strerror or str(exc)), name) from None
    if stat.S_ISDIR(st.st_mode):
        os.close(fd)
        raise _err("is_dir", msg("files_is_dir", what=what), name)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise _err("not_regular", msg("files_not_regular", what=what), name)
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return fd


def read_limited(path: str | Path, limit: int, what: str = "", display: str | None = None) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    ``what`` names the expected kind of file in messages (``"JSON"``, ``"TOML"``, ``"CSV"``).
    Raises :class:`InputFileError` for a missing file, a folder, anything that is not a
    regular file (FIFO, device, socket, a link to one), an unreadable file, or a file
    larger than ``limit``. Never blocks on a FIFO; never reads more than ``limit + 1`` bytes.
    """
    p = Path(path)
    name = display or str(path)
    fd = _open_regular(p, what, name)
    try:
        chunks: list[bytes] = []
        got = 0
        while got <= limit:
            try:
                chunk = os.read(fd, min(_CHUNK, limit + 1 - got))
            except OSError as exc:
                raise _err("unreadable", msg("files_cannot_read", reason=exc.strerror or str(exc)), name) from None
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    finally:
        os.close(fd)
    if got > limit:
        raise _err("too_large", msg("files_too_large", limit=_size_text(limit)), name)
    return b"".join(chunks)


def read_text_limited(path: str | Path, limit: int, what: str = "", display: str | None = None) -> str:
    """:func:`read_limited`, decoded as UTF-8 (a leading BOM is dropped)."""
    raw = read_limited(path, limit, what, display)
    name = display or str(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputFileError(
            msg("files_not_utf8", byte=f"0x{raw[exc.start]:02x}", offset=exc.start), file=name, line=line, suggestion=msg("files_save_utf8")
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def sha256_limited(path: str | Path, limit: int = LIMIT_HASHED, what: str = "") -> str:
    """The sha256 of a regular file, read through the bounded reader in chunks."""
    import hashlib

    p = Path(path)
    fd = _open_regular(p, what, str(path))
    h = hashlib.sha256()
    got = 0
    try:
        while True:
            try:
                chunk = os.read(fd, _CHUNK)
            except OSError as exc:
                raise InputFileError(msg("files_cannot_read", reason=exc.strerror or str(exc)), file=str(path)) from None
            if not chunk:
                break
            got += len(chunk)
            if got > limit:
                raise InputFileError(msg("files_too_large", limit=_size_text(limit)), file=str(path))
            h.update(chunk)
    finally:
        os.close(fd)
    return h.hexdigest()


def write_atomic(path: str | Path, content: str | bytes, *, durable: bool = True) -> None:
    """Write a file so that it is either complete or absent: temp file + fsync + rename.

    ``content`` is text (written as UTF-8, newlines untouched) or bytes. ``durable=False``
    skips the fsync (the file is still whole or absent for every reader, and after a killed
    process); a caller writing many files then makes them durable at once with
    :func:`sync_folder` before anything vouches for them (``batch`` before its manifest).
    """
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise UsageError(msg("files_out_folder_missing", folder=str(path.parent)))
    if path.is_dir():
        raise UsageError(msg("files_out_is_folder", path=str(path)))
    try:
        mode = os.stat(path).st_mode
    except OSError:
        mode = 0
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):  # /dev/null, /dev/stdout, a pipe: a stream, never replaced
        return _write_stream(path, content)
    if mode and not stat.S_ISREG(mode):
        raise UsageError(msg("files_out_not_regular", path=str(path)))
    if path.is_symlink():  # the file the link points to is written, the link stays
        path = Path(os.path.realpath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or ".")
    except OSError as exc:
        raise UsageError(msg("files_cannot_write_in", folder=str(path.parent), reason=exc.strerror or str(exc))) from None
    try:
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise UsageError(msg("files_cannot_write", path=str(path), reason=exc.strerror or str(exc))) from None
        raise


def _write_stream(path: Path, content: str | bytes) -> None:
    try:
        with open(path, "wb") as fh:
            fh.write(content.encode("utf-8") if isinstance(content, str) else bytes(content))
    except OSError as exc:
        raise UsageError(msg("files_cannot_write", path=str(path), reason=exc.strerror or str(exc))) from None


class FolderLock:
    """An exclusive lock on a folder (``.pei-rules.lock`` inside it, ``flock``): released when
    the holder ends, even killed, so no stale lock ever needs cleaning."""

    NAME = ".pei-rules.lock"

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.fd: int | None = None

    def acquire(self) -> "FolderLock":
        import fcntl

        try:
            fd = os.open(self.folder / self.NAME, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError as exc:
            raise UsageError(msg("files_cannot_write_in", folder=str(self.folder), reason=exc.strerror or str(exc))) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise UsageError(msg("trust_folder_locked", folder=str(self.folder)), suggestion=msg("trust_folder_locked_hint")) from None
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor releases the flock
            self.fd = None

    def __enter__(self) -> "FolderLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def inside(path: str | Path, root: str | Path) -> bool:
    """True when ``path`` (links followed) lies inside the folder ``root``."""
    try:
        real = Path(path).resolve()
        base = Path(root).resolve()
    except (OSError, RuntimeError):
        return False
    return real == base or base in real.parents


def shown_path(path: str | Path) -> str:
    """A path as shown to users: relative to the working folder when under it, else absolute."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(p)


def sync_folder(folder: str | Path) -> None:
    """Make every file written under ``folder`` durable at once: ``syncfs`` of the file system
    holding it (Linux), ``os.sync`` elsewhere; then fsync the folder itself (its entries)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        if not _syncfs(fd):
            os.sync()
        os.fsync(fd)
    finally:
        os.close(fd)


def _syncfs(fd: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.syncfs(fd) == 0
    except (OSError, AttributeError):
        return False


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


__all__ = ["FolderLock", "inside", "shown_path", "read_limited", "read_text_limited", "sha256_limited", "write_atomic", "sync_folder", "LIMIT_JSON", "LIMIT_CSV", "LIMIT_HASHED"]
