"""The library's services, with plain arguments: what the commands, a notebook or a web
service call. Nothing here parses command-line arguments or prints.

    import pei_rules
    ev = pei_rules.evaluate_file("plans/zed-ilo/pei-2023-2025.toml", year=2023)
    ev.figure("ejecucion_ponderada").value, ev.explain("OEI.02")

* :func:`choose_rules` — a rule set by id or folder, or the one valid for a year, with an
  institution's ``reglas-propias.toml`` applied; the reason for the choice is a
  :class:`~pei_rules.i18n.Message` (an id and its arguments);
* :func:`evaluate_file` — load a plan, choose its rules, evaluate; returns an
  :class:`Evaluation` (``figure``, ``explain``, ``to_records``, ``to_dataframe``);
* :func:`explain`, :func:`audit`, :func:`check`, :func:`diff` — the same results as the
  commands of the same name (their ``document()`` is what ``--format json`` prints).
"""
from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import vocabulary as V
from ._version import __version__
from .errors import PlanError, UsageError
from .evaluate import Evaluation as _Evaluation
from .evaluate import Figure
from .evaluate import evaluate as _evaluate
from .i18n import Message, current_lang, msg
from .plan import Plan
from .plan import load_plan as _load_plan
from .render import figure_dict
from .choice import describe, pick_for_year
from .ruleset import RuleSet, folder_digest, load_ruleset, lookup_bundled, resolve

OVERRIDE_NAME = V.OVERRIDE_NAME


class _OnFirstUse:
    """A module of pei-rules imported when a service first uses it: evaluating imports
    neither check, diff nor (for JSON and CSV) audit and explain (start-up)."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str):
        return getattr(importlib.import_module(self._name, __package__), attr)


_audit, _check, _diffing, _explain = (_OnFirstUse(f".{m}") for m in ("audit", "check", "diffing", "explain"))

RulesSpec = str | Path | RuleSet | None


# --- choosing the year and the rule set ------------------------------------------------


def default_year(plan: Plan) -> int:
    """The latest year of the plan's horizon with an obtained value (or a POI)."""
    years = set()
    for ind in plan.model.indicador:
        years |= set(ind.valor_obtenido)
    years |= set(plan.model.poi)
    years = {y for y in years if plan.model.plan.desde <= y <= plan.model.plan.hasta}
    if not years:
        raise UsageError(str(Message("api_no_obtained_values")), file=str(plan.path))
    return max(years)


def overrides_for(plan_path: str | Path, use_overrides: bool = True) -> list[Path]:
    """The institution's override file next to the plan (``reglas-propias.toml``), if any."""
    if not use_overrides:
        return []
    p = Path(plan_path).parent / OVERRIDE_NAME
    return [p] if p.is_file() else []


def choose_rules(spec: RulesSpec, year: int, overrides: list[Path] | None = None) -> tuple[RuleSet, str]:
    """The rule set ``spec`` (an id, a folder, a loaded :class:`RuleSet`) or, when ``None``,
    the one valid for ``year`` (:func:`pei_rules.choice.pick_for_year`); with ``overrides``
    applied. Returns it and why it was chosen (in the language in force; it names the folder
    and content hash of the set, and warns when a local set shadows a bundled one)."""
    if isinstance(spec, RuleSet):
        if overrides:
            rs = load_ruleset(spec.folder, overrides=overrides)
        else:
            rs = spec
        why = Message("api_rules_given", id=spec.id)
    elif spec:
        folder = resolve(str(spec))
        rs = load_ruleset(folder, overrides=overrides)
        why = msg("trust_rules_chosen", spec=spec, used=describe(rs))
        bundled = lookup_bundled(rs.id)
        if bundled is not None and bundled.resolve() != folder.resolve() and folder_digest(bundled) != folder_digest(folder):
            why += msg("trust_rules_chosen_lookalike", id=rs.id)
    else:
        folder, why = pick_for_year(year)
        rs = load_ruleset(folder, overrides=overrides)
    if overrides:
        why = Message("api_rules_with_overrides", why=why, files=", ".join(str(o) for o in overrides))
    return rs, why


