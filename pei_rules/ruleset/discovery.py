"""Finding rule sets: the search path (bundled, ``PEI_RULES_PATH``, ./rules), the folders in
it read cheaply (their ``[conjunto]`` only), an id or a path resolved to a folder, the parent
an ``extends`` names (confined to the search path and the set's own tree), the sets valid
for a year. Within a :func:`session` the file system is looked at once."""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..errors import PeiError, RuleError, UsageError, did_you_mean
from ..files import sha256_limited
from ..i18n import msg
from ..tomlsource import MAX_FILE_BYTES, SourceRef, load_toml
from .schema import META

RULESET_DIR_ENV = "PEI_RULES_PATH"


# Resolution order (docs/security.md): a spec that looks like a path (it has a "/", starts
# with "." or "~", or ends in ".toml") is that folder and nothing else. Any other spec is
# an id: it resolves to the bundled rule sets first (the ones shipped with pei-rules), then
# to the folders of PEI_RULES_PATH, then to ./rules. An id declared by two folders with
# different content is an error naming both folders: a local set can never stand in for a
# bundled one (or for another local one) under the same id. A bare name that is no known
# id but is a folder is that folder (its id and folder are printed with every result).

MAX_EXTENDS_DEPTH = 1000  # a real chain is 2-3 deep; the cap keeps a hostile chain bounded


@dataclass(frozen=True)
class Found:
    """One rule set folder found in a search folder, read cheaply (its [conjunto] only)."""

    id: str | None
    folder: Path
    bundled: bool
    meta: dict
    real: Path  # the folder, resolved


_local = threading.local()


@contextmanager
def session():
    """Within one session (one command), the file system is looked at once: folder listings,
    file stamps and the search-path index are memoised. Sessions nest; the outermost one
    starts with a fresh memo, so a long-running process still sees changes between calls."""
    depth = getattr(_local, "depth", 0)
    if depth == 0:
        _local.memo = {}
    _local.depth = depth + 1
    try:
        yield
    finally:
        _local.depth -= 1


def _memo(key: tuple, fn):
    if not getattr(_local, "depth", 0):
        return fn()
    memo = _local.memo
    if key not in memo:
        memo[key] = fn()
    return memo[key]


def bundled_dirs() -> list[Path]:
    """The folders of the rule sets shipped with pei-rules (package data, or the checkout's rules/)."""
    here = Path(__file__).resolve().parent.parent  # the pei_rules package
    return [d for d in (here / "_rules", here.parent / "rules") if d.is_dir()]


def search_dirs() -> list[Path]:
    """Bundled folders first, then PEI_RULES_PATH, then ./rules (each once)."""
    return list(_memo(("search_dirs",), _search_dirs))


def _search_dirs() -> list[Path]:
    dirs: list[Path] = list(bundled_dirs())
    env = os.environ.get(RULESET_DIR_ENV)
    if env:
        dirs += [Path(p) for p in env.split(os.pathsep) if p]
    cwd_rules = Path.cwd() / "rules"
    if cwd_rules.is_dir():
        dirs.append(cwd_rules)
    seen, out = set(), []
    for d in dirs:
        try:
            r = d.resolve()
        except OSError:
            continue
        if r not in seen:
            seen.add(r)
            out.append(d)
    return out


_dir_cache: dict[str, tuple[tuple, list[Found]]] = {}


def _dir_stamp(d: Path) -> tuple:
    return _memo(("dir_stamp", str(d)), lambda: _dir_stamp_now(d))


def _dir_stamp_now(d: Path) -> tuple:
    try:
        subs = sorted(d.iterdir())
    except OSError:
        return ()
    return _stat_stamps((sub.name, sub / "ruleset.toml") for sub in subs)


def _stat_stamps(named: Iterable[tuple[str, Path]]) -> tuple:
    """(name, mtime, size, inode) of each path, (name, None) for one that cannot be looked at."""
    out = []
    for name, path in named:
        try:
            st = path.stat()
            out.append((name, st.st_mtime_ns, st.st_size, st.st_ino))
        except OSError:
            out.append((name, None))
    return tuple(out)


