"""The benchmark's two sides compute the same figures (correctness only: no timing asserted)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import generate_corpus  # noqa: E402
from run import stage  # noqa: E402

from pei_rules.cli import main  # noqa: E402


@pytest.fixture(scope="module")
def corpus30(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus30")
    generate_corpus.generate(root, 30, seed=7)
    return root


def test_engine_and_hand_written_baseline_agree(corpus30):
    r = stage(corpus30, 2024)
    assert r["plans"] == 30 and r["broken"] == 0
    assert r["mismatches"] == []


def test_corpus_covers_every_case_and_nd(corpus30):
    text = "\n".join(p.read_text(encoding="utf-8") for p in corpus30.rglob("*.toml"))
    for sentido, agregacion in generate_corpus.CASES:
        assert f'sentido = "{sentido}"\nagregacion = "{agregacion}"' in text
    assert '"N/D"' in text and "programado_mensual" in text and "programado = 0" in text


def test_generator_is_deterministic():
    assert generate_corpus.entity(7, 12) == generate_corpus.entity(7, 12)
    assert generate_corpus.entity(7, 12) != generate_corpus.entity(8, 12)


def test_broken_files_are_reported_by_batch(tmp_path, capsys):
    kinds = {}
    for i in range(generate_corpus.BROKEN_EVERY * len(generate_corpus.BROKEN_KINDS)):
        k = generate_corpus.broken_kind(i)
        if k:
            kinds[k] = i
    assert set(kinds) == set(generate_corpus.BROKEN_KINDS)
    for k, i in kinds.items():
        (tmp_path / "in").mkdir(exist_ok=True)
        (tmp_path / "in" / f"{k}.toml").write_text(generate_corpus.entity(7, i)[0], encoding="utf-8")
    (tmp_path / "in" / "bueno.toml").write_text(generate_corpus.entity(7, 1)[0], encoding="utf-8")
    assert main(["batch", str(tmp_path / "in"), "--year", "2024", "--out", str(tmp_path / "o"), "--quiet"]) == 1
    err = capsys.readouterr().err
    for k in kinds:
        assert f"{k}.toml:" in err
    assert "1 planes evaluados, 4 con error" in err