def load_rules(spec: RulesSpec, year: int, overrides: list[Path] | None = None) -> tuple[RuleSet, str]:
    """Same as :func:`choose_rules` (the name the commands used)."""
    return choose_rules(spec, year, overrides)


def load_plan(path: str | Path, *, strict: bool = True) -> Plan:
    return _load_plan(path, strict=strict)


# --- evaluating -----------------------------------------------------------------------


class Evaluation(_Evaluation):
    """An evaluation with the conveniences of a notebook: ``figure``, ``explain``,
    ``to_records``, ``to_dataframe`` and a short ``repr``."""

    def figure(self, address: str) -> Figure:
        """The figure at ``address``: a canonical id or any address ``explain`` accepts
        (a plan code such as ``AEI.02.01``, ``ejecucion_ponderada`` ...)."""
        fid = _explain.resolve(self, address)
        f = self.figures.get(fid)
        if f is None:
            raise UsageError(str(Message("api_no_figure", figure=address)))
        return f

    def explanation(self, address: str) -> dict:
        """The derivation tree as data (what ``explain --format json`` prints)."""
        return _explain.explain_document(self, address)

    def explain(self, address: str, lang: str | None = None) -> str:
        """The derivation of a figure as text (what ``pei-rules explain`` prints)."""
        return _explain.render_text(_explain.explain_document(self, address), lang or current_lang())

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per figure (the fields of ``evaluate --format json``)."""
        return [figure_dict(self, f) for f in self.figures.values()]

    def to_dataframe(self):
        """The records as a ``pandas.DataFrame`` (pandas is optional: install it to use this)."""
        try:
            import pandas  # optional, never a dependency of pei-rules
        except ImportError:
            raise UsageError(msg("api_no_pandas")) from None
        return pandas.DataFrame.from_records(self.to_records())


def _as_notebook(ev: _Evaluation) -> Evaluation:
    return Evaluation(**{f.name: getattr(ev, f.name) for f in dataclasses.fields(ev)})


def evaluate_plan(
    plan: Plan,
    year: int | None = None,
    rules: RulesSpec = None,
    *,
    period: str = "anual",
    semester: int | None = None,
    overrides: bool = True,
    trace: bool = True,
) -> Evaluation:
    """Evaluate a loaded plan (see :func:`evaluate_file`)."""
    year = year or default_year(plan)
    rs, why = choose_rules(rules, year, overrides_for(plan.path, overrides))
    return _as_notebook(_evaluate(plan, rs, year, why_rules=why, period=period, semester=semester, trace=trace))


def evaluate_file(
    path: str | Path,
    year: int | None = None,
    rules: RulesSpec = None,
    *,
    period: str = "anual",
    semester: int | None = None,
    overrides: bool = True,
    trace: bool = True,
) -> Evaluation:
    """Evaluate the plan file ``path`` for ``year`` (default: the latest year with values)
    under ``rules`` (an id, a folder, a :class:`RuleSet`; default: the one valid for the
    year), applying the institution's ``reglas-propias.toml`` next to the plan unless
    ``overrides=False``."""
    return evaluate_plan(load_plan(path), year, rules, period=period, semester=semester, overrides=overrides, trace=trace)


def explain(ev: _Evaluation, address: str) -> dict:
    """The derivation document of a figure (``explain --format json``)."""
    return _explain.explain_document(ev, address)


# --- audit ------------------------------------------------------------------------------


@dataclass
class AuditResult:
    """Published figures against recomputed ones, for one evaluation."""

    evaluation: Evaluation
    entries: list

    def document(self) -> dict:
        return _audit.audit_document(self.evaluation, self.entries)

    @property
    def exit_code(self) -> int:
        return _audit.exit_code(self.entries)


@dataclass
class YearsAuditResult:
    """``audit PLAN``: every ``[[publicado]]`` figure in the year (and period) it was published
    for, each period evaluated with the rule set valid for its year."""

    groups: list

    @property
    def entries(self) -> list:
        return [e for g in self.groups for e in g.entries]

    def document(self) -> dict:
        return _audit.audit_years_document(self.groups)

    @property
    def exit_code(self) -> int:
        return _audit.exit_code(self.entries)


@dataclass
class VerifyResult:
    """A stored evaluation re-evaluated from its receipt (``audit RESULT.json``)."""

    evaluation: _Evaluation
    checks: list
    path: str

    def document(self) -> dict:
        return _audit.verify_document(self.evaluation, self.checks, self.path)

    @property
    def exit_code(self) -> int:
        return 0 if all(c.status == _audit.MATCH for c in self.checks) else 1


def audit(
    target: str | Path | _Evaluation,
    year: int | None = None,
    rules: RulesSpec = None,
    *,
    period: str = "anual",
    semester: int | None = None,
    overrides: bool = True,
    plan_path: str | Path | None = None,
) -> AuditResult | YearsAuditResult | VerifyResult:
    """``audit PLAN``: every ``[[publicado]]`` figure against the recomputed one, year by year
    (only ``year``, and its semester, when given). ``audit RESULT.json``: re-evaluate a stored
    result from its receipt (``plan_path`` / ``rules``: the inputs, when they moved). An
    :class:`Evaluation`: its own year's published figures."""
    if isinstance(target, _Evaluation):
        return AuditResult(target, _audit.audit(target))
    if str(target).lower().endswith(".json"):
        ev, checks = _audit.verify_result(target, plan_path=plan_path, rules_path=rules if isinstance(rules, (str, Path)) else None)
        return VerifyResult(ev, checks, str(target))
    plan = load_plan(target)
    ov = overrides_for(target, overrides)
    chosen: dict[int, tuple[RuleSet, str]] = {}

    def evaluate_for(y: int, p: str) -> _Evaluation:
        if y not in chosen:
            chosen[y] = choose_rules(rules, y, ov)
        rs, why = chosen[y]
        if p == "anual":
            return _evaluate(plan, rs, y, why_rules=why)
        return _evaluate(plan, rs, y, why_rules=why, period="semestral", semester=int(p[1:]))

    only = None
    if year:
        only = (year, f"S{semester}" if period == "semestral" and semester else "anual")
    return YearsAuditResult(_audit.audit_periods(plan, evaluate_for, year or default_year(plan), only=only))


