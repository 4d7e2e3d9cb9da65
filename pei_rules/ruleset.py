"""Rule sets: load the TOML rule files, resolve ``extends``, validate, compile.

A rule set is a folder of TOML files (all ``*.toml`` directly inside it). Every leaf
value keeps the file:line it was written at, through ``extends`` merges, so that every
figure can cite the rule line it came from (``pei-rules rules show`` prints them).

Nothing in this module knows a CEPLAN number, band or formula: it only knows the shape
of a rule set. The engine vocabulary it does know (figure scopes, aggregation methods,
rounding modes, the inputs each scope provides) is listed in :mod:`pei_rules.vocabulary`.
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable

from . import vocabulary as V
from .errors import PeiError, RuleError, UsageError, did_you_mean, type_name
from .expressions import FUNCTION_LIBRARY, Expression, Where, compile_expression, reserved_name
from .files import sha256_limited, shown_path
from .i18n import current_lang, msg
from .references import validate as validate_references
from .tomlsource import MAX_FILE_BYTES, SourceDoc, SourceRef, load_toml

META = "conjunto"
RULESET_DIR_ENV = "PEI_RULES_PATH"
INHERITED_META = ("funciones", "periodos")
OVERRIDE_FORBIDDEN_META = ("extends", "vigencia", "anclado", "anclaje", "directiva")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")  # a band's optional report colour


# --- data model -------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    name: str
    label: str
    lower: Decimal | None  # None = -inf
    lower_closed: bool
    upper: Decimal | None  # None = +inf
    upper_closed: bool
    ref: SourceRef
    text: str
    color: str | None = None  # optional "#rrggbb" for reports (rule data, not code)

    def contains(self, x: Decimal) -> bool:
        if self.lower is not None:
            if x < self.lower or (x == self.lower and not self.lower_closed):
                return False
        if self.upper is not None:
            if x > self.upper or (x == self.upper and not self.upper_closed):
                return False
        return True


@dataclass
class Scale:
    name: str
    label: str
    bands: list[Band]
    ref: SourceRef

    def classify(self, x: Decimal) -> Band:
        # The bands are sorted and partition the line (checked at load), so the first band
        # whose upper bound is not below x is the one that contains it.
        for b in self.bands:
            up = b.upper
            if up is None or x < up or (x == up and b.upper_closed):
                return b
        raise AssertionError("bands do not partition the line")  # prevented at load


@dataclass
class Formula:
    name: str
    label: str
    scope: str
    expr: Expression
    ref: SourceRef


@dataclass
class ZeroDecision:
    """What a zero denominator means for one (sentido, agregación) case of an advance kind:
    ``expr`` gives the figure (e.g. ``tope``), or ``None`` keeps it without data."""

    text: str
    expr: Expression | None
    ref: SourceRef


@dataclass
class AdvanceKind:
    name: str
    label: str
    formulas: dict[tuple[str, str], Expression]
    refs: dict[tuple[str, str], SourceRef]
    # per case: a value divided by zero (si_division_por_cero) and 0/0 (si_cero_entre_cero)
    on_zero: dict[tuple[str, str], ZeroDecision] = field(default_factory=dict)
    on_zero_by_zero: dict[tuple[str, str], ZeroDecision] = field(default_factory=dict)


@dataclass
class Aggregate:
    name: str
    label: str
    scope: str
    members: str
    value: str
    method: str
    no_data: str
    weighting: str | None
    ref: SourceRef
    of: str | None = None  # members restricted to indicators owned by an "aei" or an "oei"
    weigh_by: str = "relevancia"  # what gives a member its grade r: relevancia or prioridad
    intermediates: str = "exactos"  # members' exact values, or their rounded (printed) values


@dataclass
class Convention:
    name: str
    kinds: frozenset[str]
    parameter: str | None
    ref: SourceRef


@dataclass
class Printing:
    """``[impresion]``: how the reports of the rule set's era print figures (for audits)."""

    decimals: dict[str, int] = field(default_factory=dict)  # figure kind -> printed decimals
    decimal_refs: dict[str, SourceRef] = field(default_factory=dict)
    conventions: dict[str, Convention] = field(default_factory=dict)

    def applies(self, name: str, kind: str) -> Convention | None:
        c = self.conventions.get(name)
        return c if c is not None and kind in c.kinds else None


@dataclass
class Count:
    name: str
    label: str
    figure: str
    of: str | None
    ref: SourceRef


@dataclass
class RuleSet:
    id: str
    title: str
    directive: str
    valid_from: int | None
    valid_to: int | None
    anchored: bool
    anchor: str
    periods: list[str]
    extends: list[str]
    folder: str
    files: list[tuple[str, str]]  # (path, sha256), parents first
    leaves: dict[tuple, tuple[Any, SourceRef]]
    parameters: dict[str, Decimal]
    functions: frozenset[str]
    synonyms: dict[str, dict[str, str]]  # field -> casefolded synonym -> category
    relevance_labels: dict[int, str]
    principal: str
    on_division_by_zero: str
    cases: dict[str, list[str]]
    advance_kinds: dict[str, AdvanceKind]
    formulas: dict[str, Formula]
    weight_scheme: str
    weight_schemes: dict[str, Expression]
    aggregates: dict[str, Aggregate]
    order: list[str]  # aggregate evaluation order
    scales: dict[str, Scale]
    band_for: dict[str, str]  # figure kind -> scale name
    compare: str
    no_data_label: str
    counts: dict[str, Count]
    rounding_mode: str
    intermediates: str
    decimals: dict[str, int]
    extra: dict[str, Any] = field(default_factory=dict)  # sections read by other modules
    #: aggregates and figure formulas (scopes aei/oei/plan) in dependency order
    steps: list[str] = field(default_factory=list)
    #: figures an extending rule set switched off (activo = false): kind -> where
    switched_off: dict[str, SourceRef] = field(default_factory=dict)
    #: [agregacion_ao]: AO tipo de agregación category (or "sin_tipo") -> monthly method
    ao_monthly: dict[str, str] = field(default_factory=dict)
    #: [ponderacion.grados_prioridad]: prioridad category -> grade r, to weigh by prioridad
    priority_grades: dict[str, int] = field(default_factory=dict)
    #: [impresion]: printed decimals and printing conventions of the era's reports
    printing: Printing = field(default_factory=Printing)
    #: [avance.entrada_acumulados]: (tipos de agregación, "anual" | "acumulada"): how a plan
    #: writes the yearly values of indicators of those tipos
    cumulative_entry: tuple[frozenset[str], str] = (frozenset(), "anual")

    @property
    def content_hash(self) -> str:
        h = hashlib.sha256()
        for path, digest in self.files:
            h.update(Path(path).name.encode() + b"\0" + digest.encode() + b"\n")
        return h.hexdigest()

    def ref(self, *path) -> SourceRef | None:
        leaf = self.leaves.get(tuple(path))
        if leaf:
            return leaf[1]
        # a table: the first leaf under it
        for k, (_, r) in self.leaves.items():
            if k[: len(path)] == tuple(path):
                return r
        return None

    def figure_kinds(self) -> list[str]:
        kinds = ["avance_indicador"] + [f"avance_{k}" for k in self.advance_kinds]
        kinds += list(self.formulas) + list(self.aggregates)
        return kinds

    def scope_of(self, kind: str) -> str:
        if kind == "avance_indicador" or kind.startswith("avance_") and kind[7:] in self.advance_kinds:
            return "indicador"
        if kind in self.formulas:
            return self.formulas[kind].scope
        if kind in self.aggregates:
            return self.aggregates[kind].scope
        raise KeyError(kind)

    def label_of(self, kind: str) -> str:
        if kind == "avance_indicador":
            return self.advance_kinds[self.principal].label
        if kind.startswith("avance_") and kind[7:] in self.advance_kinds:
            return self.advance_kinds[kind[7:]].label
        if kind in self.formulas:
            return self.formulas[kind].label
        if kind in self.aggregates:
            return self.aggregates[kind].label
        return kind

    def receipt(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "directive": self.directive,
            "content_hash": self.content_hash,
            "folder": shown_path(self.folder),
            "files": [{"path": p, "sha256": d} for p, d in self.files],
        }


