"""The one aggregation registry: each method returns its value *and* its steps.

The evaluator (``evaluate``), the derivation trees (``explain``) and the cause search of
``audit`` all aggregate through :func:`aggregate` and weigh through :func:`raw_weights`, so
a method is written once. Method names are the engine's vocabulary
(:data:`pei_rules.vocabulary.METHODS`); which method a figure uses is rule data.

A step is a :class:`~pei_rules.i18n.Message` (what was computed) and its value; the
caller decides whether it wants the steps (a batch evaluation does not).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Mapping, Sequence

from . import vocabulary as V
from .i18n import Message


@dataclass(frozen=True, slots=True)
class Step:
    """One step of an aggregation: what was computed and its value."""
    what: Message
    value: Decimal | str

    def to_dict(self) -> dict:
        return {"expr": str(self.what), "value": str(self.value)}


def _sum(values) -> Decimal:
    total = Decimal(0)
    for v in values:
        total += v
    return total


def _media(vals: Sequence[Decimal], weights, steps: bool):
    total = _sum(vals)
    value = total / len(vals)
    if not steps:
        return value, []
    return value, [Step(Message("agg_sum_of", n=len(vals)), total), Step(Message("agg_sum_over", n=len(vals)), value)]


def _suma(vals, weights, steps: bool):
    total = _sum(vals)
    return total, ([Step(Message("agg_sum_of", n=len(vals)), total)] if steps else [])


def _minimo(vals, weights, steps: bool):
    value = min(vals)
    return value, ([Step(Message("agg_min_of", n=len(vals)), value)] if steps else [])


def _maximo(vals, weights, steps: bool):
    value = max(vals)
    return value, ([Step(Message("agg_max_of", n=len(vals)), value)] if steps else [])


def _mediana(vals, weights, steps: bool):
    s = sorted(vals)
    n = len(s)
    value = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    return value, ([Step(Message("agg_sorted"), ", ".join(str(x) for x in s))] if steps else [])


def _media_ponderada(vals, weights, steps: bool):
    if weights is None or len(weights) != len(vals):
        raise ValueError("media_ponderada needs one raw weight per value")
    sw = _sum(v * w for v, w in zip(vals, weights))
    st = _sum(weights)
    value = sw / st
    if not steps:
        return value, []
    return value, [Step(Message("agg_weighted_sum"), sw), Step(Message("agg_weights_sum"), st), Step(Message("agg_weighted_mean"), value)]


#: method name -> function(values, raw weights or None, want steps) -> (value, steps)
METHODS: dict[str, Callable] = {
    "media": _media,
    "media_ponderada": _media_ponderada,
    "mediana": _mediana,
    "minimo": _minimo,
    "maximo": _maximo,
    "suma": _suma,
}
assert list(METHODS) == V.METHODS, "the registry and the vocabulary name the same methods"


def aggregate(method: str, values: Sequence[Decimal], weights: Sequence[Decimal] | None = None, *, steps: bool = True) -> tuple[Decimal, list[Step]]:
    """The value of ``method`` over ``values`` (non-empty), and the steps that computed it.

    ``weights`` are the raw weights of a weighted method (see :func:`raw_weights`)."""
    return METHODS[method](values, weights, steps)


def weighted(method: str) -> bool:
    return method in V.WEIGHTED_METHODS


def weight_env(relevances: Sequence[Decimal], params: Mapping[str, Decimal]) -> dict[str, Decimal | None]:
    """The names a weighting scheme may read: the parameters, ``r_max``, ``r_min``, ``n``."""
    env: dict[str, Decimal | None] = {"r_max": max(relevances), "r_min": min(relevances), "n": Decimal(len(relevances))}
    env.update(params)
    return env


def raw_weights(scheme, relevances: Sequence[Decimal], params: Mapping[str, Decimal]) -> list[Decimal]:
    """Each member's raw weight under ``scheme`` (a compiled rule expression of ``r``).

    Raises the expression's ``NoData`` / ``EvalFailure`` when a weight cannot be computed."""
    env = weight_env(relevances, params)
    out = []
    for r in relevances:
        env["r"] = r
        out.append(scheme.evaluate(env))
    return out
