"""Uploaded files to plans: in memory, never a server path named by the client.

A request brings files (name + bytes). A zip is opened in memory and its members join
the list (names reduced to their last component plus the folder they were in, which only
groups spreadsheets; limits on member count and uncompressed size). Then:

- each ``.toml`` file is one plan (parsed from its bytes, :func:`pei_rules.plan.load_plan`
  with ``raw=``);
- spreadsheets (``.xlsx``, ``.xlsm``, ``.csv``) are grouped by the folder they came in (files
  sent directly form one group): each group is one plan, read by the importer
  (:mod:`pei_rules.inputs`: every sheet recognised by its headers as an Anexo B-7, a POI
  seguimiento, or tidy indicators / AO sheets). The importer reads files, so the sheets are
  written to a private temporary folder (mode 0700, names chosen here) that is deleted
  right after; its path never appears in a message.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ..errors import PeiError
from ..inputs.importing import convert as convert_files
from .errors import ServeError
from .settings import Settings

PLAN_EXT = (".toml",)
SHEET_EXT = (".csv", ".xlsx", ".xlsm")
LATER_EXT = (".xls", ".ods")
ZIP_EXT = (".zip",)


@dataclass
class Upload:
    name: str  # what the client called it (shown in messages, never used as a path)
    data: bytes
    group: str = ""  # the folder inside a zip; "" for files sent directly


@dataclass
class PlanSource:
    """One plan to evaluate: TOML bytes, and where they came from."""

    name: str  # display name: the uploaded file name
    toml: bytes
    origin: str  # "toml" or "spreadsheet"
    sheets: list[str] = field(default_factory=list)
    parts: list[Upload] | None = None  # spreadsheets, until converted
    warnings: list[str] = field(default_factory=list)  # the importer's (guessed values)


def clean_name(name: str | None) -> str:
    """The last component of a client-given file name, without control characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:120] or "archivo"


def _ext(name: str) -> str:
    return os.path.splitext(name.lower())[1]


def expand(files: list[Upload], settings: Settings) -> list[Upload]:
    """Open zips in memory; check counts and sizes."""
    out: list[Upload] = []
    for f in files:
        if len(f.data) > settings.max_file_bytes:
            raise ServeError(413, "serve_err_file_too_large", name=f.name, mib=_mib(settings.max_file_bytes))
        if _ext(f.name) in ZIP_EXT:
            out += _unzip(f, settings)
        else:
            out.append(f)
        if len(out) > settings.max_files:
            raise ServeError(413, "serve_err_too_many_files", n=settings.max_files)
    if not out:
        raise ServeError(400, "serve_err_no_files")
    return out


def _unzip(f: Upload, settings: Settings) -> list[Upload]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(f.data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ServeError(400, "serve_err_bad_zip", name=f.name) from None
    members = [i for i in infos if not i.is_dir() and _ext(i.filename) in PLAN_EXT + SHEET_EXT + LATER_EXT]
    members = [i for i in members if not PurePosixPath(i.filename.replace("\\", "/")).name.startswith((".", "__MACOSX"))]
    members = [i for i in members if "__MACOSX" not in i.filename]
    if len(members) > settings.max_files:
        raise ServeError(413, "serve_err_too_many_files", n=settings.max_files)
    total = 0
    out = []
    for info in members:
        if info.file_size > settings.max_file_bytes:
            raise ServeError(413, "serve_err_file_too_large", name=f"{f.name}: {clean_name(info.filename)}", mib=_mib(settings.max_file_bytes))
        total += info.file_size
        if total > settings.max_unzipped_bytes:
            raise ServeError(413, "serve_err_zip_too_large", name=f.name, mib=_mib(settings.max_unzipped_bytes))
        try:
            with zf.open(info) as fh:
                data = fh.read(settings.max_file_bytes + 1)  # the header's size may lie
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError, EOFError):
            raise ServeError(400, "serve_err_bad_zip", name=f.name) from None
        if len(data) > settings.max_file_bytes:
            raise ServeError(413, "serve_err_file_too_large", name=f"{f.name}: {clean_name(info.filename)}", mib=_mib(settings.max_file_bytes))
        path = PurePosixPath(info.filename.replace("\\", "/"))
        out.append(Upload(name=clean_name(path.name), data=data, group=f"{f.name}/{path.parent}"))
    if not out:
        raise ServeError(400, "serve_err_empty_zip", name=f.name)
    return out


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):g}"


def plan_sources(files: list[Upload]) -> list[PlanSource]:
    """The plans these files make (see the module docstring)."""
    sources: list[PlanSource] = []
    groups: dict[str, list[Upload]] = {}
    for f in files:
        ext = _ext(f.name)
        if ext in PLAN_EXT:
            sources.append(PlanSource(name=f.name, toml=f.data, origin="toml"))
        elif ext in SHEET_EXT:
            groups.setdefault(f.group, []).append(f)
        elif ext in LATER_EXT:
            raise ServeError(415, "serve_err_xlsx", name=f.name)
        else:
            raise ServeError(415, "serve_err_file_type", name=f.name)
    for sheets in groups.values():
        sources.append(PlanSource(name=sheets[0].name, toml=b"", origin="spreadsheet", sheets=[u.name for u in sheets], parts=sheets))
    return sources


def convert_sheets(source: PlanSource) -> PlanSource:
    """Run the importer on a spreadsheet source (in a private temporary folder)."""
    if source.origin != "spreadsheet" or source.toml:
        return source
    tmp = tempfile.mkdtemp(prefix="pei-serve-")  # mode 0700, a name the client never sees
    try:
        names: set[str] = set()

        def put(u: Upload) -> str:
            base = re.sub(r"[^A-Za-z0-9._ -]", "_", u.name) or "hoja.csv"
            while base in names:
                base = "_" + base
            names.add(base)
            p = os.path.join(tmp, base)
            with open(p, "xb") as fh:
                fh.write(u.data)
            return p

        paths = [put(u) for u in source.parts]
        try:
            result = convert_files(paths)
        except PeiError as exc:
            _scrub(exc, tmp)
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    prefix = tmp.rstrip("/") + "/"
    source.toml = result.text.replace(prefix, "").encode("utf-8")
    source.warnings = [str(w).replace(prefix, "") for w in result.warnings]
    source.parts = None
    return source


def _scrub(exc: PeiError, tmp: str) -> None:
    """Take the temporary folder out of an error's texts."""
    prefix = tmp.rstrip("/") + "/"

    def clean(s):
        return s.replace(prefix, "").replace(tmp, "") if isinstance(s, str) else s

    exc.message = clean(exc.message)
    exc.file = clean(exc.file)
    exc.suggestion = clean(exc.suggestion)
    exc.excerpt = clean(exc.excerpt)
    exc.related = [clean(r) for r in exc.related]