# --- finding rule sets --------------------------------------------------------------
#
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
    here = Path(__file__).resolve().parent
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
    out = []
    try:
        subs = sorted(d.iterdir())
    except OSError:
        return ()
    for sub in subs:
        try:
            st = (sub / "ruleset.toml").stat()
            out.append((sub.name, st.st_mtime_ns, st.st_size, st.st_ino))
        except OSError:
            out.append((sub.name, None))
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
            rid = meta.get("id") if meta and isinstance(meta.get("id"), str) else None
            found.append(Found(rid, sub, bundled, meta or {}, sub.resolve()))
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
    meta = _read_meta(folder)
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
            raise UsageError(
                msg(kind, id=rid, first=str(first.folder), other=str(other.folder)),
                suggestion=msg("trust_id_reused_hint", other=str(other.folder)),
            )
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
        vig = f.meta.get("vigencia") if isinstance(f.meta.get("vigencia"), dict) else {}
        lo = vig.get("desde") if isinstance(vig.get("desde"), int) else -10**9
        hi = vig.get("hasta") if isinstance(vig.get("hasta"), int) else 10**9
        if lo <= year <= hi:
            lookup(f.id)  # raises on a reused id
            out.append(f)
    return out


def valid_from(f: Found) -> int:
    vig = f.meta.get("vigencia") if isinstance(f.meta.get("vigencia"), dict) else {}
    return vig.get("desde") if isinstance(vig.get("desde"), int) else -10**9


# --- loading ------------------------------------------------------------------------


def _flatten(doc: SourceDoc, data: dict, prefix: tuple, out: dict) -> None:
    for k, v in data.items():
        path = prefix + (k,)
        if isinstance(v, dict) and v:
            _flatten(doc, v, path, out)
        elif isinstance(v, dict):
            continue
        else:
            out[path] = (v, doc.ref(path))


def _unflatten(leaves: dict[tuple, tuple[Any, SourceRef]]) -> dict:
    root: dict = {}
    for path, (v, _) in leaves.items():
        node = root
        for k in path[:-1]:
            nxt = node.get(k)
            if not isinstance(nxt, dict):
                nxt = node[k] = {}
            node = nxt
        node[path[-1]] = v
    return root


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
                raise RuleError(
                    msg("rs_override_meta", key=path[1]),
                    file=ref.file,
                    line=ref.line,
                    key=path,
                    suggestion=msg("rs_override_meta_hint"),
                )
        files.append((doc.path, doc.sha256))
        leaves.update(flat)
    rs = _build(folder, leaves, files, chain)
    rs.extra["_stamp"] = stamp
    _cache[key] = rs
    return rs


def _files_of(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder]
    return sorted(p for p in folder.glob("*.toml") if p.is_file())


def _stamp_of(folder: Path) -> tuple:
    return _memo(("stamp_of", str(folder)), lambda: _stamp_of_now(folder))


def _stamp_of_now(folder: Path) -> tuple:
    out = []
    for p in _files_of(folder):
        try:
            st = p.stat()
            out.append((p.name, st.st_mtime_ns, st.st_size, st.st_ino))
        except OSError:
            out.append((p.name, None))
    return tuple(out)


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
                other = leaves[path][1]
                raise RuleError(
                    msg("rs_defined_twice"),
                    file=ref.file,
                    line=ref.line,
                    key=path,
                    related=[str(other)],
                )
            leaves[path] = (v, ref)
    rid_leaf = leaves.get((META, "id"))
    if rid_leaf is None:
        raise RuleError(
            msg("rs_no_id"),
            file=str(folder / "ruleset.toml"),
            key=(META, "id"),
            suggestion=msg("rs_no_id_hint"),
        )
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
    levels: list[tuple[Path, dict, list, str, tuple, SourceRef | None]] = []
    ids = list(chain)
    cur = folder
    base: tuple | None = None  # (merged leaves, files, lineage, stamps) of a cached ancestor
    while True:
        key = cur.resolve()
        hit = _merged_cache.get(key)
        if hit is not None and not set(hit[1][2]) & set(ids) and _still_valid(hit[0]):
            if len(levels) + len(hit[1][2]) > MAX_EXTENDS_DEPTH:
                top = levels[0][5] if levels else None
                raise RuleError(
                    msg("trust_extends_too_deep", limit=MAX_EXTENDS_DEPTH, first=ids[len(chain)] if len(ids) > len(chain) else hit[1][2][0], last=hit[1][2][-1]),
                    file=top.file if top else str(folder),
                    line=top.line if top else None,
                    key=(META, "extends"),
                    suggestion=msg("trust_extends_too_deep_hint"),
                )
            base = hit[1] + (hit[0][1],)
            break
        leaves, hashes, rid, stamp = _own_leaves(cur)
        if not isinstance(rid, str):
            rid = f"<{type_name(rid)}>"  # _build reports the malformed id with its line
        if rid in ids:
            rid_leaf = leaves[(META, "id")]
            at = leaves.get((META, "extends"), rid_leaf)[1]  # the extends line that closes the cycle
            raise RuleError(
                msg("rs_circular_extends", chain=" -> ".join(ids + [rid])),
                file=at.file,
                line=at.line,
                key=(META, "extends"),
                suggestion=msg("rs_circular_extends_hint"),
            )
        ids.append(rid)
        ext_leaf = leaves.get((META, "extends"))
        levels.append((cur, leaves, hashes, rid, stamp, ext_leaf[1] if ext_leaf else None))
        if ext_leaf is None:
            break
        parent_spec, ref = ext_leaf
        if not isinstance(parent_spec, str):
            raise RuleError(msg("rs_extends_not_string"), file=ref.file, line=ref.line, key=(META, "extends"))
        if len(levels) >= MAX_EXTENDS_DEPTH:
            top = levels[0][5]
            raise RuleError(
                msg("trust_extends_too_deep", limit=MAX_EXTENDS_DEPTH, first=ids[len(chain)], last=rid),
                file=top.file if top else str(folder),
                line=top.line if top else None,
                key=(META, "extends"),
                suggestion=msg("trust_extends_too_deep_hint"),
            )
        if parent_spec in ids and not looks_like_path(parent_spec):
            # the extends line of the set the cycle returns to
            at = next((lv[5] for lv in levels if lv[3] == parent_spec and lv[5] is not None), ref)
            raise RuleError(
                msg("rs_circular_extends", chain=" -> ".join(ids + [parent_spec])),
                file=at.file,
                line=at.line,
                key=(META, "extends"),
                suggestion=msg("rs_circular_extends_hint"),
            )
        cur = resolve_extends(parent_spec, cur, ref)
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


