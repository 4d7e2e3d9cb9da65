"""A loaded rule set as data: :class:`RuleSet` and its parts (advance kinds, formulas,
aggregates, scales and bands, counts, printing conventions), each part with the file:line
it was written at. Nothing here reads files or checks anything."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import RuleError
from ..expressions import Expression
from ..files import shown_path
from ..tomlsource import SourceRef

META = "conjunto"


@dataclass(frozen=True)
class Band:
    """A band of a traffic-light scale: a named interval of values."""
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
    """A traffic-light scale: its bands, in order."""
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
    """A figure computed by a formula of the rule set, with its scope."""
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
    """An advance kind: its formula per (sentido, agregación) case and the decisions on zero."""
    name: str
    label: str
    formulas: dict[tuple[str, str], Expression]
    refs: dict[tuple[str, str], SourceRef]
    # per case: a value divided by zero (si_division_por_cero) and 0/0 (si_cero_entre_cero)
    on_zero: dict[tuple[str, str], ZeroDecision] = field(default_factory=dict)
    on_zero_by_zero: dict[tuple[str, str], ZeroDecision] = field(default_factory=dict)


@dataclass
class Aggregate:
    """A figure aggregated from members (AO, indicators, AEI ...) by a method."""
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
    """A convention of the rule set (which figure kinds it applies to, and its parameter)."""
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
    """A count of figures per band."""
    name: str
    label: str
    figure: str
    of: str | None
    ref: SourceRef


@dataclass
class RuleSet:
    """A loaded, validated rule set: every rule with the file and line it was written at."""
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
        return leaf_ref(self.leaves, tuple(path))

    def error(self, key: tuple, message: str, suggestion: str | None = None, ref: Any = ...) -> RuleError:
        """A :class:`RuleError` at ``key``, placed at the file:line of ``ref`` (default: the
        line ``key`` was written at); the rule set's folder when no line is known."""
        r = self.ref(*key) if ref is ... else ref
        return RuleError(message, file=r.file if r else self.folder, line=r.line if r else None, key=key, suggestion=suggestion)

    def figure_kinds(self) -> list[str]:
        return ["avance_indicador"] + [f"avance_{k}" for k in self.advance_kinds] + list(self.formulas) + list(self.aggregates)

    def declared(self, kind: str) -> AdvanceKind | Formula | Aggregate | None:
        """The advance kind, formula or aggregate that declares a figure kind (None: no such kind)."""
        if kind == "avance_indicador":
            return self.advance_kinds[self.principal]
        if kind.startswith("avance_") and kind[7:] in self.advance_kinds:
            return self.advance_kinds[kind[7:]]
        return self.formulas.get(kind) or self.aggregates.get(kind)

    def scope_of(self, kind: str) -> str:
        d = self.declared(kind)
        if d is None:
            raise KeyError(kind)
        return "indicador" if isinstance(d, AdvanceKind) else d.scope

    def label_of(self, kind: str) -> str:
        d = self.declared(kind)
        return kind if d is None else d.label

    def receipt(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "directive": self.directive,
            "content_hash": self.content_hash,
            "folder": shown_path(self.folder),
            "files": [{"path": p, "sha256": d} for p, d in self.files],
        }


def leaf_ref(leaves: dict[tuple, tuple[Any, SourceRef]], path: tuple) -> SourceRef | None:
    """Where the key ``path`` was written: its own line, or for a table its first leaf's."""
    leaf = leaves.get(path)
    if leaf:
        return leaf[1]
    for k, (_, r) in leaves.items():
        if k[: len(path)] == path:
            return r
    return None
