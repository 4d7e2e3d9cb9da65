"""Sentido esperado inferred from an indicator's own targets, as Aplicativo CEPLAN V.01 did.

The rule set's ``[inferencia_sentido]`` section says how (schema shared with other rule
sets; keep it stable)::

    [inferencia_sentido]
    metodo = "primero_ultimo"   # or "monotono" (every step in the same direction)
    creciente = "ascendente"    # sentido category for a rising series
    decreciente = "descendente"
    constante = "no_definido"
    aplicar = "verificar"       # "verificar": check only; "evaluar": evaluation uses it

The series is the indicator's logros esperados within the plan horizon (desde..hasta),
N/D values skipped. Fewer than two values, or a non-monotone series under ``monotono``,
infer nothing (``None``).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .errors import did_you_mean
from .i18n import Message, msg
from .ruleset import RuleSet

SECTION = "inferencia_sentido"
METHODS = ("primero_ultimo", "monotono")
APPLY = ("verificar", "evaluar")
TRENDS = ("creciente", "decreciente", "constante")
KEYS = ("metodo",) + TRENDS + ("aplicar",)


@dataclass(frozen=True)
class InferenceSettings:
    """How the rule set infers a sentido from the targets' trend."""
    method: str
    categories: dict  # trend -> sentido category
    apply: str


def settings(rules: RuleSet) -> InferenceSettings | None:
    """The validated ``[inferencia_sentido]`` section, or None when the rule set has none."""
    sec = rules.extra.get(SECTION)
    if sec is None:
        return None

    def fail(key: tuple, message: str, suggestion: str | None = None):
        raise rules.error((SECTION,) + key, message, suggestion, ref=rules.ref(SECTION, *key) or rules.ref(SECTION))

    if not isinstance(sec, dict):
        fail((), msg("rf_must_be_table"))
    for k in sec:
        if k not in KEYS:
            fail((k,), msg("rf_unknown_key", key=k), did_you_mean(k, KEYS) or msg("rf_keys", keys=", ".join(KEYS)))
    for k in KEYS:
        if k not in sec:
            fail((), msg("rf_missing_key", key=k), msg("rf_add_key", key=k))
        if not isinstance(sec[k], str):
            fail((k,), msg("rf_must_be_string", type=type(sec[k]).__name__))
    if sec["metodo"] not in METHODS:
        fail(("metodo",), msg("rf_unknown_method", method=sec["metodo"]), did_you_mean(sec["metodo"], METHODS) or msg("rf_known", known=", ".join(METHODS)))
    if sec["aplicar"] not in APPLY:
        fail(("aplicar",), msg("rf_not_one_of", value=sec["aplicar"], options=", ".join(APPLY)), did_you_mean(sec["aplicar"], APPLY) or None)
    cats = set(rules.synonyms.get("sentido", {}).values())
    for t in TRENDS:
        if sec[t] not in cats:
            fail((t,), msg("rf_not_a_sentido", value=sec[t]), did_you_mean(sec[t], cats) or msg("rf_categories", categories=", ".join(sorted(cats))))
    return InferenceSettings(sec["metodo"], {t: sec[t] for t in TRENDS}, sec["aplicar"])


def _fmt(v: Decimal) -> str:
    return format(v.normalize(), "f") if v == v.to_integral_value() else str(v)


def infer_sentido(indicator, rules: RuleSet, plan, *, why: bool = True) -> tuple[str | None, str]:
    """The sentido category the targets imply (or None), and a one-line explanation (a catalogue
    Message; with ``why=False``, as ``check`` counts findings, an empty one)."""
    cfg = settings(rules)
    if cfg is None:
        return None, Message("inf_no_section", rules=rules.id, section=SECTION)
    desde, hasta = plan.model.plan.desde, plan.model.plan.hasta
    series = [(y, v) for y, v in sorted(indicator.logro_esperado.items()) if desde <= y <= hasta and v is not None]
    if len(series) < 2:
        return None, Message("inf_too_few", desde=desde, hasta=hasta) if why else ""
    text = " → ".join(_fmt(v) for _, v in series) if why else ""
    span = f"{series[0][0]}-{series[-1][0]}"
    values = [v for _, v in series]
    if cfg.method == "primero_ultimo":
        first, last = values[0], values[-1]
        trend = "creciente" if last > first else "decreciente" if last < first else "constante"
        how = Message("inf_first_last", first=_fmt(first), last=_fmt(last)) if why else ""
    else:
        steps = [b - a for a, b in zip(values, values[1:])]
        if all(s == 0 for s in steps):
            trend = "constante"
        elif all(s >= 0 for s in steps):
            trend = "creciente"
        elif all(s <= 0 for s in steps):
            trend = "decreciente"
        else:
            return None, Message("inf_up_and_down", text=text, span=span) if why else ""
        how = Message("inf_same_direction" if trend != "constante" else "inf_all_equal") if why else ""
    cat = cfg.categories[trend]
    if not why:
        return cat, ""
    return cat, Message("inf_result", text=text, span=span, trend=trend, how=how, category=cat)
