"""Evaluate many plans at once: one row per entity, per-entity results, a manifest.

The batch holds nothing per plan in memory: plan paths are discovered up front and kept
in a file for the run, each plan is loaded, evaluated, rendered to its per-entity file and
dropped, and its summary row is spooled to a file. A broken plan becomes a row with ``estado =
error`` and its file, line and message; the others are unaffected.

Outputs in ``OUTDIR`` (all written atomically, temp file + rename):

- ``entidades/NNNNN-<codigo>.json`` — the ``evaluate --format json`` structure per plan;
- ``resumen.csv`` and ``resumen.json`` — the consolidated table;
- ``manifiesto.json`` — written **last**; lists every output with its sha256. A run that
  is interrupted leaves no manifest (the previous one is deleted first), so no partial
  output can pass for a complete run.

Columns are not hard-coded CEPLAN figures: they are the rule set's plan-scope figures,
its OEI-scope aggregates and its count tables (``conteo:<tabla>:<banda>``).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import sys
import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable, Iterator

from . import api
from .check import count as count_check_findings
from .errors import InputFileError, PeiError, UsageError, did_you_mean
from .evaluate import evaluate
from .figures import rows
from .files import LIMIT_JSON, FolderLock, inside, read_text_limited, sha256_limited, sync_folder, write_atomic
from .sanitize import spreadsheet_text
from .gcpause import freeze_long_lived, paused
from .i18n import msg
from .plan import load_plan
from .jsonformat import to_compact_json_obj
from .vocabulary import OVERRIDE_NAME

try:  # the compiled encoder (declared dependency); the standard library's C encoder otherwise
    import orjson as _orjson

    def _dumps(obj: Any) -> bytes:
        return _orjson.dumps(obj)

    _loads = _orjson.loads
except ImportError:  # pragma: no cover - orjson is a declared dependency

    def _dumps(obj: Any) -> bytes:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    _loads = json.loads

MANIFEST = "manifiesto.json"
SUMMARY_CSV = "resumen.csv"
SUMMARY_JSON = "resumen.json"
ENTITY_DIR = "entidades"
MANIFEST_FORMAT = "pei-rules/batch-manifest"
SUMMARY_FORMAT = "pei-rules/batch-summary"
FORMAT_VERSION = 1

OK = "ok"
ERROR = "error"

#: fixed leading columns of the consolidated table (engine vocabulary, not CEPLAN figures)
BASE_COLUMNS = ["n", "entidad_codigo", "entidad_nombre", "archivo", "estado", "anio", "conjunto_reglas"]
TAIL_COLUMNS = ["hallazgos_check", "error_archivo", "error_linea", "error"]


# --- discovery ----------------------------------------------------------------------


def discover(inputs: Iterable[str | Path]) -> list[Path]:
    """Plan files named or found (recursively, ``*.toml``) under the inputs, in a stable order.

    Override files (``reglas-propias.toml``) and hidden files and folders are skipped; a file
    reached twice (named twice, or through a link) is kept once. Only paths are collected.
    """
    return [Path(q) for q in discover_paths(inputs)]


def discover_paths(inputs: Iterable[str | Path]) -> list[str]:
    """:func:`discover` as plain strings (what a batch keeps per plan for the whole run: a
    national batch of 30,000 plans holds 30,000 short strings, not Path objects)."""
    out: list[str] = []
    seen: set[str] = set()
    for spec in inputs:
        p = Path(spec)
        if p.is_dir():
            found = sorted(_plans_under(str(p), OVERRIDE_NAME))
        elif p.is_file():
            found = [str(p)]
        else:
            raise UsageError(msg("bat_not_regular" if p.exists() else "bat_no_such_input", path=str(spec)))
        for q in found:
            key = q if (real := os.path.realpath(q)) == q else real  # the path itself when it is its real path: one string kept, not two
            if key not in seen:
                seen.add(key)
                out.append(q)
    return out


def _plans_under(top: str, override: str) -> Iterator[str]:
    """``*.toml`` files under ``top`` (links to files followed, links to folders not, as
    ``Path.rglob``), skipping hidden names and override files; paths as ``Path`` prints them."""
    prefix = "" if top == "." else top.rstrip(os.sep) + os.sep
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        rel = dirpath[len(top) :].lstrip(os.sep)
        base = prefix + (rel + os.sep if rel else "")
        for name in filenames:
            if name.endswith(".toml") and not name.startswith(".") and name != override:
                q = base + name
                if os.path.isfile(q):
                    yield q


# --- one plan -----------------------------------------------------------------------


@dataclass
class Job:
    """What a worker needs to evaluate one plan (picklable, small)."""

    index: int
    path: str
    entity_dir: str


@dataclass
class Settings:
    year: int | None  # None: each plan's latest year with values
    rules: str | None
    no_overrides: bool
    created: str
    with_check: bool = True


_RULES_CACHE: dict[tuple, Any] = {}
_SETTINGS: Settings | None = None


def _init_worker(settings: Settings) -> None:
    global _SETTINGS
    _SETTINGS = settings
    _RULES_CACHE.clear()


def _rules_for(plan_path: str, settings: Settings, year: int):
    overrides = api.overrides_for(plan_path, not settings.no_overrides)
    key = (settings.rules, year, tuple(str(o) for o in overrides))
    hit = _RULES_CACHE.get(key)
    if hit is None:
        hit = api.choose_rules(settings.rules, year, overrides)
        _RULES_CACHE[key] = hit
        freeze_long_lived()  # rule sets live for the whole run: the collector stops scanning them
    return hit


def count_findings(plan, rules, year) -> int:
    """Number of findings of ``pei_rules.check.check(plan, rules, year)``, counted without
    looking up their lines (``check.count``)."""
    return count_check_findings(plan, rules, year)


def safe_name(code: str) -> str:
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", code).strip("._")
    return s[:60] or "entidad"


def entity_file_name(index: int, code: str | None) -> str:
    return f"{index:05d}-{safe_name(code or 'sin-codigo')}.json"


def summary_row(ev) -> dict[str, Any]:
    """The consolidated row's figures, driven by the rule set (no figure names in code)."""
    rules = ev.rules
    row: dict[str, Any] = {}
    oei_kinds = [k for k in rules.order if rules.aggregates[k].scope == "oei"]
    values = {}  # id -> rounded value, from the figures' rows (figures.ROW): no Figure made
    for fid, _, _, scope, _, _, value, *_ in rows(ev.figures):
        values[fid] = value
        if scope == "plan":
            row[fid] = None if value is None else str(value)
    for k in oei_kinds:
        row[k] = {o.codigo: _val(values.get(f"{k}:{o.codigo}")) for o in ev.plan.model.oei}
    for c in ev.counts.values():
        for band, n in c.counts.items():
            row[f"conteo:{c.name}:{band}"] = n
        row[f"conteo:{c.name}:total"] = c.total
    return row