# --- check ------------------------------------------------------------------------------


@dataclass
class CheckResult:
    """Consistency findings on a plan's data (``check PLAN``)."""

    plan: Plan
    rules: RuleSet
    year: int
    findings: list

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == _check.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == _check.WARNING)

    @property
    def exit_code(self) -> int:
        return _check.exit_code(self.findings)

    def document(self) -> dict:
        return {
            "format": "pei-rules/check",
            "format_version": 1,
            "pei_rules_version": __version__,
            "plan": self.plan.receipt(),
            "rule_set": self.rules.receipt(),
            "year": self.year,
            "summary": {"errors": self.errors, "warnings": self.warnings},
            "findings": [f.to_dict() for f in self.findings],
        }


def check(path: str | Path, year: int | None = None, rules: RulesSpec = None, *, overrides: bool = True) -> CheckResult:
    """Check a plan file's data (duplicates, dangling codes, targets, ranges, sentido ...)."""
    plan = _load_plan(path, strict=False)
    year = year or default_year(plan)
    rs, _ = choose_rules(rules, year, overrides_for(path, overrides))
    return CheckResult(plan, rs, year, _check.check(plan, rs, year))


# --- diff -------------------------------------------------------------------------------


@dataclass
class DiffResult:
    """A plan's figures under two rule sets (``diff PLAN --rules A --rules B``)."""

    path: str
    plan: Plan
    year: int
    period: str
    semester: int | None
    a: _Evaluation
    b: _Evaluation
    rule_changes: list
    figures: list

    @property
    def exit_code(self) -> int:
        return 1 if self.figures else 0

    def document(self) -> dict:
        return {
            "format": "pei-rules/diff",
            "format_version": 1,
            "plan": self.path,
            "year": self.year,
            "period": self.period,
            "semester": self.semester,
            "rules": [self.a.rules.receipt(), self.b.rules.receipt()],
            "rule_differences": [c.to_dict() for c in self.rule_changes],
            "figures": [f.to_dict() for f in self.figures],
        }