class _Reader:
    """Typed access to the merged rule tree, with errors that cite file:line."""

    def __init__(self, folder: Path, leaves: dict):
        self.folder = folder
        self.leaves = leaves
        self.tree = _unflatten(leaves)

    def ref(self, path: tuple) -> SourceRef:
        leaf = self.leaves.get(path)
        if leaf:
            return leaf[1]
        best = None
        for k, (_, r) in self.leaves.items():
            if k[: len(path)] == path:
                best = r
                break
        if best:
            return best
        # a missing key: point at the table that should hold it (its first leaf's file:line)
        for n in range(len(path) - 1, 0, -1):
            for k, (_, r) in self.leaves.items():
                if k[:n] == path[:n] and r.line:
                    return SourceRef(r.file, r.line, path)
        return SourceRef(str(self.folder), None, path)

    def fail(self, path: tuple, message: str, suggestion: str | None = None, excerpt: str | None = None):
        r = self.ref(path)
        raise RuleError(message, file=r.file, line=r.line, key=path, suggestion=suggestion, excerpt=excerpt)

    def get(self, path: tuple, default: Any = ...):
        node: Any = self.tree
        for k in path:
            if not isinstance(node, dict) or k not in node:
                if default is ...:
                    self.fail(path, msg("rf_missing_key", key=path[-1] if path else ""))
                return default
            node = node[k]
        return node

    def table(self, path: tuple, default: Any = ...) -> dict:
        v = self.get(path, default)
        if v is default and default is not ...:
            return v
        if not isinstance(v, dict):
            self.fail(path, msg("rs_must_be_table_got", type=type_name(v)))
        return v

    def label(self, path: tuple, default: Any = ..., key: str = "etiqueta") -> str:
        """The label at ``path + (key,)`` in the language in force: ``<key>_en`` under English
        when the rule file gives one (the Spanish one stays CEPLAN's authoritative term)."""
        es = self.string(path + (key,), default)
        en = self.get(path + (f"{key}_en",), None)
        if en is not None and not isinstance(en, str):
            self.fail(path + (f"{key}_en",), msg("rf_must_be_string", type=type_name(en)))
        return en if en and current_lang() == "en" else es

    def string(self, path: tuple, default: Any = ..., choices: Iterable[str] | None = None) -> str:
        v = self.get(path, default)
        if v is default and default is not ...:
            return v
        if not isinstance(v, str):
            self.fail(path, msg("rf_must_be_string", type=type_name(v)))
        if choices is not None:
            choices = list(choices)
            if v not in choices:
                self.fail(
                    path,
                    msg("rf_not_one_of", value=v, options=", ".join(choices)),
                    suggestion=did_you_mean(v, choices) or None,
                )
        return v

    def integer(self, path: tuple, default: Any = ..., lo: int | None = None, hi: int | None = None) -> int:
        v = self.get(path, default)
        if v is default and default is not ...:
            return v
        if isinstance(v, bool) or not isinstance(v, int):
            self.fail(path, msg("rs_must_be_integer", type=type_name(v)))
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            self.fail(path, msg("rs_between", lo=lo, hi=hi, value=v))
        return v

    def known_keys(self, path: tuple, allowed: Iterable[str]) -> None:
        node = self.get(path, None)
        if not isinstance(node, dict):
            return
        allowed = list(allowed)
        for k in node:
            if k not in allowed and not str(k).startswith("_"):
                self.fail(path + (k,), msg("rf_unknown_key", key=k), suggestion=did_you_mean(str(k), allowed) or msg("rf_allowed", keys=", ".join(allowed)))

    def expr(self, path: tuple, names: set[str], functions: frozenset[str], rule: str) -> Expression:
        text = self.get(path)
        r = self.ref(path)
        return compile_expression(text, names, functions, Where(file=r.file, line=r.line, key=path, rule=rule))


def _not_reserved(R: "_Reader", path: tuple, name: object) -> None:
    """Every name a rule set declares is checked against the engine's reserved set."""
    if isinstance(name, str) and reserved_name(name):
        R.fail(path, msg("trust_reserved_name", name=name), suggestion=msg("trust_reserved_name_hint"))


MAX_BOUND_CHARS = 60  # a bound is a number or an infinity: no legitimate one is longer
MAX_BOUND = Decimal("1E15")  # beyond any percentage or amount; charts and Decimal stay exact


def _parse_bound(text: str) -> Decimal | None | str:
    t = text.strip().lower()
    if t in ("-inf", "-infinito", "+inf", "inf", "+infinito", "infinito"):
        return None
    try:
        d = Decimal(t)
    except InvalidOperation:
        return "bad"
    if not d.is_finite():
        return "bad"
    return d