def _val(value) -> str | None:
    return None if value is None else str(value)


def run_one(job: Job, settings: Settings | None = None) -> dict[str, Any]:
    """Evaluate one plan and write its per-entity file. Never raises for bad input."""

    settings = settings or _SETTINGS
    assert settings is not None
    with paused():  # one plan's objects live until it is written: no collection in between
        return _run_one(job, settings)


def _run_one(job: Job, settings: Settings) -> dict[str, Any]:
    row: dict[str, Any] = {"n": job.index, "entidad_codigo": None, "entidad_nombre": None, "archivo": job.path, "estado": OK, "anio": settings.year}
    try:
        plan = load_plan(job.path)
        row["entidad_codigo"] = plan.model.entidad.codigo
        row["entidad_nombre"] = plan.model.entidad.nombre
        year = settings.year or api.default_year(plan)
        row["anio"] = year
        rules, why = _rules_for(job.path, settings, year)
        row["conjunto_reglas"] = rules.id
        ev = evaluate(plan, rules, year, why_rules=why, trace=False)  # batch outputs carry no derivations
        ev.created = settings.created  # one timestamp per run: --jobs N gives identical files
        row.update(summary_row(ev))
        if settings.with_check:
            row["hallazgos_check"] = count_findings(plan, rules, year)
        data = _dumps(to_compact_json_obj(ev)) + b"\n"  # format_version 2, one line (orjson)
        name = entity_file_name(job.index, plan.model.entidad.codigo)
        write_atomic(Path(job.entity_dir) / name, data, durable=False)  # made durable at once before the manifest
        row["_output"] = (f"{ENTITY_DIR}/{name}", hashlib.sha256(data).hexdigest())
    except PeiError as exc:
        row["estado"] = ERROR
        row["error_archivo"] = exc.file or job.path
        row["error_linea"] = exc.line
        row["error"] = exc.message
        row["_error_text"] = str(exc)
    except (RecursionError, MemoryError) as exc:
        row["estado"] = ERROR
        row["error_archivo"] = job.path
        row["error"] = msg("cli_too_large" if isinstance(exc, MemoryError) else "cli_too_deep")
        row["_error_text"] = f"{job.path}: {row['error']}"
    except Exception as exc:  # noqa: BLE001 - a bug on one plan must not stop the batch
        row["estado"] = ERROR
        row["error_archivo"] = job.path
        row["error"] = msg("cli_internal_error", kind=type(exc).__name__, detail=str(exc))
        row["_error_text"] = f"{job.path}: {row['error']}"
    return row


