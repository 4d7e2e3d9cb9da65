"""Shared pieces of the sub-commands: loading plan and rules, writing output atomically."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import UsageError
from ..evaluate import Evaluation, evaluate
from ..files import write_atomic  # noqa: F401 - the one atomic writer, re-exported for the commands
from ..plan import Plan, load_plan
from ..choice import describe, pick_for_year
from ..i18n import msg
from ..sanitize import terminal_text
from ..ruleset import RuleSet, folder_digest, load_ruleset, lookup_bundled, resolve

OVERRIDE_NAME = "reglas-propias.toml"


def add_rules_args(p: argparse.ArgumentParser, multiple: bool = False) -> None:
    if multiple:
        p.add_argument("--rules", action="append", metavar="RULESET", help="rule set id or folder (repeat for two)")
    else:
        p.add_argument("--rules", metavar="RULESET", help="rule set id or folder (default: the one valid for --year)")
    p.add_argument("--no-overrides", action="store_true", help=f"ignore an institution's {OVERRIDE_NAME} next to the plan")


def add_year_arg(p: argparse.ArgumentParser, required: bool = False) -> None:
    p.add_argument("--year", type=int, required=required, metavar="YEAR", help="evaluation year (default: the latest year with values)")


def add_format_arg(p: argparse.ArgumentParser, choices=("text", "json", "csv", "markdown"), default="text") -> None:
    p.add_argument("--format", choices=choices, default=default, help=f"output format (default {default})")
    p.add_argument("--lang", choices=("es", "en"), default="es", help="report language (default es)")
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of standard output")


def default_year(plan: Plan) -> int:
    years = set()
    for ind in plan.model.indicador:
        years |= {y for y, v in ind.valor_obtenido.items()}
    years |= set(plan.model.poi)
    years = {y for y in years if plan.model.plan.desde <= y <= plan.model.plan.hasta}
    if not years:
        raise UsageError(f"{plan.path}: the plan has no obtained values yet; give --year")
    return max(years)


def overrides_for(plan_path: str | Path, args: argparse.Namespace) -> list[Path]:
    if getattr(args, "no_overrides", False):
        return []
    p = Path(plan_path).parent / OVERRIDE_NAME
    return [p] if p.is_file() else []


def load_rules(spec: str | None, year: int, overrides: list[Path] | None = None) -> tuple[RuleSet, str | None]:
    if spec:
        folder = resolve(spec)
        rs = load_ruleset(folder, overrides=overrides)
        why = msg("trust_rules_chosen", spec=spec, used=describe(rs))
        bundled = lookup_bundled(rs.id)
        if bundled is not None and bundled.resolve() != folder.resolve() and folder_digest(bundled) != folder_digest(folder):
            why += msg("trust_rules_chosen_lookalike", id=rs.id)
    else:
        folder, why = pick_for_year(year)
        rs = load_ruleset(folder, overrides=overrides)
    if overrides:
        why = (why or "") + f"; with the institution's overrides {', '.join(str(o) for o in overrides)}"
    return rs, why


def evaluate_path(plan_path: str, args: argparse.Namespace, rules_spec: str | None = None) -> Evaluation:
    plan = load_plan(plan_path)
    year = args.year if getattr(args, "year", None) else default_year(plan)
    spec = rules_spec if rules_spec is not None else getattr(args, "rules", None)
    if isinstance(spec, list):
        spec = spec[0] if spec else None
    rules, why = load_rules(spec, year, overrides_for(plan_path, args))
    period = getattr(args, "period", None) or "anual"
    semester = getattr(args, "semester", None)
    if period == "anual" and semester is None:
        return evaluate(plan, rules, year, why_rules=why)
    return evaluate(plan, rules, year, why_rules=why, period=period, semester=semester)


def add_period_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--period", choices=("anual", "semestral"), default="anual", help="evaluation period (default anual); the rule set must declare it")
    p.add_argument("--semester", type=int, choices=(1, 2), metavar="N", help="semester 1 or 2 for --period semestral")


def emit(text: str, out: str | None) -> None:
    """Write a command's output; control characters a plan or rule file could carry (ESC
    sequences, carriage returns, bidi overrides) never reach a terminal or a text file."""
    text = terminal_text(text)
    if out:
        write_atomic(out, text)
    else:
        sys.stdout.write(text)
