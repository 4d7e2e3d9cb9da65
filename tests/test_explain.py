"""explain: every figure of the ZED ILO evaluation derives down to plan lines and rule lines."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ZED
from pei_rules.errors import AddressError
from pei_rules.explain import all_addresses, explain, explain_document, leaves, render_text, resolve


def _all_ids(ev):
    ids = list(ev.figures)
    for name, c in ev.counts.items():
        ids += [f"conteo:{name}:{b}" for b in c.counts] + [f"conteo:{name}:total"]
    return ids


def test_every_figure_root_is_printed_value_and_leaves_are_sourced(zed_eval):
    plan_path = zed_eval.plan.path
    rule_files = {p for p, _ in zed_eval.rules.files}
    checked = 0
    for fid in _all_ids(zed_eval):
        tree = explain(zed_eval, fid)
        assert tree["id"] == fid
        if fid.startswith("conteo:"):
            _, name, band = fid.split(":")
            c = zed_eval.counts[name]
            assert tree["value"] == str(c.total if band == "total" else c.counts[band])
            assert len(tree["inputs"]) == int(tree["value"])
        else:
            f = zed_eval.get(fid)
            assert tree["value"] == (None if f.value is None else str(f.value))
            assert tree["status"] == f.status
        for leaf in leaves(tree):
            src = leaf["source"]
            assert src and src["file"] and src["line"], (fid, leaf)
            if leaf["type"] == "plan_input":
                assert src["file"] == plan_path
                assert src["key"]
            else:
                assert leaf["type"] == "rule_parameter"
                assert src["file"] in rule_files
        checked += 1
    assert checked == len(zed_eval.figures) + sum(len(c.counts) + 1 for c in zed_eval.counts.values())


def _figure_nodes(node):
    if node.get("type") == "figure":
        yield node
    for c in node.get("inputs", []):
        yield from _figure_nodes(c)


def test_every_ok_figure_leaf_path_reaches_plan_inputs(zed_eval):
    """A computed figure's derivation ends in plan inputs (not only in rule parameters)."""
    for fid, f in zed_eval.figures.items():
        if f.status != "ok":
            continue
        kinds = {leaf["type"] for leaf in leaves(explain(zed_eval, fid))}
        assert "plan_input" in kinds, fid


def test_steps_reproduce_exact_values(zed_eval):
    """The traced intermediate values end in the engine's exact value (formula figures)."""
    for fid, f in zed_eval.figures.items():
        node = explain(zed_eval, fid)
        if node["steps"] and f.exact is not None and not node["steps"][-1]["expr"].startswith(("valores", "suma de")):
            assert node["steps"][-1]["value"] == str(f.exact), fid


def test_weighted_mean_tree(zed_eval):
    tree = explain(zed_eval, "ejecucion_ponderada")
    assert tree["value"] == "95.10"
    assert len(tree["inputs"]) == 13  # 12 AEI advances + the weighting scheme
    aeis = [c for c in tree["inputs"] if c["type"] == "figure"]
    assert {c["kind"] for c in aeis} == {"avance_aei"}
    for c in aeis:
        assert c["weight"] is not None
        assert c["relevance"]["source"]["key"].endswith(".relevancia")
        # avance_aei -> avance_indicador -> avance_tipo_i -> plan inputs
        ind = c["inputs"][0]
        assert ind["kind"] == "avance_indicador"
        assert ind["inputs"][0]["kind"] == "avance_tipo_i"
        names = {x["name"] for x in ind["inputs"][0]["inputs"]}
        assert {"obtenido", "esperado"} <= names
    total = sum(__import__("decimal").Decimal(c["weight"]) for c in aeis)
    assert total == 1


def test_rule_and_plan_lines_in_text(zed_eval):
    doc = explain_document(zed_eval, "IND.01.AEI.03.02")
    text = render_text(doc)
    assert "avance.toml:" in text and "[avance.tipos.tipo_i.ascendente.no_acumulado]" in text
    assert f"{zed_eval.plan.path}:" in text and "logro_esperado.2023" in text
    assert "66.66666666666666666666666667 -> 66.7" in text
    assert "(-inf, 75) -> Rojo" in text
    assert "Recibo: pei-rules" in text and zed_eval.plan.sha256 in text


