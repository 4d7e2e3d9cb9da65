"""Speed-ups of issue #15 give the same results as the plain paths they shortcut."""
from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest

from pei_rules.check import check, count
from pei_rules.plan import load_plan
from pei_rules.ruleset import load_ruleset
from pei_rules.tomlsource import SourceRef, load_toml

ROOT = Path(__file__).resolve().parent.parent
CHECK_FIXTURES = sorted((ROOT / "tests" / "fixtures" / "check").glob("*.toml"))
ZED = ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml"


@pytest.fixture(scope="module")
def rules():
    return load_ruleset(ROOT / "rules" / "ceplan-2023")


@pytest.mark.parametrize("path", CHECK_FIXTURES, ids=lambda p: p.name)
def test_count_is_the_number_of_findings_without_scanning_lines(path, rules):
    counted = load_plan(path, strict=False)
    n = count(counted, rules, 2023)
    assert counted.doc._lines is None  # no finding's line was looked up
    listed = load_plan(path, strict=False)
    findings = check(listed, rules, 2023)
    assert n == len(findings)
    assert listed.doc._lines is not None or not findings  # printed findings still cite their lines
    assert all(f.ref.line for f in findings if f.ref.key)


def test_some_fixture_has_findings(rules):
    assert sum(count(load_plan(p, strict=False), rules, 2023) for p in CHECK_FIXTURES) >= len(CHECK_FIXTURES) - 1


def test_lazy_reference_is_the_eager_one():
    doc = load_toml(ZED)
    keys = [("indicador", 3, "valor_obtenido", "2023"), ("poi", "2023", "ao", 5, "ejecutado"), ("entidad",), ("no", "such", "key"), ()]
    for key in keys:
        lazy = doc.ref(key)
        eager = SourceRef(doc.path, doc.line_of(key), key)
        assert lazy == eager and hash(lazy) == hash(eager)
        assert repr(lazy) == repr(eager) and str(lazy) == str(eager) and lazy.to_dict() == eager.to_dict()
        for clone in (pickle.loads(pickle.dumps(lazy)), copy.deepcopy(lazy), copy.copy(lazy)):
            assert clone == eager
    assert doc.ref(keys[0]).line > 1 and doc.ref(keys[3]).line is None


def test_reference_is_immutable():
    ref = SourceRef("a.toml", 3, ("x",))
    with pytest.raises(AttributeError):
        ref.line = 4
    with pytest.raises(AttributeError):
        ref.file = "b.toml"
    assert {ref: 1}[SourceRef("a.toml", 3, ("x",))] == 1
    assert ref != SourceRef("a.toml", 4, ("x",))
