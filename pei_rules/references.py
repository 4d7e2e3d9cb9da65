"""Legal references as rule data: which resolution, article, section and page a rule comes from.

A rule set may carry a ``[referencias]`` section, one table per rule it documents, keyed by
the rule's key path (a formula, an advance kind or one of its cases, a band or a scale, a
parameter, a weighting scheme, a rounding entry …)::

    [referencias."parametros.tope"]
    resolucion = "Res. 0061-2023-CEPLAN/PCD"
    documento = "Guía para el seguimiento y evaluación de políticas nacionales y planes del Sinaplan"
    seccion = "Avance de los indicadores"
    pagina = 14
    nota = "14 esperado, 116 obtenido: el informe publica 100"

A rule's reference is the one of its own key path or of the nearest table holding it, so
one reference can cover a table of rules. ``explain``, ``rules show`` and the reports print
it. Like OpenFisca's parameter references, these are data: the engine never reads them to
compute.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import RuleError, did_you_mean
from .i18n import msg
from .tomlsource import SourceRef

SECTION = "referencias"
FIELDS = ("resolucion", "documento", "articulo", "seccion", "pagina", "nota")
_CACHE = "_referencias"


@dataclass(frozen=True)
class Reference:
    """Where a rule comes from in CEPLAN's documents (resolución, article, section, page)."""
    path: tuple
    resolucion: str | None = None
    documento: str | None = None
    articulo: str | None = None
    seccion: str | None = None
    pagina: int | str | None = None
    nota: str | None = None
    ref: SourceRef | None = None  # where the reference itself is written

    def text(self) -> str:
        """One line: resolution, document, article, section, page — note."""
        parts = [p for p in (self.resolucion, self.documento) if p]
        if self.articulo:
            parts.append(msg("ref_article", article=self.articulo))
        if self.seccion:
            parts.append(msg("ref_section", section=self.seccion))
        if self.pagina is not None:
            parts.append(msg("ref_page", page=self.pagina))
        out = ", ".join(parts)
        if self.nota:
            out = f"{out} — {self.nota}" if out else self.nota
        return out

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in FIELDS if getattr(self, k) is not None}
        d["rule"] = ".".join(str(p) for p in self.path)
        d["text"] = self.text()
        if self.ref is not None:
            d["source"] = self.ref.to_dict()
        return d


def _path(key: str) -> tuple:
    return tuple(key.split("."))


def validate(leaves: dict) -> dict[tuple, Reference]:
    """The ``[referencias]`` of merged rule leaves, checked: each names an existing rule and
    has known fields of the right type (a RuleError naming file and line otherwise)."""
    found: dict[tuple, dict] = {}
    refs: dict[tuple, SourceRef] = {}
    for path, (value, ref) in leaves.items():
        if not path or path[0] != SECTION:
            continue
        if len(path) != 3:
            raise RuleError(msg("ref_shape"), file=ref.file, line=ref.line, key=path, suggestion=msg("ref_shape_hint"))
        key, field_name = path[1], path[2]
        if field_name not in FIELDS:
            raise RuleError(msg("ref_unknown_field", field=field_name), file=ref.file, line=ref.line, key=path, suggestion=did_you_mean(field_name, FIELDS) or ", ".join(FIELDS))
        ok = isinstance(value, str) and value.strip() or (field_name == "pagina" and isinstance(value, int) and not isinstance(value, bool) and value > 0)
        if not ok:
            raise RuleError(msg("ref_bad_value", field=field_name), file=ref.file, line=ref.line, key=path)
        found.setdefault(_path(key), {})[field_name] = value
        refs.setdefault(_path(key), ref)
    rules = {p for p in leaves if p and p[0] != SECTION}
    out = {}
    for target, fields in found.items():
        if not any(p[: len(target)] == target for p in rules):
            r = refs[target]
            known = sorted({".".join(p[:k]) for p in rules for k in range(1, len(p) + 1)})
            raise RuleError(
                msg("ref_unknown_rule", rule=".".join(target)),
                file=r.file, line=r.line, key=(SECTION, ".".join(target)),
                suggestion=did_you_mean(".".join(target), known) or None,
            )
        out[target] = Reference(target, ref=refs[target], **fields)
    return out


def references(rules) -> dict[tuple, Reference]:
    """Every reference of a loaded rule set, by rule key path."""
    got = rules.extra.get(_CACHE)
    if got is None:
        got = rules.extra[_CACHE] = validate(rules.leaves)
    return got


def reference_for(rules, path) -> Reference | None:
    """The reference of the rule at ``path`` (a key path), or of the nearest table holding it."""
    if not path:
        return None
    refs = references(rules)
    if not refs:
        return None
    path = tuple(str(p) for p in path)
    for n in range(len(path), 0, -1):
        hit = refs.get(path[:n])
        if hit is not None:
            return hit
    return None
