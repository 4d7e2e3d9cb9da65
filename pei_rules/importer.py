"""Compatibility entry point of ``pei-rules import`` (the work is in :mod:`pei_rules.inputs`).

``convert(indicators, ao_files)`` returns the plan TOML of a tidy indicators sheet and its
AO sheets, as before; :func:`pei_rules.inputs.importing.convert` reads any number of XLSX or
CSV files in any known layout (Anexo B-7, POI seguimiento, tidy sheets).
"""
from __future__ import annotations

from pathlib import Path

from .files import write_atomic
from .inputs.headers import MONTHS, norm
from .inputs.importing import Options, Result
from .inputs.importing import convert as convert_files
from .inputs.numbers import ND_TEXT

__all__ = ["MONTHS", "ND_TEXT", "norm", "Options", "Result", "convert", "convert_files", "import_plan"]


def convert(indicators: str | Path, ao_files: list[str | Path] | None = None, opts: Options | None = None) -> str:
    """The plan TOML text; raises :class:`pei_rules.inputs.problems.ImportProblems` listing every problem."""
    return convert_files([indicators, *(ao_files or [])], opts).text


def import_plan(files: list[str | Path], out: str | Path, opts: Options | None = None) -> Result:
    """Convert and write ``out`` atomically (nothing is written when there is a problem)."""
    result = convert_files(files, opts)
    write_atomic(out, result.text)
    return result
