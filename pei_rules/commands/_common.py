"""Shared pieces of the sub-commands: the common options, and calling :mod:`pei_rules.api` with them."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import api
from ..errors import UsageError
from ..vocabulary import OVERRIDE_NAME
from ..files import write_atomic  # noqa: F401 - the one atomic writer, re-exported for the commands


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


def evaluate_args(plan_path: str, args: argparse.Namespace, rules_spec: str | None = None):
    """The evaluation the options ask for (``--year``, ``--rules``, ``--no-overrides``, period)."""
    spec = rules_spec if rules_spec is not None else getattr(args, "rules", None)
    if isinstance(spec, list):
        spec = spec[0] if spec else None
    return api.evaluate_file(
        plan_path,
        getattr(args, "year", None),
        spec,
        period=getattr(args, "period", None) or "anual",
        semester=getattr(args, "semester", None),
        overrides=not getattr(args, "no_overrides", False),
    )


def add_period_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--period", choices=("anual", "semestral"), default="anual", help="evaluation period (default anual); the rule set must declare it")
    p.add_argument("--semester", type=int, choices=(1, 2), metavar="N", help="semester 1 or 2 for --period semestral")


def emit(text: str, out: str | None) -> None:
    if out:
        write_atomic(out, text)
    else:
        sys.stdout.write(text)
