"""Hypothesis properties of the engine under every rule set in rules/."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import RULES
from pei_rules import load_ruleset
from pei_rules.expressions import EvalFailure, NoData
from pei_rules.ruleset import available

RULESETS = sorted(p for p in RULES.iterdir() if (p / "ruleset.toml").is_file())
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

positive = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2, allow_nan=False, allow_infinity=False)
any_value = st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=3, allow_nan=False, allow_infinity=False)


def _rs(path):
    return load_ruleset(path)


def _advance(expr, rs, obtenido, esperado, base=Decimal(0)):
    env = dict(rs.parameters)
    env.update(obtenido=obtenido, esperado=esperado, base=base, obtenido_acumulado=obtenido, esperado_acumulado=esperado, esperado_final=esperado)
    try:
        return expr.evaluate(env)
    except (EvalFailure, NoData):
        return None


def _is_capped(rs, kind):
    return "tope" in " ".join(e.text for e in rs.advance_kinds[kind].formulas.values())


@pytest.mark.parametrize("folder", RULESETS, ids=lambda p: p.name)
@SETTINGS
@given(esperado=positive, a=positive, b=positive)
def test_ascendente_never_decreases_as_obtained_grows(folder, esperado, a, b):
    rs = _rs(folder)
    lo, hi = sorted((a, b))
    for kind in rs.advance_kinds.values():
        for (s, agg), expr in kind.formulas.items():
            if s != "ascendente":
                continue
            x, y = _advance(expr, rs, lo, esperado), _advance(expr, rs, hi, esperado)
            if x is not None and y is not None:
                assert x <= y, (kind.name, agg, lo, hi, esperado)


@pytest.mark.parametrize("folder", RULESETS, ids=lambda p: p.name)
@SETTINGS
@given(esperado=positive, a=positive, b=positive)
def test_descendente_never_increases_as_obtained_grows(folder, esperado, a, b):
    rs = _rs(folder)
    lo, hi = sorted((a, b))
    for kind in rs.advance_kinds.values():
        for (s, agg), expr in kind.formulas.items():
            if s != "descendente" or "base" in expr.names:
                continue
            x, y = _advance(expr, rs, lo, esperado), _advance(expr, rs, hi, esperado)
            if x is not None and y is not None:
                assert x >= y, (kind.name, agg, lo, hi, esperado)


@pytest.mark.parametrize("folder", RULESETS, ids=lambda p: p.name)
@SETTINGS
@given(obtenido=positive, esperado=positive)
def test_capped_advance_stays_within_0_and_the_cap(folder, obtenido, esperado):
    rs = _rs(folder)
    cap = rs.parameters.get("tope")
    assume(cap is not None)
    for name, kind in rs.advance_kinds.items():
        if not _is_capped(rs, name):
            continue
        for (s, agg), expr in kind.formulas.items():
            if "tope" not in expr.names:
                continue
            v = _advance(expr, rs, obtenido, esperado)
            assert v is None or Decimal(0) <= v <= cap


@pytest.mark.parametrize("folder", RULESETS, ids=lambda p: p.name)
@SETTINGS
@given(x=st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-1e9"), max_value=Decimal("1e9")))
def test_bands_partition_the_line(folder, x):
    rs = _rs(folder)
    for scale in rs.scales.values():
        hits = [b.name for b in scale.bands if b.contains(x)]
        assert len(hits) == 1, (scale.name, x, hits)


@pytest.mark.parametrize("folder", RULESETS, ids=lambda p: p.name)
def test_bands_partition_exactly_on_bounds(folder):
    rs = _rs(folder)
    for scale in rs.scales.values():
        for b in scale.bands:
            for x in (b.lower, b.upper):
                if x is not None:
                    assert sum(bb.contains(x) for bb in scale.bands) == 1


@pytest.mark.parametrize("folder", RULESETS, ids=lambda p: p.name)
@SETTINGS
@given(grades=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=40))
def test_weights_sum_to_one(folder, grades):
    rs = _rs(folder)
    for name, scheme in rs.weight_schemes.items():
        rels = [Decimal(g) for g in grades]
        env = dict(rs.parameters)
        env.update(r_max=max(rels), r_min=min(rels), n=Decimal(len(rels)))
        raws = []
        for r in rels:
            env["r"] = r
            raws.append(scheme.evaluate(env))
        assert all(w > 0 for w in raws), name
        total = sum(raws)
        weights = [w / total for w in raws]
        assert abs(sum(weights) - 1) <= Decimal("1e-26") * len(weights)


def test_relative_scheme_reproduces_documented_ratios(rules_2023):
    scheme = rules_2023.weight_schemes["relativo_al_conjunto"]

    def raw(grades):
        rels = [Decimal(g) for g in grades]
        out = []
        for r in rels:
            out.append(scheme.evaluate({"r": r, "r_max": max(rels), "r_min": min(rels), "n": Decimal(len(rels))}))
        return out

    assert raw([1, 2]) == [2, 1]
    assert raw([1, 2, 3]) == [3, 2, 1]
    assert raw([2]) == [1]


@pytest.mark.parametrize("folder", RULESETS, ids=lambda p: p.name)
@SETTINGS
@given(obtenido=any_value, esperado=any_value, base=any_value)
def test_compiled_and_simpleeval_paths_agree(folder, obtenido, esperado, base):
    rs = _rs(folder)
    env = dict(rs.parameters)
    env.update(obtenido=obtenido, esperado=esperado, base=base, obtenido_acumulado=obtenido, esperado_acumulado=esperado, esperado_final=esperado)
    for kind in rs.advance_kinds.values():
        for expr in kind.formulas.values():
            try:
                fast = expr.evaluate(env)
            except EvalFailure as e:
                fast = e.reason
            try:
                traced = expr.evaluate_traced(env)[0]
            except EvalFailure as e:
                traced = e.reason
            assert fast == traced, expr.text


@SETTINGS
@given(x=st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000"), places=4, allow_nan=False, allow_infinity=False))
def test_rounding_is_half_up_like_excel(rules_2023, zed_plan, x):
    from pei_rules import vocabulary as V

    q = x.quantize(Decimal("0.1"), rounding=V.ROUNDING_MODES[rules_2023.rounding_mode])
    # half up: away from zero on ties
    scaled = abs(x) * 10
    frac = scaled - int(scaled)
    expected_abs = (int(scaled) + (1 if frac >= Decimal("0.5") else 0)) / Decimal(10)
    assert abs(q) == expected_abs


def test_json_round_trip(zed_eval):
    from pei_rules.render import render_json

    data = json.loads(render_json(zed_eval))
    for fig in data["figures"]:
        f = zed_eval.get(fig["id"])
        assert fig["value"] == (None if f.value is None else str(f.value))
        assert (Decimal(fig["value"]) if fig["value"] is not None else None) == f.value
    again = json.loads(json.dumps(data))
    assert again == data


def test_available_lists_every_rule_set_folder():
    ids = available([RULES])
    assert "ceplan-2023" in ids
    assert len(ids) == len(RULESETS)
