"""Issue #15, item 2: the untraced evaluator stores figures compactly (rows, ``figures.ROW``)
and makes a ``Figure`` only when one is asked for; the writers that read every figure in a
batch (entity JSON, consolidated row) make none."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import orjson

from pei_rules.batch import summary_row
from pei_rules.evaluate import evaluate
from pei_rules.figures import ROW, Figure, FigureTable, row_of
from pei_rules.jsonformat import expand, to_compact_json_obj
from pei_rules.plan import load_plan
from pei_rules.render import to_json_obj
from pei_rules.ruleset import load_ruleset

ROOT = Path(__file__).resolve().parent.parent
ZED = ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml"


def _evaluations():
    rules = load_ruleset(ROOT / "rules" / "ceplan-2023")
    plan = load_plan(ZED)
    return evaluate(plan, rules, 2023, trace=False), evaluate(plan, rules, 2023, trace=True)


def _n_rows(table: FigureTable) -> int:
    return sum(type(x) is tuple for x in table._d.values())


def test_untraced_figures_are_rows_until_asked():
    fast, traced = _evaluations()
    assert isinstance(fast.figures, FigureTable)
    n = _n_rows(fast.figures)
    assert n > len(fast.figures) // 2  # most figures of the batch path are rows
    assert _n_rows(traced.figures) == 0  # a traced figure carries its inputs: always a Figure
    fid = next(k for k, x in fast.figures._d.items() if type(x) is tuple)
    row = fast.figures.row(fid)
    f = fast.figures[fid]
    assert isinstance(f, Figure) and row_of(f) == row and f is fast.figures[fid] and f is fast.figures.get(fid)
    assert _n_rows(fast.figures) == n - 1
    assert len(ROW) == len(row) == len(Figure.__dataclass_fields__) - 1  # every field but inputs


def test_batch_writers_make_no_figure():
    fast, _ = _evaluations()
    n = _n_rows(fast.figures)
    doc = to_compact_json_obj(fast)
    row = summary_row(fast)
    assert _n_rows(fast.figures) == n
    assert row["ejecucion_ponderada"] == "95.10"
    # the same document as version 1 written from every Figure
    assert expand(json.loads(orjson.dumps(doc))) == json.loads(json.dumps(to_json_obj(fast)))
    assert _n_rows(fast.figures) == 0  # to_json_obj asked every figure


def test_the_table_behaves_as_a_mapping_of_figures():
    fast, traced = _evaluations()
    keys = list(fast.figures)
    assert keys == list(traced.figures) and keys == list(fast.figures.keys())
    copy = pickle.loads(pickle.dumps(fast.figures))
    assert _n_rows(copy) == _n_rows(fast.figures) > 0  # sent between processes as rows
    assert copy == fast.figures and dict(copy.items()) == dict(fast.figures.items())
    import copy as copying

    other = copying.copy(fast.figures)
    other["x"] = other["avance_oei:OEI.02"]
    assert "x" not in fast.figures  # a copy, not a view
    assert [f.id for f in fast.figures.values()] == keys
    assert all(type(x) is Figure for x in fast.figures._d.values())
    assert "avance_oei:OEI.02" in fast.figures and fast.figures.get("nada") is None
    assert str(fast.figures["avance_oei:OEI.02"].value) == "24.4"


def test_evaluate_json_and_csv_come_from_the_untraced_path(monkeypatch, capsys):
    """``evaluate --format json/csv`` print no figure's inputs: they run the untraced
    (specialised, compact) evaluation, and print what the traced one would."""
    from pei_rules import cli
    from pei_rules.evaluate import _SpecialisedEvaluator
    from pei_rules.render import render_csv, render_json

    made = []
    init = _SpecialisedEvaluator.__init__
    monkeypatch.setattr(_SpecialisedEvaluator, "__init__", lambda self, *a, **k: (made.append(1), init(self, *a, **k))[1])
    _, traced = _evaluations()
    for fmt, render in (("json", render_json), ("csv", render_csv)):
        made.clear()
        assert cli.main(["evaluate", str(ZED), "--year", "2023", "--rules", "ceplan-2023", "--format", fmt]) == 0
        out = capsys.readouterr().out
        assert made, fmt
        if fmt == "json":  # the same document, but the time it was made
            got, want = json.loads(out), json.loads(render(traced))
            got["receipt"]["created"] = want["receipt"]["created"]
            got["receipt"]["rule_set_choice"] = want["receipt"]["rule_set_choice"]
            assert got == want
        else:
            assert out == render(traced)
