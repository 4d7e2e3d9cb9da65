"""The plan being imported, and its TOML text.

Layouts fill a :class:`Draft` (plain dicts in plan-file vocabulary); :func:`to_toml` writes it
with exact decimals (the text read from the sheet, never a binary float) and ``"N/D"`` for no
data; :func:`validated` loads the text back as a plan before anything is written, so a file
written by ``import`` always loads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import PeiError
from ..i18n import msg
from ..plan import Plan, load_plan
from ..origins import ORIGIN_MARK
from .numbers import ND_TEXT


@dataclass(frozen=True)
class Num:
    """A number as decimal text (``"66.7"``), or ``"N/D"``, and the cell it was read from
    (``'B-7'!F12``: the sheet, or the CSV file, and the cell), written beside it in the plan."""

    text: str
    origin: str | None = field(default=None, compare=False)

    @property
    def nd(self) -> bool:
        return self.text == ND_TEXT


ND = Num(ND_TEXT)


@dataclass
class Draft:
    entidad: dict[str, Any] = field(default_factory=dict)
    plan: dict[str, Any] = field(default_factory=dict)
    oei: dict[str, dict[str, Any]] = field(default_factory=dict)
    aei: dict[str, dict[str, Any]] = field(default_factory=dict)
    indicador: dict[str, dict[str, Any]] = field(default_factory=dict)
    poi: dict[int, dict[str, Any]] = field(default_factory=dict)  # year -> {"head": {...}, "ao": [...]}
    publicado: list[dict[str, Any]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def tstr(s: str) -> str:
    out = []
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def tval(v: Any) -> str:
    """A TOML value: numbers are decimal text already; N/D as a string."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Num):
        return tstr(ND_TEXT) if v.nd else v.text
    if isinstance(v, list):
        return "[" + ", ".join(tval(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {tval(x)}" for k, x in v.items()) + " }"
    return tstr(str(v))


def _key(k: Any) -> str:
    k = str(k)
    return k if k and all(c.isalnum() or c in "_-" for c in k) else tstr(k)


def _origins(v: Any) -> str | None:
    """The cells a value was read from, as the line's comment (see :mod:`pei_rules.origins`):
    ``'B-7'!F12``; ``2023 = 'B-7'!F12, 2024 = 'B-7'!G12`` for a table of years; the cells in
    order for a list (``—`` for a month with no cell)."""
    if isinstance(v, Num):
        return v.origin
    if isinstance(v, dict):
        parts = [f"{_key(k)} = {x.origin}" for k, x in v.items() if isinstance(x, Num) and x.origin]
        return ", ".join(parts) or None
    if isinstance(v, list) and any(isinstance(x, Num) and x.origin for x in v):
        return ", ".join(x.origin if isinstance(x, Num) and x.origin else "—" for x in v)
    return None


def _table(lines: list[str], header: str, items: dict[str, Any]) -> None:
    lines.append(header)
    for k, v in items.items():
        if k.startswith("_") or v is None or v == [] or v == {} or v == "":
            continue
        cells = _origins(v)
        lines.append(f"{_key(k)} = {tval(v)}" + (f"  # {ORIGIN_MARK} {cells}" if cells else ""))
    lines.append("")


def to_toml(d: Draft, comment: list[str]) -> str:
    lines = [f"# {c}" for c in comment] + [""]
    _table(lines, "[entidad]", d.entidad)
    _table(lines, "[plan]", d.plan)
    for o in d.oei.values():
        _table(lines, "[[oei]]", o)
    for a in d.aei.values():
        _table(lines, "[[aei]]", a)
    for ind in d.indicador.values():
        _table(lines, "[[indicador]]", ind)
    for year in sorted(d.poi):
        _table(lines, f"[poi.{year}]", d.poi[year].get("head", {}))
        for ao in d.poi[year].get("ao", []):
            _table(lines, f"[[poi.{year}.ao]]", ao)
    for p in d.publicado:
        _table(lines, "[[publicado]]", p)
    return "\n".join(lines)


class GeneratedPlanInvalid(PeiError):
    kind = "import"


def validated(text: str, name: str) -> Plan:
    """Load the generated text as a plan; a failure is reported against the source sheets."""
    try:
        return load_plan(name + ".toml", raw=text.encode("utf-8"), display=name)
    except PeiError as exc:
        raise GeneratedPlanInvalid(msg("imp_generated_invalid", problem=str(exc)), file=name, suggestion=exc.suggestion) from None