def _parse_interval(text: str) -> tuple[Decimal | None, bool, Decimal | None, bool] | str:
    """Parse ``"[a, b)"`` by hand, in one pass (a regular expression with lazy groups took
    minutes on a bound padded with thousands of spaces)."""
    if not isinstance(text, str):
        return msg("rs_interval_hint")
    s = text.strip()
    if len(s) < 2 or s[0] not in "[(]" or s[-1] not in "])[" or s[1:-1].count(",") != 1:
        return msg("rs_interval_hint")
    lo_b, hi_b = s[0], s[-1]
    lo_t, hi_t = (part.strip() for part in s[1:-1].split(","))
    if not lo_t or not hi_t:
        return msg("rs_interval_hint")
    lo = _parse_bound(lo_t) if len(lo_t) <= MAX_BOUND_CHARS else "bad"
    hi = _parse_bound(hi_t) if len(hi_t) <= MAX_BOUND_CHARS else "bad"
    if lo == "bad" or hi == "bad":
        return msg("rs_interval_bounds")
    if any(isinstance(b, Decimal) and abs(b) > MAX_BOUND for b in (lo, hi)):
        return msg("rs_interval_bound_range", max=f"{MAX_BOUND:.0E}")
    if lo is None and not lo_t.strip().startswith("-"):
        return msg("rs_interval_lower_inf")
    if hi is None and hi_t.strip().startswith("-"):
        return msg("rs_interval_upper_inf")
    lo_closed = lo_b == "[" and lo is not None
    hi_closed = hi_b == "]" and hi is not None
    if lo is not None and hi is not None and (lo > hi or (lo == hi and not (lo_closed and hi_closed))):
        return msg("rs_interval_empty")
    return lo, lo_closed, hi, hi_closed


def _build_meta(folder, leaves):
    R = _Reader(folder, leaves)
    R.known_keys((), V.RULE_SECTIONS)
    R.known_keys((META,), V.META_KEYS)
    rid = R.string((META, "id"))
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", rid):
        R.fail((META, "id"), msg("rs_bad_id"))
    title = R.string((META, "titulo"), "")
    directive = R.string((META, "directiva"), "")
    vig = R.table((META, "vigencia"), {})
    R.known_keys((META, "vigencia"), ["desde", "hasta"])
    valid_from = R.integer((META, "vigencia", "desde"), None, 1900, 2200) if "desde" in vig else None
    valid_to = R.integer((META, "vigencia", "hasta"), None, 1900, 2200) if "hasta" in vig else None
    anchored = R.get((META, "anclado"), False)
    if not isinstance(anchored, bool):
        R.fail((META, "anclado"), msg("rs_must_be_bool"))
    anchor = R.string((META, "anclaje"), "")
    periods = R.get((META, "periodos"), ["anual"])
    if not isinstance(periods, list) or not all(isinstance(p, str) and p in V.PERIODS for p in periods):
        R.fail((META, "periodos"), msg("rs_periods_list", periods=", ".join(V.PERIODS)))
    funcs = R.get((META, "funciones"), [])
    if not isinstance(funcs, list) or not all(isinstance(f, str) for f in funcs):
        R.fail((META, "funciones"), msg("rs_functions_list"))
    for f in funcs:
        if f not in FUNCTION_LIBRARY:
            R.fail((META, "funciones"), msg("rs_unknown_function", name=f), suggestion=msg("rs_available", names=", ".join(FUNCTION_LIBRARY)))
    functions = frozenset(funcs)
    return R, anchor, anchored, directive, functions, periods, rid, title, valid_from, valid_to


def _build_parameters(R):
    # parameters
    params: dict[str, Decimal] = {}
    for name, v in R.table(("parametros",), {}).items():
        _not_reserved(R, ("parametros", name), name)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or name in V.ALL_INPUT_NAMES:
            R.fail(("parametros", name), msg("rs_param_name", name=name))
        if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
            R.fail(("parametros", name), msg("rs_param_number", type=type_name(v)))
        d = Decimal(v)
        if not d.is_finite():
            R.fail(("parametros", name), msg("rs_param_finite"))
        params[name] = d
    return params


def _build_vocabulary(R):
    # vocabulary
    synonyms: dict[str, dict[str, str]] = {}
    for fld in ("sentido", "agregacion", "agregacion_ao", "prioridad", "prioridad_ao"):
        if fld not in ("sentido", "agregacion") and fld not in R.table(("vocabulario",)):
            continue  # optional: the AO tipo de agregación and the prioridad words
        table = R.table(("vocabulario", fld))
        m: dict[str, str] = {}
        for cat, words in table.items():
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                R.fail(("vocabulario", fld, cat), msg("rs_list_of_words"))
            m[cat.casefold()] = cat
            for w in words:
                prev = m.get(w.casefold())
                if prev is not None and prev != cat:
                    R.fail(("vocabulario", fld, cat), msg("rs_synonym_twice", word=w, other=prev))
                m[w.casefold()] = cat
        synonyms[fld] = m
    rel_labels: dict[int, str] = {}
    for k, v in R.table(("vocabulario", "relevancia"), {}).items():
        if not str(k).isdigit() or not isinstance(v, str):
            R.fail(("vocabulario", "relevancia", k), msg("rs_relevance_grades"))
        rel_labels[int(k)] = v
        synonyms.setdefault("relevancia", {})[v.casefold()] = str(k)
    return rel_labels, synonyms


