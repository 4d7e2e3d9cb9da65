"""The figures an evaluation produces: :class:`Figure` (a value with the rule, the inputs and
the band that made it), its :class:`Input` s, the count tables, and cheap plan locations."""
from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterator

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


#: a figure stored compactly: a plain tuple of :class:`Figure`'s fields but ``inputs`` (an
#: untraced figure has none), in this order
ROW = ("id", "kind", "code", "scope", "label", "exact", "value", "decimals", "status", "reason", "rule", "formula", "method", "band", "scale", "owner")
R_ID, R_KIND, R_CODE, R_SCOPE, R_LABEL, R_EXACT, R_VALUE, R_DECIMALS, R_STATUS, R_REASON, R_RULE, R_FORMULA, R_METHOD, R_BAND, R_SCALE, R_OWNER = range(16)


def row_of(f: Figure) -> tuple:
    """A figure's fields as a row (``ROW``'s order)."""
    return (f.id, f.kind, f.code, f.scope, f.label, f.exact, f.value, f.decimals, f.status, f.reason, f.rule, f.formula, f.method, f.band, f.scale, f.owner)


class FigureTable(MutableMapping):
    """An evaluation's figures by id, in the order they were made (a mapping to :class:`Figure`).

    The untraced evaluator (``batch``) stores most figures as rows (``ROW``): a tuple costs a
    seventh of a ``Figure`` to make. A ``Figure``, with its provenance, is made from a row only
    when it is asked for (``table[id]``, ``get``, ``values``, ``items``: explain, audit,
    reports), once, and kept; writers that read every figure (the entity JSON, the consolidated
    row) read :meth:`rows` and make none.
    """

    __slots__ = ("_d", "_compact")

    def __init__(self, figures: dict | None = None):
        self._d: dict[str, Figure | tuple] = {} if figures is None else figures  # taken as is, not copied
        self._compact = any(type(x) is tuple for x in self._d.values())

    def __getitem__(self, fid: str) -> Figure:
        x = self._d[fid]
        if type(x) is tuple:
            x = self._d[fid] = Figure(*x[:13], (), *x[13:])
        return x

    def get(self, fid: str, default: Any = None) -> Any:
        x = self._d.get(fid)
        if x is None:
            return default
        return self[fid] if type(x) is tuple else x

    def __setitem__(self, fid: str, f: Figure) -> None:
        self._d[fid] = f

    def __delitem__(self, fid: str) -> None:
        del self._d[fid]

    def __contains__(self, fid: object) -> bool:
        return fid in self._d

    def __iter__(self) -> Iterator[str]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def _figures(self) -> dict[str, Figure]:
        if self._compact:  # every row made a Figure (values, not keys, change: the order stays)
            d = self._d
            for k, x in d.items():
                if type(x) is tuple:
                    d[k] = Figure(*x[:13], (), *x[13:])
            self._compact = False
        return self._d  # type: ignore[return-value]

    def values(self):
        return self._figures().values()

    def items(self):
        return self._figures().items()

    def keys(self):
        return self._d.keys()

    def rows(self) -> Iterator[tuple]:
        """Every figure as a row (``ROW``), in order, making no ``Figure``."""
        for x in self._d.values():
            yield x if type(x) is tuple else row_of(x)

    def row(self, fid: str) -> tuple | None:
        x = self._d.get(fid)
        return x if x is None or type(x) is tuple else row_of(x)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FigureTable):
            return self._figures() == other._figures()
        return self._figures() == other if isinstance(other, dict) else NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"FigureTable({self._figures()!r})"

    def __reduce__(self):  # pickles as its rows and figures (batch --jobs sends evaluations between processes)
        return (FigureTable, (dict(self._d),))  # a copy (copy.copy must not share the dict)


def rows(figures: Any) -> Iterator[tuple]:
    """Every figure of a mapping of figures (a :class:`FigureTable`, or a dict) as a row."""
    return figures.rows() if isinstance(figures, FigureTable) else (row_of(f) for f in figures.values())


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
