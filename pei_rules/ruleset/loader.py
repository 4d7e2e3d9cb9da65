"""Loading a rule set: the leaves of its files (every value with its file:line), the
``extends`` chain merged parents first (iteratively, capped at ``MAX_EXTENDS_DEPTH``, kept
while no file of the chain changes), override files on top, then validation."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import RuleError, type_name
from ..i18n import current_lang, msg
from ..tomlsource import SourceDoc, SourceRef, load_toml
from .discovery import (
    MAX_EXTENDS_DEPTH, _dir_cache, _dir_stamp, _files_of, _memo, _stat_stamps, looks_like_path, resolve, resolve_extends,
    search_dirs, session,
)
from .schema import META, RuleSet
from .validation import build

INHERITED_META = ("funciones", "periodos")
OVERRIDE_FORBIDDEN_META = ("extends", "vigencia", "anclado", "anclaje", "directiva")


def _flatten(doc: SourceDoc, data: dict, prefix: tuple, out: dict) -> None:
    for k, v in data.items():
        path = prefix + (k,)
        if isinstance(v, dict) and v:
            _flatten(doc, v, path, out)
        elif isinstance(v, dict):
            continue
        else:
            out[path] = (v, doc.ref(path))


_cache: dict[tuple, RuleSet] = {}


def load_ruleset(spec: str | Path, *, overrides: list[Path] | None = None) -> RuleSet:
    """Load a rule set (folder or id), optionally with extra override files on top."""
    with session():
        return _load_ruleset(spec, overrides=overrides)


def _load_ruleset(spec: str | Path, *, overrides: list[Path] | None = None) -> RuleSet:
    folder = resolve(str(spec)) if not isinstance(spec, Path) else spec
    key = (str(folder.resolve()), tuple(str(o) for o in overrides or ()), current_lang())  # labels follow the language
    stamp = tuple(
        (str(p), p.stat().st_mtime_ns) for f in [folder, *(overrides or [])] for p in sorted(_files_of(f))
    )
    cached = _cache.get(key)
    if cached is not None and cached.extra.get("_stamp") == stamp:
        return cached
    leaves, files, chain = _load_leaves(folder, [])
    for extra in overrides or []:
        doc = load_toml(extra)
        flat: dict = {}
        _flatten(doc, doc.data, (), flat)
        flat.pop((META, "id"), None)
        for path, (_, ref) in flat.items():
            if path[0] == META and len(path) > 1 and path[1] in OVERRIDE_FORBIDDEN_META:
                raise RuleError(msg("rs_override_meta", key=path[1]), file=ref.file, line=ref.line, key=path, suggestion=msg("rs_override_meta_hint"))
        files.append((doc.path, doc.sha256))
        leaves.update(flat)
    rs = build(folder, leaves, files, chain)
    rs.extra["_stamp"] = stamp
    _cache[key] = rs
    return rs


def _stamp_of(folder: Path) -> tuple:
    return _memo(("stamp_of", str(folder)), lambda: _stamp_of_now(folder))


def _stamp_of_now(folder: Path) -> tuple:
    return _stat_stamps((p.name, p) for p in _files_of(folder))


_own_cache: dict[Path, tuple[tuple, tuple]] = {}
_merged_cache: dict[Path, tuple[tuple, tuple]] = {}


def _own_leaves(folder: Path) -> tuple[dict, list[tuple[str, str]], str, tuple]:
    """The leaves a folder writes itself (no extends applied), its file hashes, id and stamp."""
    key = folder.resolve()
    stamp = _stamp_of(folder)
    hit = _own_cache.get(key)
    if hit is not None and hit[0] == stamp:
        leaves, hashes, rid = hit[1]
        return leaves, hashes, rid, stamp
    files = _files_of(folder)
    if not files:
        raise RuleError(msg("rs_no_files"), file=str(folder))
    leaves: dict[tuple, tuple[Any, SourceRef]] = {}
    hashes: list[tuple[str, str]] = []
    for f in files:
        doc = load_toml(f)
        hashes.append((doc.path, doc.sha256))
        flat: dict = {}
        _flatten(doc, doc.data, (), flat)
        for path, (v, ref) in flat.items():
            if path in leaves:
                raise RuleError(msg("rs_defined_twice"), file=ref.file, line=ref.line, key=path, related=[str(leaves[path][1])])
            leaves[path] = (v, ref)
    rid_leaf = leaves.get((META, "id"))
    if rid_leaf is None:
        raise RuleError(msg("rs_no_id"), file=str(folder / "ruleset.toml"), key=(META, "id"), suggestion=msg("rs_no_id_hint"))
    rid = rid_leaf[0]
    _own_cache[key] = (stamp, (leaves, hashes, rid))
    return leaves, hashes, rid, stamp


def _search_stamp() -> tuple:
    return _memo(("search_stamp",), lambda: tuple((str(d), _dir_stamp(d)) for d in search_dirs()))


def _still_valid(stamp: tuple) -> bool:
    """A merged chain is reused only while the search path and every file of the chain (and
    the folders next to each set, where ids are also looked up) are unchanged."""
    search, chain = stamp
    if search != _search_stamp():
        return False
    dirs: dict[Path, tuple] = {}
    for f, s, ps in chain:
        if f.parent not in dirs:
            dirs[f.parent] = _dir_stamp(f.parent)
        if dirs[f.parent] != ps or _stamp_of(f) != s:
            return False
    return True


def _load_leaves(folder: Path, chain: list[str]) -> tuple[dict, list[tuple[str, str]], list[str]]:
    """The merged leaves of a rule set with its ``extends`` chain applied (parents first).

    Iterative (no recursion, whatever the depth), capped at MAX_EXTENDS_DEPTH, and each
    folder's merged leaves are kept while none of the chain's files change: checking every
    set of a long chain reads and merges each level once.
    """
    levels, base = _walk_up(folder, chain)
    # merge from the root (or the cached ancestor) down to the set asked for
    if base is not None:
        merged, files, lineage, stamps = base
        files, lineage, stamps = list(files), list(lineage), list(stamps)
    else:
        cur_f, leaves, hashes, rid, stamp, _ = levels.pop()
        merged, files, lineage, stamps = dict(leaves), list(hashes), [rid], [(cur_f, stamp, _dir_stamp(cur_f.parent))]
        _merged_cache[cur_f.resolve()] = ((_search_stamp(), tuple(stamps)), (merged, tuple(files), tuple(lineage)))
    for cur_f, leaves, hashes, rid, stamp, ref in reversed(levels):
        # metadata is never inherited, except the parent's line of descent and the keys that
        # are rules rather than description (functions the expressions call, known periods)
        m = {k: v for k, v in merged.items() if k[0] != META or (len(k) > 1 and k[1] in INHERITED_META)}
        m.update(leaves)
        lineage = [rid] + lineage
        m[(META, "_linaje")] = (lineage, ref)
        merged, files = m, files + list(hashes)
        stamps = [(cur_f, stamp, _dir_stamp(cur_f.parent))] + stamps
        _merged_cache[cur_f.resolve()] = ((_search_stamp(), tuple(stamps)), (merged, tuple(files), tuple(lineage)))
    return dict(merged), list(files), list(chain) + lineage


def _walk_up(folder: Path, chain: list[str]) -> tuple[list[tuple], tuple | None]:
    """The levels from ``folder`` up its ``extends`` chain, each (folder, own leaves, file
    hashes, id, stamp, ref of its extends line), up to the root or to the first ancestor whose
    merged leaves are cached and still valid: then also (merged leaves, files, lineage, stamps)."""
    levels: list[tuple[Path, dict, list, str, tuple, SourceRef | None]] = []
    ids = list(chain)
    cur = folder
    while True:
        hit = _merged_cache.get(cur.resolve())
        if hit is not None and not set(hit[1][2]) & set(ids) and _still_valid(hit[0]):
            if len(levels) + len(hit[1][2]) > MAX_EXTENDS_DEPTH:
                _too_deep(levels, folder, ids[len(chain)] if len(ids) > len(chain) else hit[1][2][0], hit[1][2][-1])
            return levels, hit[1] + (hit[0][1],)
        leaves, hashes, rid, stamp = _own_leaves(cur)
        if not isinstance(rid, str):
            rid = f"<{type_name(rid)}>"  # validation reports the malformed id with its line
        if rid in ids:  # the extends line that closes the cycle
            _circular(leaves.get((META, "extends"), leaves[(META, "id")])[1], ids + [rid])
        ids.append(rid)
        ext_leaf = leaves.get((META, "extends"))
        levels.append((cur, leaves, hashes, rid, stamp, ext_leaf[1] if ext_leaf else None))
        if ext_leaf is None:
            return levels, None
        parent_spec, ref = ext_leaf
        if not isinstance(parent_spec, str):
            raise RuleError(msg("rs_extends_not_string"), file=ref.file, line=ref.line, key=(META, "extends"))
        if len(levels) >= MAX_EXTENDS_DEPTH:
            _too_deep(levels, folder, ids[len(chain)], rid)
        if parent_spec in ids and not looks_like_path(parent_spec):  # the extends line of the set the cycle returns to
            _circular(next((lv[5] for lv in levels if lv[3] == parent_spec and lv[5] is not None), ref), ids + [parent_spec])
        cur = resolve_extends(parent_spec, cur, ref)


def _too_deep(levels: list[tuple], folder: Path, first: str, last: str) -> None:
    top = levels[0][5] if levels else None
    raise RuleError(
        msg("trust_extends_too_deep", limit=MAX_EXTENDS_DEPTH, first=first, last=last),
        file=top.file if top else str(folder), line=top.line if top else None, key=(META, "extends"),
        suggestion=msg("trust_extends_too_deep_hint"),
    )


def _circular(at: SourceRef, chain: list[str]) -> None:
    raise RuleError(
        msg("rs_circular_extends", chain=" -> ".join(chain)), file=at.file, line=at.line, key=(META, "extends"),
        suggestion=msg("rs_circular_extends_hint"),
    )


def forget_rulesets_under(folder: Path) -> None:
    """Drop the cached rule sets loaded from ``folder`` or below (a temporary folder that is
    gone: ``pei-rules serve`` loads user-supplied rule sets from one)."""
    prefix = str(Path(folder).resolve())
    for key in [k for k in _cache if k[0] == prefix or k[0].startswith(prefix + os.sep) or any(o.startswith(prefix + os.sep) for o in k[1])]:
        _cache.pop(key, None)
    for cache in (_own_cache, _merged_cache):
        for k in [k for k in cache if str(k) == prefix or str(k).startswith(prefix + os.sep)]:
            cache.pop(k, None)
    for k in [k for k in _dir_cache if k.split("|")[0] == prefix or k.startswith(prefix + os.sep)]:
        _dir_cache.pop(k, None)
