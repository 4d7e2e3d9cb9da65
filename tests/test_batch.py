"""``pei-rules batch``: broken plans reported, --jobs identical, manifest last, kill-safe."""
from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pei_rules.batch import MANIFEST, SUMMARY_CSV, SUMMARY_JSON, discover, verify_manifest
from pei_rules.cli import main

from conftest import ZED, PLANS


def make_corpus(root: Path, n: int, broken: bool = True) -> list[Path]:
    """``n`` copies of the ZED ILO plan with distinct entity codes, plus broken files."""
    text = ZED.read_text(encoding="utf-8")
    root.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        d = root / f"e{i:04d}"
        d.mkdir()
        p = d / "pei.toml"
        p.write_text(text.replace('codigo = "ZEDILO"', f'codigo = "ENT{i:04d}"'), encoding="utf-8")
        out.append(p)
    if broken:
        (root / "e0001" / "roto-sintaxis.toml").write_text('[entidad]\ncodigo = "X"\nnombre = \n', encoding="utf-8")
        bad = text.replace('valor_obtenido = { 2023 = 6.11 }', 'valor_obtenido = { 2023 = "seis" }')
        (root / "e0002" / "roto-valor.toml").write_text(bad, encoding="utf-8")
    return out


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_batch_over_plans_folder(tmp_path, capsys):
    rc = main(["batch", str(PLANS), "--year", "2023", "--out", str(tmp_path / "o")])
    assert rc == 0
    rows = read_csv(tmp_path / "o" / SUMMARY_CSV)
    zed = [r for r in rows if r["entidad_codigo"] == "ZEDILO"]
    assert len(zed) == 1
    z = zed[0]
    # the published ZED ILO figures, through the batch path
    assert (z["estado"], z["ejecucion_ponderada"], z["ejecucion_fisica_promedio"], z["ejecucion_financiera"]) == ("ok", "95.10", "92.59", "74.27")
    assert "OEI.02=24.4" in z["avance_oei"]
    from pei_rules.check import check
    from pei_rules import load_plan, load_ruleset

    assert z["hallazgos_check"] == str(len(check(load_plan(ZED), load_ruleset(PLANS.parent / "rules" / "ceplan-2023"), 2023)))
    assert verify_manifest(tmp_path / "o") == []
    out = capsys.readouterr().out
    assert "ZEDILO" in out and "95.10" in out


def test_broken_plans_reported_others_evaluated(tmp_path, capsys):
    make_corpus(tmp_path / "in", 4)
    out = tmp_path / "o"
    rc = main(["batch", str(tmp_path / "in"), "--year", "2023", "--out", str(out)])
    assert rc == 1
    rows = read_csv(out / SUMMARY_CSV)
    assert len(rows) == 6
    bad = {Path(r["archivo"]).name: r for r in rows if r["estado"] == "error"}
    assert set(bad) == {"roto-sintaxis.toml", "roto-valor.toml"}
    assert bad["roto-sintaxis.toml"]["error_linea"] == "3" and "TOML no válido" in bad["roto-sintaxis.toml"]["error"]
    assert bad["roto-valor.toml"]["error_linea"] and "seis" in bad["roto-valor.toml"]["error"]
    good = [r for r in rows if r["estado"] == "ok"]
    assert len(good) == 4 and all(r["ejecucion_ponderada"] == "95.10" for r in good)
    err = capsys.readouterr().err
    assert "roto-sintaxis.toml:3" in err and "roto-valor.toml" in err
    # per-entity files exist only for the good plans, and the manifest vouches for them
    assert len(list((out / "entidades").glob("*.json"))) == 4
    assert verify_manifest(out) == []
    m = json.loads((out / MANIFEST).read_text())
    assert (m["ok"], m["failed"]) == (4, 2)
    ent = json.loads(next((out / "entidades").glob("*.json")).read_text())
    assert ent["format"] == "pei-rules/evaluation" and ent["summary"]["ejecucion_ponderada"] == "95.10"