def _build_advance(R, functions, params, synonyms):
    # indicator advance
    R.known_keys(("avance",), ["principal", "division_por_cero", "casos", "tipos", "entrada_acumulados"])
    cases_t = R.table(("avance", "casos"))
    sentidos = set(synonyms["sentido"].values())
    agregs = set(synonyms["agregacion"].values())
    cases: dict[str, list[str]] = {}
    for s, ags in cases_t.items():
        if s not in sentidos:
            R.fail(("avance", "casos", s), msg("rs_not_sentido", value=s), suggestion=did_you_mean(s, sentidos) or None)
        if not isinstance(ags, list) or not ags:
            R.fail(("avance", "casos", s), msg("rs_list_of_agregaciones"))
        for a in ags:
            if a not in agregs:
                R.fail(("avance", "casos", s), msg("rs_not_agregacion", value=a), suggestion=did_you_mean(str(a), agregs) or None)
        cases[s] = list(ags)
    for s in sentidos:
        if s not in cases:
            R.fail(("avance", "casos"), msg("rs_sentido_no_cases", sentido=s))
    ind_names = set(V.SCOPE_INPUTS["indicador"]) | set(params)
    kinds: dict[str, AdvanceKind] = {}
    switched_off: dict[str, SourceRef] = {}
    for kname, kt in R.table(("avance", "tipos")).items():
        _not_reserved(R, ("avance", "tipos", kname), kname)
        if not isinstance(kt, dict):
            R.fail(("avance", "tipos", kname), msg("rf_must_be_table"))
        if not re.fullmatch(r"[a-z][a-z0-9_]*", kname):
            R.fail(("avance", "tipos", kname), msg("rs_kind_name"))
        if not _active(R, ("avance", "tipos", kname)):
            switched_off[f"avance_{kname}"] = R.ref(("avance", "tipos", kname, "activo"))
            continue
        label = R.label(("avance", "tipos", kname), kname)
        forms: dict[tuple[str, str], Expression] = {}
        refs: dict[tuple[str, str], SourceRef] = {}
        decisions: dict[str, dict[tuple[str, str], ZeroDecision]] = {"si_division_por_cero": {}, "si_cero_entre_cero": {}}
        for s, sub in kt.items():
            if s in ("etiqueta", "etiqueta_en", "activo"):
                continue
            if s in decisions:
                decisions[s] = _zero_decisions(R, ("avance", "tipos", kname, s), cases, ind_names, functions)
                continue
            if s not in cases:
                R.fail(("avance", "tipos", kname, s), msg("rs_not_declared_sentido", value=s), suggestion=did_you_mean(s, cases) or None)
            if not isinstance(sub, dict):
                R.fail(("avance", "tipos", kname, s), msg("rs_table_of_formulas"))
            for a in sub:
                if a not in cases[s]:
                    R.fail(("avance", "tipos", kname, s, a), msg("rs_not_a_case", agregacion=a, sentido=s), suggestion=did_you_mean(a, cases[s]) or None)
                path = ("avance", "tipos", kname, s, a)
                forms[(s, a)] = R.expr(path, ind_names, functions, f"avance.{kname}.{s}.{a}")
                refs[(s, a)] = R.ref(path)
        for s, ags in cases.items():
            for a in ags:
                if (s, a) not in forms:
                    R.fail(
                        ("avance", "tipos", kname),
                        msg("rs_case_not_covered", sentido=s, agregacion=a),
                        suggestion=msg("rs_case_not_covered_hint", sentido=s, agregacion=a, kind=kname),
                    )
        kinds[kname] = AdvanceKind(kname, label, forms, refs, decisions["si_division_por_cero"], decisions["si_cero_entre_cero"])
    principal = R.string(("avance", "principal"), choices=list(kinds))
    on_div0 = R.string(("avance", "division_por_cero"), "nd", choices=["nd", "error"])
    cumulative = _cumulative_entry(R, agregs)
    return cases, cumulative, kinds, on_div0, principal, switched_off


def _build_formulas(R, functions, kinds, params, switched_off):
    # scalar formulas (POI and others); those of scope aei/oei/plan may read the figures
    # (aggregates and formulas) of the same scope, by name
    formulas: dict[str, Formula] = {}
    reserved = {"avance_indicador"} | {f"avance_{k}" for k in kinds}
    same_scope: dict[str, set[str]] = {sc: set() for sc in V.FIGURE_FORMULA_SCOPES}
    for section in ("formulas", "agregados"):
        for name, t in R.table((section,), {}).items():
            if isinstance(t, dict) and _active(R, (section, name)) and isinstance(t.get("ambito"), str) and t["ambito"] in same_scope:
                same_scope[t["ambito"]].add(name)
    for name, ft in R.table(("formulas",), {}).items():
        _not_reserved(R, ("formulas", name), name)
        path = ("formulas", name)
        if not isinstance(ft, dict):
            R.fail(path, msg("rs_formula_table"))
        R.known_keys(path, ["etiqueta", "etiqueta_en", "ambito", "expr", "activo"])
        if name in reserved:
            R.fail(path, msg("rs_reserved_for_advance", name=name))
        if not _active(R, path):
            switched_off[name] = R.ref(path + ("activo",))
            continue
        scope = R.string(path + ("ambito",), choices=list(V.FORMULA_SCOPES))
        names = set(V.SCOPE_INPUTS[scope]) | set(params) | (same_scope.get(scope, set()) - {name})
        formulas[name] = Formula(name, R.label(path, name), scope, R.expr(path + ("expr",), names, functions, f"formulas.{name}"), R.ref(path + ("expr",)))
    for sc, figs in same_scope.items():
        for name in sorted(figs & (set(V.SCOPE_INPUTS[sc]) | set(params))):
            section = "formulas" if name in formulas else "agregados"
            R.fail((section, name), msg("rs_figure_name_clash", name=name, scope=sc))
    return formulas, reserved


def _build_weighting(R, functions, params):
    # weighting
    R.known_keys(("ponderacion",), ["esquema", "esquemas", "ponderar_por", "grados_prioridad"])
    schemes: dict[str, Expression] = {}
    for name in R.table(("ponderacion", "esquemas"), {}):
        _not_reserved(R, ("ponderacion", "esquemas", name), name)
        schemes[name] = R.expr(("ponderacion", "esquemas", name), set(V.WEIGHT_INPUTS) | set(params), functions, f"ponderacion.esquemas.{name}")
    scheme = R.string(("ponderacion", "esquema"), "", choices=list(schemes) or None) if schemes else ""
    return scheme, schemes


def _build_priority_grades(R, synonyms) -> dict[str, int]:
    """[ponderacion.grados_prioridad]: the grade r of each prioridad word (its category in
    [vocabulario.prioridad] or [vocabulario.prioridad_ao]) when an aggregate weighs by prioridad."""
    known = set(synonyms.get("prioridad", {}).values()) | set(synonyms.get("prioridad_ao", {}).values())
    grades: dict[str, int] = {}
    for cat, grade in R.table(("ponderacion", "grados_prioridad"), {}).items():
        path = ("ponderacion", "grados_prioridad", cat)
        if cat not in known:
            R.fail(path, msg("wt_priority_grade_unknown", word=cat), suggestion=did_you_mean(cat, sorted(known)) or msg("rf_known", known=", ".join(sorted(known))))
        grades[cat] = R.integer(path, lo=1, hi=99)
    return grades


