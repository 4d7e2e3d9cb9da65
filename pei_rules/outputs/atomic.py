"""Binary output files written atomically: complete or absent, never partial."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import UsageError
from ..i18n import msg


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(msg("doc_err_no_folder", folder=str(folder)))
    if path.is_dir():
        raise UsageError(msg("doc_err_out_is_dir", path=str(path)))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise UsageError(msg("doc_err_cannot_write", path=str(path), why=exc.strerror or str(exc))) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise UsageError(msg("doc_err_cannot_write", path=str(path), why=exc.strerror or str(exc))) from None
        raise
