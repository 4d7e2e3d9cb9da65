"""`audit RESULT.json` covers every field of a stored result: a change anywhere (headline,
hashes, exact values, band labels, count totals and members, entity, an added key) is a
mismatch naming the field; an untouched result matches."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from pei_rules.audit import MATCH, MISMATCH, UNCHECKED_FIELDS, verify_result
from pei_rules.cli import main
from pei_rules.errors import PeiError

ROOT = Path(__file__).resolve().parent.parent
ZED = ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # the receipt names the plan relative to the folder it ran in


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stored")
    out = folder / "r.json"
    assert main(["evaluate", str(ZED), "--year", "2023", "--format", "json", "--out", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def _leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(node, list) and node:
        for i, v in enumerate(node):
            yield from _leaves(v, path + (i,))
    else:
        yield path, node


def _shape(path):
    return tuple("*" if isinstance(p, int) else p for p in path)


def _unchecked(path):
    named = tuple(p for p in path if not isinstance(p, int))
    return any(named[: len(u)] == u for u in UNCHECKED_FIELDS)


def _mutate(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "9" if value[-1:].isdigit() else value + "x"
    if value is None:
        return "1"
    return [value]


def _set(doc, path, value):
    node = doc
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value


def _write(tmp_path, doc) -> Path:
    p = tmp_path / "r.json"
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return p


def _mismatches(path):
    _, checks = verify_result(path)
    return [c for c in checks if c.status == MISMATCH]


def test_an_untouched_result_matches(stored, tmp_path):
    assert _mismatches(_write(tmp_path, stored)) == []


REGRESSIONS = [
    (("summary", "ejecucion_ponderada"), "99.99"),
    (("receipt", "rule_set", "content_hash"), "0" * 64),
    (("entity", "nombre"), "Otra entidad"),
]


@pytest.mark.parametrize("path,value", REGRESSIONS, ids=[".".join(map(str, p)) for p, _ in REGRESSIONS])
def test_the_probe_edits_are_caught(stored, tmp_path, path, value):
    doc = copy.deepcopy(stored)
    _set(doc, path, value)
    bad = _mismatches(_write(tmp_path, doc))
    assert bad and any(".".join(map(str, path)) in c.item for c in bad), [c.item for c in bad]


def test_every_kind_of_field_is_covered(stored, tmp_path):
    """One leaf of every shape of the document (figures.*.exact, counts.*.members.*.*, ...)."""
    shapes = {}
    for path, value in _leaves(stored):
        if not _unchecked(path):
            shapes.setdefault(_shape(path), (path, value))
    assert len(shapes) > 20
    missed = []
    for shape, (path, value) in sorted(shapes.items(), key=lambda kv: str(kv[0])):
        doc = copy.deepcopy(stored)
        _set(doc, path, _mutate(value))
        try:
            caught = bool(_mismatches(_write(tmp_path, doc)))
        except PeiError:  # the receipt no longer names what it must: refused, exit 2
            caught = True
        if not caught:
            missed.append(shape)
    assert missed == []


def test_figure_values_bands_and_count_members(stored, tmp_path):
    doc = copy.deepcopy(stored)
    fig = next(f for f in doc["figures"] if f["band_label"])
    fig["band_label"] = "Verde" if fig["band_label"] != "Verde" else "Rojo"
    members = doc["counts"][0]["members"]
    band = next(b for b, ms in members.items() if ms)
    members[band] = members[band][:-1]
    doc["counts"][0]["total"] += 1
    doc["figures"].append(copy.deepcopy(doc["figures"][0]))
    doc["added"] = True
    items = {c.item for c in _mismatches(_write(tmp_path, doc))}
    assert any(i.endswith(".band_label") for i in items)
    assert any(".members." in i for i in items) and any(i.endswith(".total") for i in items)
    assert "campo added" in items and any("(twice)" in i or "figures[id=" in i for i in items)


def test_cli_names_the_field_and_exits_1(stored, tmp_path, capsys):
    doc = copy.deepcopy(stored)
    doc["summary"]["ejecucion_ponderada"] = "99.99"
    p = _write(tmp_path, doc)
    assert main(["audit", str(p)]) == 1
    out = capsys.readouterr().out
    assert "summary.ejecucion_ponderada" in out and "99.99" in out and "95.10" in out
