"""Shared pieces of the sub-commands: calling :mod:`pei_rules.api` with the common options, and
writing a command's output. (The options themselves are declared in :mod:`pei_rules.arguments`.)"""
from __future__ import annotations

import argparse
import sys

from .. import api
from ..files import write_atomic  # noqa: F401 - the one atomic writer, re-exported for the commands
from ..sanitize import terminal_text


def evaluate_args(plan_path: str, args: argparse.Namespace, rules_spec: str | None = None, trace: bool = True):
    """The evaluation the options ask for (``--year``, ``--rules``, ``--no-overrides``, period);
    ``trace=False`` for outputs that print no figure's inputs (the same figures, faster)."""
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
        trace=trace,
    )


def emit(text: str, out: str | None) -> None:
    """Write a command's output; control characters a plan or rule file could carry (ESC
    sequences, carriage returns, bidi overrides) never reach a terminal or a text file."""
    text = terminal_text(text)
    if out:
        write_atomic(out, text)
    else:
        sys.stdout.write(text)