def scan_dir(d: Path, bundled: bool = False) -> list[Found]:
    """The rule set folders directly inside ``d``, each read once (cached until a ruleset.toml changes)."""
    if not d.is_dir():
        return []
    key = f"{d.resolve()}|{bundled}"
    stamp = _dir_stamp(d)
    hit = _dir_cache.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    found = []
    for sub in sorted(d.iterdir()):
        if sub.is_dir() and (sub / "ruleset.toml").is_file():
            meta = _read_meta(sub)
            found.append(Found(_id_of(meta), sub, bundled, meta or {}, sub.resolve()))
    _dir_cache[key] = (stamp, found)
    return found


def index(dirs: Iterable[Path] | None = None) -> list[Found]:
    """Every rule set folder of the search path, in resolution order (each folder once)."""
    dirs = list(dirs) if dirs is not None else search_dirs()
    return _memo(("index", tuple(str(d) for d in dirs)), lambda: _index(dirs))


def _index(dirs: list[Path]) -> list[Found]:
    bundled = {d.resolve() for d in bundled_dirs()}
    out, seen = [], set()
    for d in dirs:
        for f in scan_dir(d, d.resolve() in bundled if d.exists() else False):
            r = f.real
            if r not in seen:
                seen.add(r)
                out.append(f)
    return out


def _read_id(folder: Path) -> str | None:
    return _id_of(_read_meta(folder))


def _id_of(meta: dict | None) -> str | None:
    rid = meta.get("id") if meta else None
    return rid if isinstance(rid, str) else None


def available(dirs: Iterable[Path] | None = None) -> dict[str, Path]:
    """Map rule set id -> folder for every rule set in the search path (bundled first)."""
    found: dict[str, Path] = {}
    for f in index(dirs):
        if f.id and f.id not in found:
            found[f.id] = f.folder
    return found


def folder_digest(folder: Path) -> tuple:
    """(file name, sha256) of the rule files of a folder: two folders with equal digests are one rule set."""
    return tuple((p.name, sha256_limited(p, MAX_FILE_BYTES, "TOML")) for p in _files_of(folder))


