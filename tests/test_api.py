"""The library API: the README's notebook example, and the same results as the commands."""
from __future__ import annotations

import io
import json
import os
import re
import sys
from contextlib import redirect_stdout
from decimal import Decimal
from pathlib import Path

import pytest

import pei_rules
from pei_rules import api
from pei_rules.cli import main
from pei_rules.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]
ZED = "plans/zed-ilo/pei-2023-2025.toml"
_CI = bool(os.environ.get("CI"))  # CI installs the test extras: pandas must be there


def _cli_json(*argv) -> tuple[int, dict]:
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(list(argv))
    return code, json.loads(buf.getvalue())


def _without_time(doc):
    """Documents differ only in the creation time of their receipt."""
    if isinstance(doc, dict):
        return {k: _without_time(v) for k, v in doc.items() if k != "created"}
    if isinstance(doc, list):
        return [_without_time(x) for x in doc]
    return doc


def test_readme_notebook_example_runs(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## From Python (a notebook)", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert len(code.strip().splitlines()) == 3
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.startswith("95.10 ")
    assert "avance_oei:OEI.02 = 24.4" in out


def test_evaluate_file_figures_and_short_repr(monkeypatch):
    monkeypatch.chdir(ROOT)
    ev = pei_rules.evaluate_file(ZED, year=2023)
    assert ev.figure("ejecucion_ponderada").value == Decimal("95.10")
    assert ev.figure("OEI.02").value == Decimal("24.4")
    assert ev.figure("avance_oei:OEI.02") is ev.figures["avance_oei:OEI.02"]
    r = repr(ev)
    assert len(r) < 200 and "ZED ILO" in r and "ceplan-2023" in r and "2023" in r
    with pytest.raises(pei_rules.PeiError):
        ev.figure("OEI.99")


def test_evaluate_file_default_year_and_rules(monkeypatch):
    monkeypatch.chdir(ROOT)
    ev = pei_rules.evaluate_file(ZED)
    assert ev.year == api.default_year(ev.plan)
    assert ev.rules.id == api.choose_rules(None, ev.year)[0].id


def test_records_match_the_json_output(monkeypatch):
    monkeypatch.chdir(ROOT)
    ev = pei_rules.evaluate_file(ZED, year=2023)
    recs = ev.to_records()
    assert len(recs) == len(ev.figures)
    code, doc = _cli_json("evaluate", ZED, "--year", "2023", "--format", "json")
    assert code == 0
    assert recs == doc["figures"]


def test_to_dataframe_with_pandas():
    """pandas is a test dependency only (never of pei-rules): the notebook's table has one row per
    figure, the fields of to_records as columns, exact values kept as text."""
    pandas = pytest.importorskip("pandas") if not _CI else __import__("pandas")
    ev = pei_rules.evaluate_file(ROOT / ZED, year=2023)
    df = ev.to_dataframe()
    assert isinstance(df, pandas.DataFrame)
    assert len(df) == len(ev.figures)
    assert list(df.columns) == list(ev.to_records()[0])
    row = df.set_index("id").loc["ejecucion_ponderada"]
    assert row["value"] == "95.10" and row["band"] == "verde"
    assert (df["status"] == "sin_dato").sum() == sum(f.value is None for f in ev.figures.values())


def test_to_dataframe_without_pandas_says_so(monkeypatch):
    ev = pei_rules.evaluate_file(ROOT / ZED, year=2023)
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if pandas were not installed
    with pytest.raises(UsageError, match="pandas"):
        ev.to_dataframe()
    assert "pandas" not in (ROOT / "pyproject.toml").read_text(encoding="utf-8").split("[project.optional-dependencies]")[0]


def test_explain_is_the_command_text(monkeypatch):
    monkeypatch.chdir(ROOT)
    ev = pei_rules.evaluate_file(ZED, year=2023)
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["explain", ZED, "OEI.02", "--year", "2023"]) == 0
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")
    assert stamp.sub("T", ev.explain("OEI.02", "es")) == stamp.sub("T", buf.getvalue())


def test_audit_check_diff_same_as_cli(monkeypatch):
    monkeypatch.chdir(ROOT)
    res = api.audit(ZED, 2023)
    code, doc = _cli_json("audit", ZED, "--year", "2023", "--format", "json")
    assert (res.exit_code, _without_time(res.document())) == (code, _without_time(doc))

    res = api.check(ZED, 2023)
    code, doc = _cli_json("check", ZED, "--year", "2023", "--format", "json")
    assert (res.exit_code, res.document()) == (code, doc)

    res = api.diff(ZED, "ceplan-2023", "ceplan-2023-fijo-321", 2023)
    code, doc = _cli_json("diff", ZED, "--year", "2023", "--rules", "ceplan-2023", "--rules", "ceplan-2023-fijo-321", "--format", "json")
    assert (res.exit_code, _without_time(res.document())) == (code, _without_time(doc))
    assert res.figures, "the two rule sets differ for ZED ILO"


def test_audit_of_a_stored_result(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "r.json"
    assert main(["evaluate", ZED, "--year", "2023", "--format", "json", "--out", str(out)]) == 0
    res = api.audit(out)
    assert isinstance(res, api.VerifyResult) and res.exit_code == 0


def test_rule_choice_says_why(monkeypatch):
    monkeypatch.chdir(ROOT)
    rs, why = api.choose_rules(None, 2023)
    assert rs.id == "ceplan-2023" and "ceplan-2023" in why and rs.content_hash[:16] in why
    rs2, why2 = api.choose_rules("ceplan-2023-fijo-321", 2023)
    assert rs2.id == "ceplan-2023-fijo-321" and "--rules ceplan-2023-fijo-321" in why2
    rs3, why3 = api.choose_rules(rs2, 2023)
    assert rs3 is rs2 and why3.id == "api_rules_given"