def _run_one_global(job: Job) -> dict[str, Any]:
    return run_one(job, _SETTINGS)


# --- the whole run --------------------------------------------------------------------


@dataclass
class BatchResult:
    rows: list[dict[str, Any]]  # every row if kept (keep_rows), else empty
    columns: list[str]
    outputs: list[tuple[str, str]] = field(default_factory=list)  # (relative path, sha256), if keep_rows
    failed_rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0

    @property
    def failed(self) -> list[dict[str, Any]]:
        return self.failed_rows


def _make_outdir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(msg("bat_out_is_file", path=str(out)))
    if not out.parent.exists():
        raise UsageError(msg("bat_out_parent_missing", path=str(out.parent)))
    out.mkdir(exist_ok=True)


def prepare_outdir(out: Path) -> Path:
    """Create OUTDIR; remove the previous manifest first, then the previous outputs."""
    _make_outdir(out)
    manifest = out / MANIFEST
    if manifest.exists():
        manifest.unlink()  # from now on, nothing in OUTDIR vouches for completeness
    for name in (SUMMARY_CSV, SUMMARY_JSON):
        if (out / name).exists():
            (out / name).unlink()
    ent = out / ENTITY_DIR
    ent.mkdir(exist_ok=True)
    for old in ent.glob("*.json"):
        old.unlink()
    for folder in (out, ent):  # temp files left by a killed run (write_atomic's ".<name>.*.part")
        for tmp in folder.glob(".*.part"):
            tmp.unlink()
    return ent


