"""``pei-rules rules list|show|check|test``: inspect, validate and test rule sets.

* ``list``: every rule set in the search path, with validity, anchoring and parent.
* ``show RULESET``: the effective merged rules, each leaf with the file:line it came from.
* ``check [RULESET...]``: load and validate (all rule sets when none is given). Exit 1
  when any fails; each failure names file:line:column, the excerpt and a suggestion.
* ``test [RULESET...]``: run the rule test cases (``rules/<id>/casos/*.toml``). Exit 1
  when a case fails; also lists the rules no case exercises.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from tabulate import tabulate

from .. import inference
from ..errors import PeiError, RuleError, UsageError, format_key
from ..outputs.informe_rules import load_informe_rules
from ..ruleset import META, RuleSet, available, load_ruleset, resolve, search_dirs, session
from ..i18n import msg
from ..periods import check_periods
from ..references import references
from ..rulecases import run_for
from ..tomlsource import load_toml
from ._common import emit


# --- list -------------------------------------------------------------------------------


def _validity(rs: RuleSet) -> str:
    lo = "" if rs.valid_from is None else str(rs.valid_from)
    hi = "" if rs.valid_to is None else str(rs.valid_to)
    return f"{lo}–{hi}" if (lo or hi) else msg("rul_no_validity")


def run_list(args) -> int:
    rows, objs = [], []
    for rid, folder in available().items():
        try:
            rs = load_ruleset(folder)
        except PeiError as exc:
            rows.append([rid, "", "", "", "", msg("rul_does_not_load", message=exc.message)])
            objs.append({"id": rid, "folder": str(folder), "error": str(exc)})
            continue
        rows.append([rid, _validity(rs), msg("rul_yes") if rs.anchored else msg("rul_no"), ", ".join(rs.periods), " <- ".join(rs.extends) or "", rs.title])
        objs.append(
            {
                "id": rid,
                "folder": str(folder),
                "title": rs.title,
                "directive": rs.directive,
                "valid_from": rs.valid_from,
                "valid_to": rs.valid_to,
                "anchored": rs.anchored,
                "anchor": rs.anchor,
                "periods": rs.periods,
                "extends": rs.extends,
            }
        )
    if args.format == "json":
        emit(json.dumps({"rule_sets": objs}, ensure_ascii=False, indent=2) + "\n", None)
    else:
        headers = [msg(k) for k in ("rul_col_id", "rul_col_validity", "rul_col_anchored", "rul_col_periods", "rul_col_extends", "rul_col_title")]
        emit(tabulate(rows, headers=headers, disable_numparse=True) + "\n", None)
    return 0


# --- show -------------------------------------------------------------------------------


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (int, Decimal)):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    return json.dumps(str(v))


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() and "E" not in str(v) and "." not in str(v) else str(v)
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def _key(part: Any) -> str:
    return format_key([part])


def run_show(args) -> int:
    folder = resolve(args.ruleset)
    overrides = [Path(o) for o in args.overrides]
    for o in overrides:
        if not o.is_file():
            raise UsageError(msg("rul_override_not_found", path=o))
    rs = load_ruleset(folder, overrides=overrides)
    leaves = [(k, v, r) for k, (v, r) in rs.leaves.items() if not (k[0] == META and str(k[-1]).startswith("_"))]
    if args.format == "json":
        obj = {
            "id": rs.id,
            "extends": rs.extends,
            "content_hash": rs.content_hash,
            "files": [{"path": p, "sha256": d} for p, d in rs.files],
            "leaves": [{"key": format_key(k), "path": list(k), "value": _plain(v), "file": r.file, "line": r.line} for k, v, r in leaves],
            "references": [ref.to_dict() for ref in references(rs).values()],
        }
        emit(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", args.out)
        return 0
    lines = [msg("rul_show_title", id=rs.id) + (msg("rul_show_extends", chain=" <- ".join(rs.extends)) if rs.extends else "")]
    for p, _ in rs.files:
        lines.append(f"#   {p}")
    # group by table, keeping the first-seen order of tables
    tables: dict[tuple, list] = {}
    for k, v, r in leaves:
        tables.setdefault(tuple(k[:-1]), []).append((k[-1], v, r))
    refs = references(rs)
    said: set[tuple] = set()

    def reference_lines(path: tuple) -> list[str]:
        """The references of ``path`` and of the tables above it not said yet, as comments."""
        out = []
        for n in range(1, len(path) + 1):
            ref = refs.get(tuple(str(p) for p in path[:n]))
            if ref is not None and ref.path not in said:
                said.add(ref.path)
                out.append(f"# {msg('ref_label')} [{'.'.join(ref.path)}]: {ref.text()}")
        return out

    for table, items in tables.items():
        if table and table[0] == "referencias":
            continue  # printed beside the rules they document
        lines.append("")
        if table:
            lines.append("[" + ".".join(_key(p) for p in table) + "]")
            lines += reference_lines(table)
        width = max(len(f"{_key(n)} = {_toml_value(v)}") for n, v, _ in items)
        width = min(width, 70)
        for n, v, r in items:
            text = f"{_key(n)} = {_toml_value(v)}"
            lines.append(f"{text:<{width}}  # {r.file}:{r.line}" if r.line else f"{text:<{width}}  # {r.file}")
            lines += reference_lines(table + (n,))
    emit("\n".join(lines) + "\n", args.out)
    return 0


# --- check ------------------------------------------------------------------------------


def _all_folders() -> list[Path]:
    """Every folder in the search path that holds rule files, loadable or not."""
    out, seen = [], set()
    for d in search_dirs():
        if not d.is_dir():
            continue
        for sub in sorted(d.iterdir()):
            if sub.is_dir() and any(sub.glob("*.toml")):
                r = sub.resolve()
                if r not in seen:
                    seen.add(r)
                    out.append(sub)
    return out


def check_folder(folder: Path) -> tuple[str, PeiError | None]:
    """Load and validate one rule set folder; (id or folder, error or None)."""
    try:
        rs = load_ruleset(folder)
        check_periods(rs)
        _check_extra(rs)
        if "informe" in rs.extra:  # the Informe de evaluación's rules: found here, not when an office prints
            load_informe_rules(rs)
    except UsageError:
        raise
    except PeiError as exc:
        return str(folder), exc
    return rs.id, None


def _check_extra(rs: RuleSet) -> None:
    """Checks the loader leaves to `rules check`: validity order, anchoring described."""
    if rs.valid_from is not None and rs.valid_to is not None and rs.valid_from > rs.valid_to:
        raise rs.error((META, "vigencia"), msg("rf_validity_order", hasta=rs.valid_to, desde=rs.valid_from), ref=rs.ref(META, "vigencia", "hasta") or rs.ref(META, "vigencia"))
    if rs.anchored and not rs.anchor.strip():
        raise rs.error((META, "anclaje"), msg("rf_anchored_needs_anchor"), msg("rf_anchor_example"), ref=rs.ref(META, "anclado"))
    used = {a for ags in rs.cases.values() for a in ags}
    for cat in sorted(set(rs.synonyms.get("agregacion", {}).values()) - used):
        raise rs.error(("vocabulario", "agregacion", cat), msg("rf_agregacion_without_case", category=cat), msg("rf_agregacion_without_case_hint", category=cat))
    if "inferencia_sentido" in rs.extra:
        inference.settings(rs)  # raises RuleError with file:line on a bad section


def _duplicate_ids(folders: list[Path]) -> list[tuple[str, PeiError | None]]:
    """Two folders declaring the same id: the second is shadowed by the first in the search path."""
    seen: dict[str, Path] = {}
    out = []
    for f in folders:
        meta = f / "ruleset.toml"
        try:
            doc = load_toml(meta)
        except PeiError:
            continue
        rid = doc.data.get(META, {}).get("id") if isinstance(doc.data.get(META), dict) else None
        if not isinstance(rid, str):
            continue
        if rid in seen:
            out.append((str(f), RuleError(
                msg("rf_id_shadowed", id=rid, folder=seen[rid]),
                file=str(meta), line=doc.line_of((META, "id")), key=(META, "id"),
                suggestion=msg("rf_id_shadowed_hint"),
            )))
        else:
            seen[rid] = f
    return out


def run_check(args) -> int:
    with session():
        return _run_check(args)


def _run_check(args) -> int:
    folders = [resolve(str(f)) for s in args.rulesets for f in _rule_set_folders(s)] if args.rulesets else _all_folders()
    if not folders:
        raise UsageError(msg("rul_none_found"), suggestion=msg("rul_none_found_hint"))
    results = [check_folder(f) for f in folders]
    if not args.rulesets:
        results += _duplicate_ids(folders)
    failed = [(n, e) for n, e in results if e is not None]
    if args.format == "json":
        obj = {"checked": len(results), "failed": len(failed), "results": [{"rule_set": n, "ok": e is None, "error": e.to_dict() if e else None} for n, e in results]}
        emit(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", None)
    else:
        lines = []
        for n, e in results:
            lines.append(f"{msg('rul_ok')} {n}" if e is None else f"{msg('rul_fail')} {n}\n  {str(e).replace(chr(10), chr(10) + '  ')}")
        lines.append(msg("rul_check_summary", ok=len(results) - len(failed), failed=len(failed)))
        emit("\n".join(lines) + "\n", None)
    return 1 if failed else 0


# --- test -------------------------------------------------------------------------------


def _rule_set_folders(spec: str) -> list[str | Path]:
    """A rule set id or folder as given; a folder that holds rule sets (``rules/``): each of them."""
    p = Path(spec)
    if p.is_dir() and not (p / "ruleset.toml").is_file():
        subs = [d for d in sorted(p.iterdir()) if d.is_dir() and (d / "ruleset.toml").is_file()]
        if not subs:
            raise UsageError(msg("rul_no_rule_sets_in", folder=p))
        return list(subs)
    return [spec]


def run_test(args) -> int:
    targets: list[str | Path] = []
    for spec in args.rulesets:
        targets += _rule_set_folders(spec)
    for c in args.cases:
        if not Path(c).is_file():
            raise UsageError(msg("rul_case_file_not_found", path=c))
    report = run_for(targets or None, [Path(c) for c in args.cases])
    failed = report.failed
    if args.format == "json":
        obj = {
            "passed": len(report.outcomes) - len(failed),
            "failed": len(failed),
            "cases": [{"file": o.case.file, "line": o.case.line, "name": o.case.name, "rule_set": o.ruleset, "ok": o.ok, "messages": o.messages} for o in report.outcomes],
            "uncovered": report.uncovered,
        }
        emit(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", None)
        return 1 if failed else 0
    lines = []
    for o in report.outcomes:
        if not o.ok:
            lines.append(f"{msg('rul_fail')} " + o.describe())
        elif args.verbose:
            lines.append(f"{msg('rul_ok')} " + o.describe())
    for rid, items in report.uncovered.items():
        if items:
            lines.append(f"{msg('rul_note')} " + msg("rul_uncovered", id=rid, items=", ".join(items)))
    per = {}
    for o in report.outcomes:
        per.setdefault(o.ruleset, [0, 0])[0 if o.ok else 1] += 1
    for rid, (ok, bad) in per.items():
        lines.append("      " + msg("rul_per_set", id=rid, ok=ok, failed=bad))
    lines.append(msg("rul_test_summary", ok=len(report.outcomes) - len(failed), failed=len(failed)))
    emit("\n".join(lines) + "\n", None)
    return 1 if failed else 0