def _same_content(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or folder_digest(a) == folder_digest(b)
    except PeiError:
        return False


def lookup(rid: str, extra_dirs: Iterable[Path] = ()) -> Path | None:
    """The folder of rule set ``rid``: bundled first, then the search path, then ``extra_dirs``.

    Raises :class:`UsageError` naming both folders when two folders declare ``rid`` with
    different content (a local set reusing a bundled id, or two local sets with one id).
    """
    matches = [f for f in index() if f.id == rid]
    seen = {f.real for f in matches}
    for d in extra_dirs:
        for f in scan_dir(d):
            if f.id == rid and f.real not in seen:
                seen.add(f.real)
                matches.append(f)
    if not matches:
        return None
    first = matches[0]
    for other in matches[1:]:
        if not _same_content(first.folder, other.folder):
            kind = "trust_id_reused_bundled" if first.bundled else "trust_id_reused"
            raise UsageError(msg(kind, id=rid, first=str(first.folder), other=str(other.folder)), suggestion=msg("trust_id_reused_hint", other=str(other.folder)))
    return first.folder


def lookup_bundled(rid: str) -> Path | None:
    """The bundled folder of ``rid``, if pei-rules ships a set with that id."""
    for f in index(bundled_dirs()):
        if f.id == rid:
            return f.folder
    return None


def looks_like_path(spec: str) -> bool:
    return "/" in spec or os.sep in spec or spec.startswith((".", "~")) or spec.endswith(".toml")


def resolve(spec: str, base: Path | None = None) -> Path:
    """A rule set given as a folder path or an id (see the resolution order above).

    ``base``: the folder holding a set that ``extends`` this one; its sibling sets are
    found by id after the search path.
    """
    if looks_like_path(spec):
        p = Path(spec).expanduser()
        if p.is_dir():
            return p
        if p.is_file() and p.suffix == ".toml":
            return p.parent
        raise UsageError(msg("trust_rules_path_missing", path=spec))
    found = lookup(spec, [base] if base is not None and base.is_dir() else [])
    if found is not None:
        return found
    p = Path(spec)
    if p.is_dir():
        return p
    raise UsageError(msg("rs_unknown_set", spec=spec), suggestion=_known_sets_hint(spec))


def _known_sets_hint(spec: str) -> str | None:
    known = available()
    return did_you_mean(spec, known) or (msg("rs_known_sets", ids=", ".join(sorted(known))) if known else None)


def resolve_extends(spec: str, folder: Path, ref: SourceRef) -> Path:
    """The parent of a rule set, confined to the search path and the extending set's own tree.

    An id resolves as :func:`resolve` does (then among the sets next to ``folder``); a
    path (``"../base"``) is taken relative to the extending set's folder and must stay
    inside the folder that holds the extending set (its own tree) or inside a folder of
    the search path (``/``, ``../../..`` are refused).
    """
    base = folder.parent
    if not looks_like_path(spec):
        try:
            found = lookup(spec, [base] if base.is_dir() else [])
        except UsageError as exc:
            raise RuleError(exc.message, file=ref.file, line=ref.line, key=(META, "extends"), suggestion=exc.suggestion) from None
        if found is not None:
            return found
        if (base / spec).is_dir():
            return base / spec  # a sibling folder named by its folder name
        raise RuleError(msg("rs_unknown_set", spec=spec), file=ref.file, line=ref.line, key=(META, "extends"), suggestion=_known_sets_hint(spec))
    p = Path(spec)
    cand = p if p.is_absolute() else folder / p
    try:
        real = cand.resolve()
    except (OSError, RuntimeError):
        real = None
    roots = [base.resolve()] + [d.resolve() for d in search_dirs()]
    if real is None or not any(real == r or r in real.parents for r in roots):
        raise RuleError(
            msg("trust_extends_outside", spec=spec, roots=", ".join(str(r) for r in roots)),
            file=ref.file, line=ref.line, key=(META, "extends"),
            suggestion=msg("trust_extends_outside_hint"),
        )
    if not real.is_dir() or real == base.resolve() or real in {d.resolve() for d in search_dirs()}:
        raise RuleError(msg("trust_extends_not_a_set", spec=spec), file=ref.file, line=ref.line, key=(META, "extends"))
    return cand


def _read_meta(folder: Path) -> dict | None:
    """The [conjunto] table of a rule set's ruleset.toml, read cheaply (no full load)."""
    try:
        doc = load_toml(folder / "ruleset.toml")
    except PeiError:
        return None
    meta = doc.data.get(META)
    return meta if isinstance(meta, dict) else None


def candidates_for_year(year: int) -> list[Found]:
    """The rule sets of the search path whose [conjunto] vigencia covers ``year`` (each id once;
    an id declared twice with different content raises, naming both folders)."""
    out = []
    for f in index():
        if not f.id or any(o.id == f.id for o in out):
            continue
        if valid_from(f) <= year <= _validity(f, "hasta", 10**9):
            lookup(f.id)  # raises on a reused id
            out.append(f)
    return out


def valid_from(f: Found) -> int:
    return _validity(f, "desde", -10**9)


def _validity(f: Found, end: str, default: int) -> int:
    """``[conjunto] vigencia.desde`` / ``hasta`` as a found folder declares it (``default`` when it does not)."""
    vig = f.meta.get("vigencia") if isinstance(f.meta.get("vigencia"), dict) else {}
    return vig.get(end) if isinstance(vig.get(end), int) else default


def _files_of(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder]
    return sorted(p for p in folder.glob("*.toml") if p.is_file())
