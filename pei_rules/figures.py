"""The figures an evaluation produces: :class:`Figure` (a value with the rule, the inputs and
the band that made it), its :class:`Input` s, the count tables, and cheap plan locations."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .ruleset import Band
from .tomlsource import SourceRef

OK = "ok"
ND = "sin_dato"


@dataclass(slots=True)
class Input:
    """One input of a figure: a plan value, a rule parameter, or another figure."""

    name: str
    value: Decimal | None
    ref: SourceRef | None = None  # plan or rule location
    figure: str | None = None  # id of the figure it comes from
    weight: Decimal | None = None  # normalised weight in a weighted aggregate (raw / Σ raw)
    note: str | None = None
    used: bool = True
    relevance: Decimal | None = None  # the member's relevance, in a weighted aggregate
    raw_weight: Decimal | None = None  # the weighting scheme's value for that relevance


@dataclass(slots=True)
class Figure:
    id: str
    kind: str
    code: str | None
    scope: str
    label: str
    exact: Decimal | None = None
    value: Decimal | None = None  # rounded
    decimals: int | None = None
    status: str = OK
    reason: str | None = None
    rule: SourceRef | None = None
    formula: str | None = None
    method: str | None = None
    inputs: list[Input] = field(default_factory=list)  # an untraced figure's may be an empty tuple
    band: Band | None = None
    scale: str | None = None
    owner: str | None = None  # owning OEI/AEI code for indicators and AOs

    @property
    def band_name(self) -> str | None:
        if self.band is not None:
            return self.band.name
        return ND if self.scale else None


@dataclass
class CountTable:
    name: str
    label: str
    figure: str
    counts: dict[str, int]  # band name (and sin_dato) -> count
    total: int
    members: dict[str, list[str]]  # band -> figure ids
    ref: SourceRef


class _Loc:
    """A plan location recorded cheaply (object and keys); resolved to a SourceRef only when a
    derivation is traced, so an untraced evaluation (batch) never pays for line look-ups."""

    __slots__ = ("obj", "keys")

    def __init__(self, obj: Any, keys: tuple):
        self.obj = obj
        self.keys = keys

    def resolve(self, plan: Any) -> SourceRef:
        if self.obj is None:
            return plan.doc.ref(self.keys)
        return plan.ref(self.obj, *self.keys)


def figure_id(kind: str, code: str | None) -> str:
    return f"{kind}:{code}" if code else kind