def test_jobs_two_identical_to_jobs_one(tmp_path):
    make_corpus(tmp_path / "in", 9)
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["batch", str(tmp_path / "in"), "--year", "2023", "--out", str(a), "--quiet"]) == 1
    assert main(["batch", str(tmp_path / "in"), "--year", "2023", "--out", str(b), "--quiet", "--jobs", "2"]) == 1
    for name in (SUMMARY_CSV,):
        assert (a / name).read_text() == (b / name).read_text()
    ra = json.loads((a / SUMMARY_JSON).read_text())
    rb = json.loads((b / SUMMARY_JSON).read_text())
    assert ra["rows"] == rb["rows"]
    fa = sorted(p.name for p in (a / "entidades").iterdir())
    assert fa == sorted(p.name for p in (b / "entidades").iterdir()) and len(fa) == 9
    for name in fa:
        ja = json.loads((a / "entidades" / name).read_text())
        jb = json.loads((b / "entidades" / name).read_text())
        ja["receipt"].pop("created"), jb["receipt"].pop("created")
        assert ja == jb


def test_rerun_replaces_outputs(tmp_path):
    make_corpus(tmp_path / "in", 3, broken=False)
    out = tmp_path / "o"
    assert main(["batch", str(tmp_path / "in"), "--year", "2023", "--out", str(out), "--quiet"]) == 0
    stale = out / "entidades" / "99999-VIEJO.json"
    stale.write_text("{}")
    assert main(["batch", str(tmp_path / "in" / "e0000"), "--year", "2023", "--out", str(out), "--quiet"]) == 0
    names = sorted(p.name for p in (out / "entidades").iterdir())
    assert names == ["00001-ENT0000.json"]
    assert verify_manifest(out) == []


def test_manifest_detects_tampering(tmp_path):
    make_corpus(tmp_path / "in", 2, broken=False)
    out = tmp_path / "o"
    assert main(["batch", str(tmp_path / "in"), "--year", "2023", "--out", str(out), "--quiet"]) == 0
    f = next((out / "entidades").glob("*.json"))
    f.write_text(f.read_text()[:100])
    assert any("sha256" in p for p in verify_manifest(out))


def test_sort_and_usage_errors(tmp_path, capsys):
    make_corpus(tmp_path / "in", 3, broken=False)
    p = tmp_path / "in" / "e0001" / "pei.toml"
    p.write_text(p.read_text().replace("valor_obtenido = { 2023 = 20 }", "valor_obtenido = { 2023 = 0 }", 1))
    out = tmp_path / "o"
    assert main(["batch", str(tmp_path / "in"), "--year", "2023", "--out", str(out), "--sort", "ejecucion_ponderada"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith(("1 ", "2 ", "3 "))]
    assert [ln.split()[1] for ln in lines][0] == "ENT0001"  # the lowest weighted execution first
    assert main(["batch", str(tmp_path / "in"), "--year", "2023", "--out", str(out), "--sort", "ejecucion_ponderada", "--desc"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith(("1 ", "2 ", "3 "))]
    assert [ln.split()[1] for ln in lines][-1] == "ENT0001"
    assert main(["batch", str(tmp_path / "in"), "--year", "2023", "--out", str(out), "--sort", "ejecucion_ponderad"]) == 2
    assert "quiso decir 'ejecucion_ponderada'" in capsys.readouterr().err
    assert main(["batch", str(tmp_path / "nada"), "--year", "2023", "--out", str(out)]) == 2
    assert main(["batch", str(tmp_path / "in"), "--year", "2023", "--out", str(out), "--jobs", "0"]) == 2
    assert main(["batch", str(tmp_path / "in"), "--year", "2023", "--out", str(out), "--rules", "no-existe"]) == 2
    (tmp_path / "file").write_text("x")
    assert main(["batch", str(tmp_path / "in"), "--year", "2023", "--out", str(tmp_path / "file")]) == 2


def test_discover_skips_overrides_and_hidden(tmp_path):
    make_corpus(tmp_path, 2, broken=False)
    (tmp_path / "e0000" / "reglas-propias.toml").write_text("")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.toml").write_text("")
    names = [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path, tmp_path / "e0000" / "pei.toml"])]
    assert names == ["e0000/pei.toml", "e0001/pei.toml"]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_run_leaves_nothing_that_looks_complete(tmp_path, sig):
    make_corpus(tmp_path / "in", 100)
    out = tmp_path / "o"
    cmd = [sys.executable, "-m", "pei_rules", "batch", str(tmp_path / "in"), "--year", "2023", "--out", str(out), "--quiet"]
    # a complete previous run (3 plans) first: its manifest must not survive the interrupted one
    small = [str(tmp_path / "in" / "e0003") if c == str(tmp_path / "in") else c for c in cmd]
    assert subprocess.run(small, capture_output=True).returncode == 0
    assert verify_manifest(out) == [] and len(list((out / "entidades").glob("*.json"))) == 1
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ent = out / "entidades"
    deadline = time.time() + 60
    while time.time() < deadline:
        if len(list(ent.glob("*.json"))) >= 5:
            break
        time.sleep(0.01)
    proc.send_signal(sig)
    proc.wait(timeout=30)
    assert proc.returncode != 0
    assert not (out / MANIFEST).exists()
    assert not (out / SUMMARY_CSV).exists() and not (out / SUMMARY_JSON).exists()
    assert verify_manifest(out) != []
    done = list(ent.glob("*.json"))
    assert 0 < len(done) < 100
    for f in done:  # what is there is whole (atomic writes), never half a file
        json.loads(f.read_text(encoding="utf-8"))
    # re-running completes and the manifest then vouches for every output
    assert subprocess.run(cmd, capture_output=True).returncode == 1
    assert verify_manifest(out) == []
    assert not list(out.rglob("*.part"))