def iter_rows(paths: list[str], entity_dir: str, settings: Settings, n_jobs: int) -> Iterator[dict[str, Any]]:
    """Results in input order, from this process or from ``n_jobs`` workers (jobs are made
    one at a time from the paths: nothing per plan is held beyond its path)."""
    jobs = (Job(i, p, entity_dir) for i, p in enumerate(paths, 1))
    if n_jobs <= 1 or len(paths) <= 1:
        _init_worker(settings)
        for job in jobs:
            yield run_one(job, settings)
        return
    import multiprocessing as mp

    chunk = max(1, min(32, len(paths) // (n_jobs * 8) or 1))
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    with ctx.Pool(n_jobs, initializer=_init_worker, initargs=(settings,)) as pool:
        yield from pool.imap(_run_one_global, jobs, chunksize=chunk)


def expected_columns(rules) -> list[str]:
    """The columns a plan evaluated under ``rules`` produces (to check --sort before running)."""
    cols = list(BASE_COLUMNS)
    cols += [n for n, fm in rules.formulas.items() if fm.scope == "plan"]
    cols += [k for k in rules.order if rules.aggregates[k].scope in ("plan", "oei")]
    for name, c in rules.counts.items():
        scale = rules.scales[rules.band_for[c.figure]]
        cols += [f"conteo:{name}:{b.name}" for b in scale.bands] + [f"conteo:{name}:sin_dato", f"conteo:{name}:total"]
    return cols + TAIL_COLUMNS


def cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dict):
        return "; ".join(f"{k}={'N/D' if x is None else x}" for k, x in v.items())
    return str(v)


class _AtomicStream:
    """A text file written in pieces that is complete or absent (temp + fsync + rename), hashing as it goes."""

    def __init__(self, path: Path):
        import tempfile

        self.path = path
        fd, self.tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        self.fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self.hash = hashlib.sha256()

    def write(self, text: str) -> None:
        self.fh.write(text)
        self.hash.update(text.encode("utf-8"))

    def __enter__(self) -> "_AtomicStream":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.fh.flush()
                os.fsync(self.fh.fileno())
            self.fh.close()
            if exc_type is None:
                os.replace(self.tmp, self.path)
        finally:
            if os.path.exists(self.tmp):
                os.unlink(self.tmp)


class _PathSpool:
    """The sorted plan paths, kept in a file for the run instead of in memory (30,000 paths held
    3.3 MB for the whole run, the one thing a batch kept per plan); iterated by the jobs and by
    the manifest. One JSON string a line (an undecodable file name round-trips escaped)."""

    def __init__(self, file: Path, paths: list[str]):
        self.file, self.n = file, len(paths)
        try:
            with open(file, "w", encoding="ascii") as fh:
                fh.writelines(json.dumps(p) + "\n" for p in paths)
        except BaseException:  # a full disk: no partial file left behind
            file.unlink(missing_ok=True)
            raise

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[str]:
        with open(self.file, encoding="ascii") as fh:
            for line in fh:
                yield json.loads(line)


def _spooled_rows(spool: Path) -> Iterator[dict[str, Any]]:
    with open(spool, "rb") as fh:
        for line in fh:
            yield _loads(line)


def _json_list(fh: "_AtomicStream", key: str, items: Iterable[Any], last: bool = False) -> None:
    """``"key": [...]`` as ``json.dumps(indent=2)`` lays it out one level deep, streamed."""
    fh.write(f"  {json.dumps(key)}: [")
    first = True
    for item in items:
        text = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n    ")
        fh.write(("\n    " if first else ",\n    ") + text)
        first = False
    fh.write("]" if first else "\n  ]")
    fh.write("\n" if last else ",\n")


def _write_manifest(out: Path, head: dict[str, Any], inputs: list[str], spool: Path, summaries: list[tuple[str, str]]) -> None:
    """The manifest, streamed (the per-entity outputs come from the spool): the same JSON
    as ``json.dumps(manifest, indent=2)``, without building it in memory."""

    def outputs() -> Iterator[dict[str, str]]:
        for r in _spooled_rows(spool):
            o = r.get("_output")
            if o:
                yield {"path": o[0], "sha256": o[1]}
        for p, h in summaries:
            yield {"path": p, "sha256": h}

    with _AtomicStream(out / MANIFEST) as fh:
        fh.write(json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ",\n")
        _json_list(fh, "inputs", inputs)
        _json_list(fh, "outputs", outputs(), last=True)
        fh.write("}\n")


def run_batch(inputs: Iterable[str | Path], out: str | Path, year: int, **kw) -> BatchResult:
    """Evaluate every plan under ``inputs`` into ``out`` (see :func:`_run_batch`), holding an
    exclusive lock on ``out``: a second run into the same folder refuses (exit 2) instead
    of mixing its rows with the first one's."""
    out = Path(out)
    _make_outdir(out)
    with FolderLock(out):
        return _run_batch(inputs, out, year, **kw)


def _write_summaries(out: Path, spool: Path, columns: list[str], settings: Settings) -> list[tuple[str, str]]:
    """The consolidated CSV and JSON, written from the spooled rows: (name, sha256) of each."""
    with _AtomicStream(out / SUMMARY_CSV) as fh:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        for r in _spooled_rows(spool):
            w.writerow([spreadsheet_text(cell_text(r.get(c))) for c in columns])
            if buf.tell() > 1 << 16:
                fh.write(buf.getvalue())
                buf.seek(0)
                buf.truncate()
        fh.write(buf.getvalue())
    summaries = [(SUMMARY_CSV, fh.hash.hexdigest())]
    with _AtomicStream(out / SUMMARY_JSON) as fh:
        head = {"format": SUMMARY_FORMAT, "format_version": FORMAT_VERSION, "year": settings.year, "created": settings.created, "columns": columns}
        fh.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "rows": [\n')
        first = True
        for r in _spooled_rows(spool):
            fh.write(("" if first else ",\n") + json.dumps({c: r.get(c) for c in columns}, ensure_ascii=False))
            first = False
        fh.write("\n]}\n")
    summaries.append((SUMMARY_JSON, fh.hash.hexdigest()))
    return summaries


def _run_batch(
    inputs: Iterable[str | Path],
    out: str | Path,
    year: int | None,
    *,
    rules: str | None = None,
    no_overrides: bool = False,
    jobs: int = 1,
    progress=None,
    with_check: bool = True,
    keep_rows: bool = True,
) -> BatchResult:
    """Evaluate every plan under ``inputs`` into ``out``. See the module docstring.

    Rows are spooled to a temporary file as they arrive and the consolidated CSV/JSON are
    written from it, so memory does not grow with the number of plans; ``keep_rows`` keeps
    them in memory too (for the terminal table). Failed rows are always kept.
    """
    paths = discover_paths(inputs)
    if not paths:
        raise UsageError(msg("bat_no_plan_files"))
    if rules or year:  # a broken or unknown rule set is a usage error (exit 2), not 3,000 failures
        api.choose_rules(rules, year or 0)
    out = Path(out)
    ent = prepare_outdir(out)
    created = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    settings = Settings(year=year, rules=rules, no_overrides=no_overrides, created=created, with_check=with_check)
    plan_paths = _PathSpool(out / ".entradas.part", paths)  # read back by the jobs and the manifest
    del paths
    total = len(plan_paths)
    rows: list[dict[str, Any]] = []
    failed_rows: list[dict[str, Any]] = []
    extra: dict[str, None] = {}  # columns beyond the fixed ones, in order of first appearance
    fixed = set(BASE_COLUMNS) | set(TAIL_COLUMNS)
    done = 0
    spool = out / ".resumen.filas.part"
    try:
        with open(spool, "wb") as sp:
            for row in iter_rows(plan_paths, str(ent), settings, jobs):
                for k in row:
                    if k not in fixed and k not in extra and not k.startswith("_"):
                        extra[k] = None
                sp.write(_dumps({k: v for k, v in row.items() if k == "_output" or not k.startswith("_")}) + b"\n")
                done += 1
                if row["estado"] != OK:
                    failed_rows.append(row)
                if keep_rows:
                    rows.append(row)
                if progress:
                    progress(done, total, len(failed_rows))
        sync_folder(out)  # every entity file durable, in one sync, before anything vouches for them
        columns = BASE_COLUMNS + list(extra) + TAIL_COLUMNS
        summaries = _write_summaries(out, spool, columns, settings)
        head = {
            "format": MANIFEST_FORMAT,
            "format_version": FORMAT_VERSION,
            "complete": True,
            "year": year,
            "created": created,
            "plans": done,
            "ok": done - len(failed_rows),
            "failed": len(failed_rows),
        }
        _write_manifest(out, head, plan_paths, spool, summaries)  # last: it vouches for everything above
        outputs = []
        if keep_rows:
            outputs = [tuple(r["_output"]) for r in _spooled_rows(spool) if r.get("_output")] + summaries
    finally:
        spool.unlink(missing_ok=True)
        plan_paths.file.unlink(missing_ok=True)
    for r in rows:
        r.pop("_output", None)
    return BatchResult(rows=rows, columns=columns, outputs=outputs, failed_rows=failed_rows, total=done)


def verify_manifest(out: str | Path) -> list[str]:
    """Problems with OUTDIR's manifest (empty list: the outputs are complete and intact)."""
    out = Path(out)
    m = out / MANIFEST
    if not m.is_file():
        return [msg("bat_no_manifest", file=str(m))]
    try:
        data = json.loads(read_text_limited(m, LIMIT_JSON, "JSON"))
    except InputFileError as exc:
        return [str(exc)]
    except ValueError as exc:
        return [msg("bat_manifest_unreadable", file=str(m), detail=str(exc))]
    problems = []
    outputs = data.get("outputs") if isinstance(data, dict) else None
    if not isinstance(outputs, list):
        return [msg("trust_manifest_shape", file=str(m))]
    root = out.resolve()
    for i, o in enumerate(outputs):
        if not isinstance(o, dict) or not isinstance(o.get("path"), str) or not isinstance(o.get("sha256"), str):
            problems.append(msg("trust_manifest_entry", file=str(m), n=i + 1))
            continue
        p = out / o["path"]
        if not inside(p, root):
            problems.append(msg("trust_manifest_outside", file=str(m), n=i + 1, path=o["path"]))
            continue
        if not p.is_file():
            problems.append(msg("bat_listed_missing", file=str(p)))
        else:
            try:
                digest = sha256_limited(p)
            except InputFileError as exc:
                problems.append(str(exc))
                continue
            if digest != o["sha256"]:
                problems.append(msg("bat_sha_differs", file=str(p)))
    return problems


# --- terminal table -------------------------------------------------------------------


def sort_key(value: Any):
    """Numbers numerically, text alphabetically, empty last."""
    if value is None or value == "" or isinstance(value, dict):
        return (2, Decimal(0), "")
    try:
        return (0, Decimal(str(value)), "")
    except (InvalidOperation, ValueError):
        return (1, Decimal(0), str(value).casefold())


def sort_rows(rows: list[dict[str, Any]], column: str | None, columns: list[str], descending: bool = False) -> list[dict[str, Any]]:
    if not column:
        return list(rows)
    if column not in columns:
        raise UsageError(msg("cli_batch_unknown_column", column=column), suggestion=did_you_mean(column, columns) or msg("cli_batch_columns", columns=", ".join(columns)))
    present = [r for r in rows if r.get(column) not in (None, "")]
    absent = [r for r in rows if r.get(column) in (None, "")]
    present.sort(key=lambda r: sort_key(r.get(column)), reverse=descending)
    return present + absent


def table_columns(columns: list[str]) -> list[str]:
    """What the terminal shows: identity, status, the plan figures, the count tables compacted."""
    shown = ["n", "entidad_codigo", "estado"]
    for c in columns:
        if c in BASE_COLUMNS or c in TAIL_COLUMNS or c.startswith("conteo:"):
            continue
        shown.append(c)
    return shown


def summary_table(rows: list[dict[str, Any]], columns: list[str], lang: str = "es") -> str:
    from tabulate import tabulate

    shown = [c for c in table_columns(columns) if not any(isinstance(r.get(c), dict) for r in rows)]
    counts: list[str] = []
    for c in columns:
        if c.startswith("conteo:") and c.split(":")[1] not in counts:
            counts.append(c.split(":")[1])
    headers = shown + [f"{n} ({'/'.join(b.split(':')[2] for b in columns if b.startswith(f'conteo:{n}:') and not b.endswith(':total'))})" for n in counts] + ["hallazgos_check", "error"]
    body = []
    for r in rows:
        line = [cell_text(r.get(c)) for c in shown]
        for n in counts:
            bands = [c for c in columns if c.startswith(f"conteo:{n}:") and not c.endswith(":total")]
            line.append("/".join(cell_text(r.get(b)) for b in bands) if r["estado"] == OK else "")
        line.append(cell_text(r.get("hallazgos_check")))
        err = r.get("error")
        line.append("" if not err else f"{r.get('error_archivo') or ''}{':' + str(r['error_linea']) if r.get('error_linea') else ''}: {err}"[:120])
        body.append(line)
    return tabulate(body, headers=headers, tablefmt="simple", disable_numparse=True)


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width
        self.last = -1

    def __call__(self, done: int, total: int, failed: int | None = None) -> None:
        pct = int(100 * done / total) if total else 100
        if pct == self.last and done != total:
            return
        self.last = pct
        fill = int(self.width * done / total) if total else self.width
        bad = msg("bat_progress_failed", n=failed) if failed else ""
        self.stream.write(f"\r[{'#' * fill}{'.' * (self.width - fill)}] {msg('bat_progress', done=done, total=total, pct=pct)}{bad}")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()
