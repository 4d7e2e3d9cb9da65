"""Batch output folders: one run at a time (a lock), manifests validated and confined to
their folder (issue 10, items 9 and 10)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pei_rules.batch import verify_manifest
from pei_rules.cli import main
from pei_rules.files import FolderLock

ROOT = Path(__file__).resolve().parent.parent
ZED = ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml"


def test_a_second_run_into_a_locked_folder_refuses(tmp_path, capsys):
    out = tmp_path / "lote"
    out.mkdir()
    with FolderLock(out):
        rc = main(["batch", str(ZED), "--out", str(out), "--year", "2023"])
        err = capsys.readouterr().err
        assert rc == 2 and str(out) in err and "Traceback" not in err
        assert not (out / "manifiesto.json").exists()
        # another process, too
        proc = subprocess.run([sys.executable, "-m", "pei_rules", "batch", str(ZED), "--out", str(out), "--year", "2023"],
                              capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
    # released: the next run works and the manifest is complete
    assert main(["batch", str(ZED), "--out", str(out), "--year", "2023"]) == 0
    capsys.readouterr()
    assert verify_manifest(out) == []


@pytest.fixture
def lote(tmp_path, capsys):
    out = tmp_path / "lote"
    assert main(["batch", str(ZED), "--out", str(out), "--year", "2023"]) == 0
    capsys.readouterr()
    return out


MALFORMED = ["[]", '"texto"', "{}", '{"outputs": "x"}', '{"outputs": [1]}', '{"outputs": [{"sha256": "a"}]}', '{"outputs": [{"path": 3, "sha256": "a"}]}']


@pytest.mark.parametrize("manifest", MALFORMED)
def test_malformed_manifests_are_problems_not_crashes(lote, capsys, manifest):
    (lote / "manifiesto.json").write_text(manifest, encoding="utf-8")
    assert verify_manifest(lote)
    rc = main(["report", "--batch", str(lote), "--out", str(lote.parent / "r.html")])
    err = capsys.readouterr().err
    # the page is written and says the folder is not intact; the exit says it too (1: findings)
    assert rc == 1 and "Traceback" not in err and "error interno" not in err
    assert "no tiene manifiesto completo" in err and "manifiesto.json" in err
    assert "no tiene manifiesto completo" in (lote.parent / "r.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", ["../../../../etc/passwd", "/etc/passwd", "entidades/../../fuera.json"])
def test_manifest_paths_are_confined_to_the_folder(lote, capsys, path, monkeypatch):
    (lote.parent / "fuera.json").write_text("{}", encoding="utf-8")
    (lote / "manifiesto.json").write_text(json.dumps({"outputs": [{"path": path, "sha256": "0" * 64}]}), encoding="utf-8")
    read = []
    import pei_rules.batch as B

    real = B.sha256_limited
    monkeypatch.setattr(B, "sha256_limited", lambda p, *a, **k: read.append(str(p)) or real(p, *a, **k))
    problems = verify_manifest(lote)
    assert problems and not read  # named as outside, never hashed
    rc = main(["report", "--batch", str(lote), "--out", str(lote.parent / "r.html")])
    assert rc == 1 and "no tiene manifiesto completo" in capsys.readouterr().err


def test_an_intact_batch_folder_reports_with_exit_0(lote, capsys):
    assert main(["report", "--batch", str(lote), "--out", str(lote.parent / "r.html")]) == 0
    assert "manifiesto" not in capsys.readouterr().err