@pytest.mark.parametrize(
    "address,expected",
    [
        ("AEI.02.01", "avance_aei:AEI.02.01"),
        ("IND.01.AEI.03.02", "avance_indicador:IND.01.AEI.03.02"),
        ("IND.01.03.02", "avance_indicador:IND.01.AEI.03.02"),
        ("IND.01. AEI.02.03", "avance_indicador:IND.01.AEI.02.03"),
        ("01.AEI.02.03", "avance_indicador:IND.01.AEI.02.03"),
        ("OEI.02", "avance_oei:OEI.02"),
        ("AO.03.02.03", "ejecucion_fisica_ao:AO.03.02.03"),
        ("ejecucion_ponderada", "ejecucion_ponderada"),
        ("avance_tipo_ii:IND.01.02.01", "avance_tipo_ii:IND.01.AEI.02.01"),
        ("ejecucion_fisica_aei:AEI.03.02", "ejecucion_fisica_aei:AEI.03.02"),
        ("conteo:indicadores_aei:rojo", "conteo:indicadores_aei:rojo"),
        ("conteo:ejecucion_fisica_ao:total", "conteo:ejecucion_fisica_ao:total"),
        ("dato:poi.2023.pim", "dato:poi.2023.pim"),
        ("dato:indicador[IND.01.02.01].organo_responsable", "dato:indicador[IND.01.02.01].organo_responsable"),
    ],
)
def test_resolve(zed_eval, address, expected):
    assert resolve(zed_eval, address) == expected


@pytest.mark.parametrize("address", ["AEI.3.02", "avance_aei:AEI.09.09", "conteo:indicadores_aei:morado", "ejecucion_ponderad", "dato:poi.2023.pimm", "dato:indicador[IND.9].nombre", ""])
def test_unknown_address(zed_eval, address):
    with pytest.raises(AddressError):
        resolve(zed_eval, address)


def test_did_you_mean(zed_eval):
    with pytest.raises(AddressError) as exc:
        resolve(zed_eval, "AEI.3.02")
    assert "AEI.03.02" in str(exc.value)
    assert "quiso decir" in str(exc.value)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "pei_rules", *args], capture_output=True, text=True)


def test_cli_json_and_exit_codes():
    r = _cli("explain", str(ZED), "AEI.03.02", "--year", "2023", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["resolved"] == "avance_aei:AEI.03.02"
    assert doc["tree"]["value"] == "66.7"
    assert doc["receipt"]["plan"]["sha256"] and doc["receipt"]["rule_set"]["files"]
    r = _cli("explain", str(ZED), "AEI.3.02", "--year", "2023")
    assert r.returncode == 2
    assert "quiso decir 'AEI.03.02'" in r.stderr
    assert "Traceback" not in r.stderr


def test_english(zed_eval):
    text = render_text(explain_document(zed_eval, "ejecucion_ponderada"), "en")
    assert "rounding: half_up to 2 decimal(s)" in text and "Receipt:" in text


def test_all_addresses_resolve(zed_eval):
    for a in all_addresses(zed_eval):
        resolve(zed_eval, a)


def test_semestral_evaluation_explains_every_figure():
    """The walk also holds for a semestral evaluation (semester targets, monthly AO figures)."""
    from conftest import FIXTURES, RULES
    from pei_rules import evaluate, load_plan, load_ruleset

    sem = FIXTURES / "rulesets" / "semestral-2025.toml"
    for semester in (1, 2):
        ev = evaluate(load_plan(sem), load_ruleset(RULES / "ceplan-2025-semestral"), 2025, period="semestral", semester=semester)
        for fid in _all_ids(ev):
            tree = explain(ev, fid)
            if not fid.startswith("conteo:"):
                f = ev.get(fid)
                assert tree["value"] == (None if f.value is None else str(f.value))
            for leaf in leaves(tree):
                assert leaf["source"] and leaf["source"]["file"], (semester, fid, leaf)
                # a value comes with its line; an input the plan lacks altogether says so instead
                assert leaf["source"]["line"] or (leaf["value"] is None and leaf["note"]), (semester, fid, leaf)
        assert explain_document(ev, "ejecucion_ponderada")["receipt"]["semester"] == semester


def test_cli_semester_options():
    from conftest import FIXTURES

    sem = FIXTURES / "rulesets" / "semestral-2025.toml"
    r = _cli("explain", str(sem), "AEI.01", "--year", "2025", "--period", "semestral", "--semester", "1", "--rules", "ceplan-2025-semestral", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["receipt"]["period"] == "semestral"


def test_every_figure_text_names_rule_line_and_plan_line(zed_eval):
    import re

    plan_line = re.compile(re.escape(zed_eval.plan.path) + r":\d+ \[")
    rule_line = re.compile(r"regla: ceplan-2023 rules/ceplan-2023/\w+\.toml:\d+ \[")
    for fid in _all_ids(zed_eval):
        text = render_text(explain_document(zed_eval, fid))
        assert rule_line.search(text), fid
        f = zed_eval.figures.get(fid)
        empty_count = f is None and explain(zed_eval, fid)["value"] == "0"  # no members, no plan line
        if (f is None and not empty_count) or (f is not None and f.status == "ok"):
            assert plan_line.search(text), fid