def _build_aggregates(R, formulas, reserved, scheme, schemes, switched_off):
    # aggregates
    aggregates: dict[str, Aggregate] = {}
    known_kinds = reserved | set(formulas)
    for name, at in R.table(("agregados",), {}).items():
        _not_reserved(R, ("agregados", name), name)
        path = ("agregados", name)
        if not isinstance(at, dict):
            R.fail(path, msg("rf_must_be_table"))
        R.known_keys(path, ["etiqueta", "etiqueta_en", "ambito", "miembros", "valor", "metodo", "sin_dato", "ponderacion", "ponderar_por", "activo", "de", "intermedios"])
        if name in known_kinds:
            R.fail(path, msg("rs_already_formula", name=name))
        if not _active(R, path):
            switched_off[name] = R.ref(path + ("activo",))
            continue
        scope = R.string(path + ("ambito",), choices=list(V.AGGREGATE_SCOPES))
        members = R.string(path + ("miembros",), choices=list(V.MEMBERS[scope]))
        of = R.string(path + ("de",), None, choices=V.OWNER_LEVELS) if "de" in at else None
        if of is not None and members != "indicadores":
            R.fail(path + ("de",), msg("rs_de_needs_indicators"))
        method = R.string(path + ("metodo",), choices=list(V.METHODS))
        weighting, weigh_by = None, "relevancia"
        if method in V.WEIGHTED_METHODS:
            if not schemes:
                R.fail(path + ("metodo",), msg("rs_weighted_needs_schemes"))
            if not scheme and "ponderacion" not in at:
                R.fail(path + ("metodo",), msg("rs_weighted_needs_scheme"), suggestion=msg("rs_weighted_needs_scheme_hint"))
            weighting = R.string(path + ("ponderacion",), scheme, choices=list(schemes))
            weigh_by = R.string(path + ("ponderar_por",), R.string(("ponderacion", "ponderar_por"), "relevancia", choices=V.WEIGHT_ATTRIBUTES), choices=V.WEIGHT_ATTRIBUTES)
        aggregates[name] = Aggregate(
            name=name,
            label=R.label(path, name),
            scope=scope,
            members=members,
            value=R.string(path + ("valor",)),
            method=method,
            no_data=R.string(path + ("sin_dato",), "excluir", choices=["excluir", "propagar"]),
            weighting=weighting,
            weigh_by=weigh_by,
            ref=R.ref(path + ("metodo",)),
            of=of,
            intermediates=R.string(path + ("intermedios",), None, choices=V.INTERMEDIATES) if "intermedios" in at else None,
        )
    return aggregates, known_kinds


def _build_order(R, aggregates, formulas, known_kinds, reserved, switched_off):
    # check member values exist with the right scope, and order (no cycles)
    def kind_scope(k: str) -> str | None:
        if k in reserved:
            return "indicador"
        if k in formulas:
            return formulas[k].scope
        if k in aggregates:
            return aggregates[k].scope
        return None

    for a in aggregates.values():
        ks = kind_scope(a.value)
        if ks is None and a.value in switched_off:
            R.fail(("agregados", a.name, "valor"), msg("rs_value_switched_off", name=a.value, where=switched_off[a.value]))
        if ks is None:
            R.fail(("agregados", a.name, "valor"), msg("rs_unknown_figure", name=a.value), suggestion=did_you_mean(a.value, list(known_kinds | set(aggregates))) or None)
        want = V.MEMBER_SCOPE[a.members]
        if ks != want:
            R.fail(("agregados", a.name, "valor"), msg("rs_scope_mismatch", name=a.value, scope=ks, members=a.members, want=want))
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(n: str, stack: list[str]) -> None:
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            R.fail(("agregados", n), msg("rs_circular_aggregates", chain=" -> ".join(stack + [n])))
        state[n] = 1
        dep = aggregates[n].value
        if dep in aggregates:
            visit(dep, stack + [n])
        state[n] = 2
        order.append(n)

    for n in aggregates:
        visit(n, [])
    steps = _steps(R, aggregates, formulas)
    return kind_scope, order, steps


def _build_bands(R, aggregates, kind_scope, known_kinds, switched_off):
    # semáforo
    R.known_keys(("semaforo",), ["compara", "sin_dato", "sin_dato_en", "escalas", "aplicar"])
    compare = R.string(("semaforo", "compara"), "redondeado", choices=["redondeado", "exacto"])
    nd_label = R.label(("semaforo",), msg("ev_no_data_label"), key="sin_dato")
    scales: dict[str, Scale] = {}
    for sname, st in R.table(("semaforo", "escalas")).items():
        _not_reserved(R, ("semaforo", "escalas", sname), sname)
        spath = ("semaforo", "escalas", sname)
        if not isinstance(st, dict):
            R.fail(spath, msg("rf_must_be_table"))
        R.known_keys(spath, ["etiqueta", "etiqueta_en", "bandas"])
        bands: list[Band] = []
        for bname, bt in R.table(spath + ("bandas",)).items():
            bpath = spath + ("bandas", bname)
            if not isinstance(bt, dict):
                R.fail(bpath, msg("rs_band_table"))
            R.known_keys(bpath, ["etiqueta", "etiqueta_en", "intervalo", "color"])
            color = R.string(bpath + ("color",), None)
            if color is not None and not _COLOR.fullmatch(color):
                R.fail(bpath + ("color",), msg("rs_bad_color", color=color), suggestion=msg("rs_bad_color_hint"))
            text = R.string(bpath + ("intervalo",))
            parsed = _parse_interval(text)
            if isinstance(parsed, str):
                R.fail(bpath + ("intervalo",), msg("rf_bad_interval", text=text, detail=parsed))
            lo, lc, hi, hc = parsed
            bands.append(Band(bname, R.label(bpath, bname), lo, lc, hi, hc, R.ref(bpath + ("intervalo",)), text, color))
        if not bands:
            R.fail(spath + ("bandas",), msg("rs_scale_no_bands"))
        bands.sort(key=lambda b: (b.lower is not None, b.lower if b.lower is not None else 0, not b.lower_closed))
        _check_partition(R, spath, bands)
        scales[sname] = Scale(sname, R.label(spath, sname), bands, R.ref(spath))
    band_for: dict[str, str] = {}
    all_kinds = known_kinds | set(aggregates)
    for kind, sname in R.table(("semaforo", "aplicar"), {}).items():
        if kind in switched_off:
            continue  # an inherited figure switched off: its band assignment goes with it
        if kind not in all_kinds:
            R.fail(("semaforo", "aplicar", kind), msg("rs_unknown_figure", name=kind), suggestion=did_you_mean(kind, all_kinds) or None)
        band_for[kind] = R.string(("semaforo", "aplicar", kind), choices=list(scales))

    counts: dict[str, Count] = {}
    for cname, ct in R.table(("conteos",), {}).items():
        _not_reserved(R, ("conteos", cname), cname)
        cpath = ("conteos", cname)
        if not isinstance(ct, dict):
            R.fail(cpath, msg("rf_must_be_table"))
        if _active(R, cpath) is False:
            continue
        R.known_keys(cpath, ["etiqueta", "etiqueta_en", "figura", "de", "activo"])
        if ct.get("figura") in switched_off:
            R.fail(cpath + ("figura",), msg("rs_count_switched_off", name=ct["figura"]))
        fig = R.string(cpath + ("figura",), choices=sorted(all_kinds))
        if fig not in band_for:
            R.fail(cpath + ("figura",), msg("rs_count_no_scale", name=fig))
        of = R.string(cpath + ("de",), None, choices=["aei", "oei"]) if "de" in ct else None
        if of and kind_scope(fig) != "indicador":
            R.fail(cpath + ("de",), msg("rs_count_de"))
        counts[cname] = Count(cname, R.label(cpath, cname), fig, of, R.ref(cpath + ("figura",)))
    return all_kinds, band_for, compare, counts, nd_label, scales