def test_streamed_summary_same_without_rows_in_memory(tmp_path):
    from pei_rules.batch import run_batch

    make_corpus(tmp_path / "in", 3)
    a = run_batch([tmp_path / "in"], tmp_path / "a", 2023, keep_rows=True)
    b = run_batch([tmp_path / "in"], tmp_path / "b", 2023, keep_rows=False)
    assert len(a.rows) == 5 and b.rows == [] and a.total == b.total == 5 and len(b.failed) == 2
    assert (tmp_path / "a" / SUMMARY_CSV).read_text() == (tmp_path / "b" / SUMMARY_CSV).read_text()
    ja, jb = (json.loads((tmp_path / d / SUMMARY_JSON).read_text()) for d in "ab")
    assert ja["rows"] == jb["rows"] and [r["n"] for r in ja["rows"]] == [1, 2, 3, 4, 5]
    assert not list((tmp_path / "b").glob(".*.part"))


def test_progress_bar_on_request(tmp_path, capsys):
    make_corpus(tmp_path / "in", 2, broken=False)
    assert main(["batch", str(tmp_path / "in"), "--year", "2023", "--out", str(tmp_path / "o"), "--quiet", "--progress"]) == 0
    err = capsys.readouterr().err
    assert "\r[" in err and "2/2 planes (100%)" in err
    assert main(["batch", str(tmp_path / "in"), "--year", "2023", "--out", str(tmp_path / "o"), "--quiet"]) == 0
    assert "\r[" not in capsys.readouterr().err  # stderr is not a terminal here


def test_plan_paths_kept_in_a_file_round_trip(tmp_path):
    """The sorted plan paths a batch keeps on disk for the run come back exactly: names with
    spaces, accents, a newline, and bytes that are not UTF-8 (os.walk's surrogate escapes)."""
    from pei_rules.batch import _PathSpool

    names = ["/a b/plan.toml", "/ñandú/Ávila.toml", "/x\ny.toml", b"/caf\xe9.toml".decode("utf-8", "surrogateescape"), "rel/p.toml"]
    spool = _PathSpool(tmp_path / ".entradas.part", names)
    assert len(spool) == 5 and list(spool) == names and list(spool) == names  # read back twice: the jobs, the manifest