@dataclass
class DiffFolderResult:
    """Every plan of a folder under two rule sets: per plan, how many figures and bands change."""

    folder: str
    rules: tuple[str, str]
    rule_changes: list
    plans: list[dict]
    broken: list[dict]

    @property
    def entities_changing_band(self) -> int:
        return sum(1 for r in self.plans if r["band_changes"])

    @property
    def exit_code(self) -> int:
        return 1 if self.broken or any(r["figures_changed"] for r in self.plans) else 0

    def document(self) -> dict:
        return {
            "format": "pei-rules/diff-folder",
            "format_version": 1,
            "folder": self.folder,
            "rules": list(self.rules),
            "rule_differences": [c.to_dict() for c in self.rule_changes],
            "plans": self.plans,
            "broken": self.broken,
            "entities": len(self.plans),
            "entities_changing_band": self.entities_changing_band,
        }


def _diff_pair(plan_path: Path, spec_a: str, spec_b: str, year, period, semester, overrides) -> tuple[Plan, int, _Evaluation, _Evaluation]:
    plan = _load_plan(plan_path)
    year = year or default_year(plan)
    ov = overrides_for(plan_path, overrides)
    ra = load_ruleset(resolve(spec_a), overrides=ov)
    rb = load_ruleset(resolve(spec_b), overrides=ov)
    kw = {}
    if period != "anual" or semester:
        kw = {"period": period, "semester": semester}
    ea = _evaluate(plan, ra, year, why_rules=Message("api_rules_chosen_flag", spec=spec_a), **kw)
    eb = _evaluate(plan, rb, year, why_rules=Message("api_rules_chosen_flag", spec=spec_b), **kw)
    return plan, year, ea, eb


def plan_files(folder: str | Path) -> list[Path]:
    """The plan files of a folder (recursively), without the institutions' override files."""
    return sorted(p for p in Path(folder).rglob("*.toml") if p.is_file() and p.name != OVERRIDE_NAME)


def diff(
    path: str | Path,
    rules_a: str,
    rules_b: str,
    year: int | None = None,
    *,
    period: str = "anual",
    semester: int | None = None,
    overrides: bool = True,
) -> DiffResult | DiffFolderResult:
    """What changes between two rule sets for a plan (or every plan of a folder)."""
    target = Path(path)
    if target.is_dir():
        files = plan_files(target)
        if not files:
            raise UsageError(str(Message("api_no_plan_files", folder=target)))
        rule_changes = _diffing.rule_differences(load_ruleset(resolve(rules_a)), load_ruleset(resolve(rules_b)))
        plans, broken = [], []
        for f in files:
            try:
                plan, y, ea, eb = _diff_pair(f, rules_a, rules_b, year, period, semester, overrides)
            except PlanError as exc:
                broken.append({"plan": str(f), "error": str(exc)})
                continue
            _, figs = _diffing.diff_evaluations(ea, eb)
            bands = _diffing.entity_band_changes(figs)
            plans.append(
                {
                    "plan": str(f),
                    "entity": plan.model.entidad.nombre,
                    "year": y,
                    "figures_changed": len(figs),
                    "band_changes": len(bands),
                    "band_changed_figures": [x.id for x in bands],
                }
            )
        return DiffFolderResult(str(target), (rules_a, rules_b), rule_changes, plans, broken)
    if not target.exists():
        raise UsageError(str(Message("api_no_such_plan", path=target)))
    plan, y, ea, eb = _diff_pair(target, rules_a, rules_b, year, period, semester, overrides)
    rule_changes, figs = _diffing.diff_evaluations(ea, eb)
    return DiffResult(str(target), plan, y, period, semester, ea, eb, rule_changes, figs)


__all__ = [
    "OVERRIDE_NAME",
    "AuditResult",
    "YearsAuditResult",
    "CheckResult",
    "DiffFolderResult",
    "DiffResult",
    "Evaluation",
    "VerifyResult",
    "audit",
    "check",
    "choose_rules",
    "default_year",
    "diff",
    "evaluate_file",
    "evaluate_plan",
    "explain",
    "load_plan",
    "load_rules",
    "overrides_for",
    "plan_files",
]