def _build_rounding(R, all_kinds, leaves, params, principal, rid, switched_off, synonyms):
    # rounding
    R.known_keys(("redondeo",), ["modo", "intermedios", "decimales"])
    mode = R.string(("redondeo", "modo"), choices=list(V.ROUNDING_MODES))
    inter = R.string(("redondeo", "intermedios"), "exactos", choices=["exactos", "redondeados"])
    decimals: dict[str, int] = {}
    for kind in R.table(("redondeo", "decimales")):
        if kind in switched_off:
            continue
        if kind not in all_kinds:
            R.fail(("redondeo", "decimales", kind), msg("rs_unknown_figure", name=kind), suggestion=did_you_mean(kind, all_kinds) or None)
        decimals[kind] = R.integer(("redondeo", "decimales", kind), lo=0, hi=10)
    for kind in sorted(all_kinds):
        if kind not in decimals:
            R.fail(("redondeo", "decimales"), msg("rs_no_decimals", name=kind), suggestion=msg("rs_add_decimals", name=kind))

    ao_monthly = _ao_monthly(R, synonyms)
    printing = _printing(R, all_kinds, params)
    if principal in switched_off:
        R.fail(("avance", "principal"), msg("rs_principal_off", name=principal))
    lineage = leaves.get((META, "_linaje"), ([rid], None))[0]
    extends = list(lineage[1:]) if lineage and lineage[0] == rid else list(lineage)
    return ao_monthly, decimals, inter, mode, printing


def _build(folder: Path, leaves: dict, files: list[tuple[str, str]], chain: list[str]) -> RuleSet:
    R, anchor, anchored, directive, functions, periods, rid, title, valid_from, valid_to = _build_meta(folder, leaves)
    params = _build_parameters(R)
    rel_labels, synonyms = _build_vocabulary(R)
    cases, cumulative, kinds, on_div0, principal, switched_off = _build_advance(R, functions, params, synonyms)
    formulas, reserved = _build_formulas(R, functions, kinds, params, switched_off)
    scheme, schemes = _build_weighting(R, functions, params)
    priority_grades = _build_priority_grades(R, synonyms)
    aggregates, known_kinds = _build_aggregates(R, formulas, reserved, scheme, schemes, switched_off)
    kind_scope, order, steps = _build_order(R, aggregates, formulas, known_kinds, reserved, switched_off)
    all_kinds, band_for, compare, counts, nd_label, scales = _build_bands(R, aggregates, kind_scope, known_kinds, switched_off)
    ao_monthly, decimals, inter, mode, printing = _build_rounding(R, all_kinds, leaves, params, principal, rid, switched_off, synonyms)
    extra = {k: R.tree[k] for k in R.tree if k not in V.CORE_SECTIONS}
    extra["_referencias"] = validate_references(leaves)  # [referencias]: checked at load, kept for explain and reports
    return RuleSet(
        id=rid,
        title=title,
        directive=directive,
        valid_from=valid_from,
        valid_to=valid_to,
        anchored=anchored,
        anchor=anchor,
        periods=periods,
        extends=[x for x in chain[1:]],
        folder=str(folder),
        files=files,
        leaves=leaves,
        parameters=params,
        functions=functions,
        synonyms=synonyms,
        relevance_labels=rel_labels,
        principal=principal,
        on_division_by_zero=on_div0,
        cumulative_entry=cumulative,
        cases=cases,
        advance_kinds=kinds,
        formulas=formulas,
        weight_scheme=scheme,
        weight_schemes=schemes,
        aggregates=aggregates,
        order=order,
        scales=scales,
        band_for=band_for,
        compare=compare,
        no_data_label=nd_label,
        counts=counts,
        rounding_mode=mode,
        intermediates=inter,
        decimals=decimals,
        extra=extra,
        steps=steps,
        switched_off=switched_off,
        ao_monthly=ao_monthly,
        printing=printing,
        priority_grades=priority_grades,
    )


def _active(R: _Reader, path: tuple) -> bool:
    """``activo = false`` switches an (inherited) figure off; anything else but a boolean is an error."""
    v = R.get(path + ("activo",), True)
    if not isinstance(v, bool):
        R.fail(path + ("activo",), msg("rs_must_be_bool"))
    return v


def _zero_decisions(R: _Reader, path: tuple, cases: dict, names: set[str], functions: frozenset[str]) -> dict[tuple[str, str], ZeroDecision]:
    """``[avance.tipos.T.si_division_por_cero]`` / ``si_cero_entre_cero``: per (sentido, agregación),
    ``"sin_dato"`` or an expression (e.g. ``"tope"``) giving the figure when the denominator is 0."""
    out: dict[tuple[str, str], ZeroDecision] = {}
    for s, sub in R.table(path).items():
        if s not in cases:
            R.fail(path + (s,), msg("rs_not_declared_sentido", value=s), suggestion=did_you_mean(s, cases) or None)
        if not isinstance(sub, dict):
            R.fail(path + (s,), msg("rs_table_of_decisions"))
        for a in sub:
            if a not in cases[s]:
                R.fail(path + (s, a), msg("rs_not_a_case", agregacion=a, sentido=s), suggestion=did_you_mean(a, cases[s]) or None)
            text = R.string(path + (s, a))
            expr = None if text == V.NO_DATA_DECISION else R.expr(path + (s, a), names, functions, ".".join(map(str, path + (s, a))))
            out[(s, a)] = ZeroDecision(text, expr, R.ref(path + (s, a)))
    return out


def _steps(R: _Reader, aggregates: dict, formulas: dict) -> list[str]:
    """Aggregates and figure-reading formulas (scopes aei/oei/plan) in dependency order."""
    nodes = set(aggregates) | {n for n, f in formulas.items() if f.scope in V.FIGURE_FORMULA_SCOPES}
    deps: dict[str, list[str]] = {}
    for n in nodes:
        if n in aggregates:
            deps[n] = [aggregates[n].value] if aggregates[n].value in nodes else []
        else:
            deps[n] = [x for x in formulas[n].expr.sorted_names if x in nodes]
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(n: str, stack: list[str]) -> None:
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            R.fail(("agregados" if n in aggregates else "formulas", n), msg("rs_circular_figures", chain=" -> ".join(stack + [n])))
        state[n] = 1
        for d in deps[n]:
            visit(d, stack + [n])
        state[n] = 2
        order.append(n)

    for n in list(aggregates) + [n for n in formulas if n in nodes]:
        visit(n, [])
    return order


def _cumulative_entry(R: _Reader, agregs: set[str]) -> tuple[frozenset[str], str]:
    """``[avance.entrada_acumulados]``: ``agregaciones`` (categories of [vocabulario.agregacion])
    whose plan values are written as ``forma`` = "anual" (each year's own value) or "acumulada"
    (the running total from the plan's first year)."""
    path = ("avance", "entrada_acumulados")
    if R.get(path, None) is None:
        return frozenset(), "anual"
    R.table(path)
    R.known_keys(path, ["agregaciones", "forma", "nota"])
    cats = R.get(path + ("agregaciones",))
    if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
        R.fail(path + ("agregaciones",), msg("rs_list_of_agregaciones_any"))
    for c in cats:
        if c not in agregs:
            R.fail(path + ("agregaciones",), msg("rs_not_agregacion", value=c), suggestion=did_you_mean(c, agregs) or None)
    return frozenset(cats), R.string(path + ("forma",), choices=V.CUMULATIVE_ENTRY)


def _printing(R: _Reader, kinds: set[str], params: dict) -> Printing:
    """``[impresion]``: ``decimales`` (figure kind -> decimals printed) and one table per
    convention of :data:`V.PRINT_CONVENTIONS` with ``cifras`` (figure kinds) and, for
    ``tope_sin_decimales``, ``parametro`` (the cap parameter, default "tope")."""
    out = Printing()
    if not R.table(("impresion",), {}):
        return out
    R.known_keys(("impresion",), ["decimales", "nota"] + V.PRINT_CONVENTIONS)
    for kind in R.table(("impresion", "decimales"), {}):
        if kind not in kinds:
            R.fail(("impresion", "decimales", kind), msg("rs_unknown_figure", name=kind), suggestion=did_you_mean(kind, kinds) or None)
        out.decimals[kind] = R.integer(("impresion", "decimales", kind), lo=0, hi=10)
        out.decimal_refs[kind] = R.ref(("impresion", "decimales", kind))
    for name in V.PRINT_CONVENTIONS:
        path = ("impresion", name)
        if R.get(path, None) is None:
            continue
        R.table(path)
        R.known_keys(path, ["cifras", "parametro", "nota"])
        figs = R.get(path + ("cifras",))
        if not isinstance(figs, list) or not figs or not all(isinstance(k, str) for k in figs):
            R.fail(path + ("cifras",), msg("rs_list_of_kinds"))
        for k in figs:
            if k not in kinds:
                R.fail(path + ("cifras",), msg("rs_unknown_figure", name=k), suggestion=did_you_mean(k, kinds) or None)
        param = None
        if name == "tope_sin_decimales":
            param = R.string(path + ("parametro",), "tope")
            if param not in params:
                R.fail(path + ("parametro",), msg("rs_not_a_parameter", name=param), suggestion=did_you_mean(param, params) or None)
        out.conventions[name] = Convention(name, frozenset(figs), param, R.ref(path + ("cifras",)))
    return out


def _ao_monthly(R: _Reader, synonyms: dict) -> dict[str, str]:
    """``[agregacion_ao]``: per AO tipo de agregación (a category of [vocabulario.agregacion_ao], or
    "sin_tipo"), how the annual physical value comes from the 12 months."""
    table = R.table(("agregacion_ao",), {})
    cats = set(synonyms.get("agregacion_ao", {}).values()) | {V.NO_AO_AGGREGATION}
    out: dict[str, str] = {}
    for cat in table:
        if cat not in cats:
            R.fail(("agregacion_ao", cat), msg("rs_not_ao_category", name=cat, none=V.NO_AO_AGGREGATION), suggestion=did_you_mean(str(cat), cats) or None)
        out[cat] = R.string(("agregacion_ao", cat), choices=V.MONTHLY_METHODS)
    if table:
        for cat in sorted(cats - set(out)):
            R.fail(("agregacion_ao",), msg("rs_ao_no_method", name=cat), suggestion=msg("rf_for_example", example=f'{cat} = "suma"'))
    return out


def _check_partition(R: _Reader, spath: tuple, bands: list[Band]) -> None:
    first = bands[0]
    if first.lower is not None:
        R.fail(spath + ("bandas", first.name, "intervalo"), msg("rs_gap_below", bound=first.lower), suggestion=msg("rs_gap_below_hint"))
    for a, b in zip(bands, bands[1:]):
        if a.upper is None:
            R.fail(spath + ("bandas", b.name, "intervalo"), msg("rs_overlap_inf", band=b.name, other=a.name))
        if b.lower is None or a.upper < b.lower or (a.upper == b.lower and not a.upper_closed and not b.lower_closed):
            R.fail(spath + ("bandas", b.name, "intervalo"), msg("rs_gap_between", a=a.name, a_text=a.text, b=b.name, b_text=b.text))
        if a.upper > b.lower or (a.upper == b.lower and a.upper_closed and b.lower_closed):
            R.fail(spath + ("bandas", b.name, "intervalo"), msg("rs_overlap_between", a=a.name, a_text=a.text, b=b.name, b_text=b.text))
    last = bands[-1]
    if last.upper is not None:
        R.fail(spath + ("bandas", last.name, "intervalo"), msg("rs_gap_above", bound=last.upper), suggestion=msg("rs_gap_above_hint"))


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
