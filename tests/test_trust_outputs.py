"""Outputs others open: formula injection neutralised in every tabular output, control
characters out of text output, HTML escaped in markdown (issue 10, items 7 and 8)."""
from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pei_rules.cli import main
from pei_rules.sanitize import _CONTROL, FORMULA_START, csv_row, has_controls, is_number_text, markdown_text, spreadsheet_text, terminal_text

ROOT = Path(__file__).resolve().parent.parent
ZED = ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml"

INJECTIONS = ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|'/C calc'!A0", "-2+3+cmd|'/C calc'!A0", "@SUM(1+1)*cmd|'/C calc'!A0", "\t=1+1", "\r=1+1", "＝1+1"]


def _hostile_plan(tmp_path: Path, text: str) -> Path:
    src = ZED.read_text(encoding="utf-8")
    import tomllib

    nombre = tomllib.loads(src)["entidad"]["nombre"]
    escaped = "".join(
        "\\\\" if ch == "\\" else '\\"' if ch == '"' else f"\\u{ord(ch):04x}" if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or 0x2000 <= ord(ch) < 0x2070 else ch
        for ch in text
    )
    out = tmp_path / "pei.toml"
    out.write_text(src.replace(f'nombre = "{nombre}"', f'nombre = "{escaped}"', 1), encoding="utf-8")
    return out


@settings(max_examples=300, deadline=None, database=None)
@given(text=st.text(max_size=40))
def test_no_text_cell_starts_a_formula(text):
    out = spreadsheet_text(text)
    assert not out.startswith(FORMULA_START) or is_number_text(out)
    assert out == text or out == "'" + text


@pytest.mark.parametrize("number", ["-12.5", "+3", "1e3", "-0", "95.10"])
def test_numbers_stay_numbers(number):
    assert spreadsheet_text(number) == number


@pytest.mark.parametrize("payload", INJECTIONS)
def test_evaluate_csv_and_batch_summary_neutralise_injections(tmp_path, capsys, payload):
    plan = _hostile_plan(tmp_path, payload)
    assert main(["evaluate", str(plan), "--year", "2023", "--format", "csv", "--rules", "ceplan-2023"]) == 0
    out = capsys.readouterr().out
    for row in csv.reader(io.StringIO(out)):
        for cell in row:
            assert not cell.startswith(FORMULA_START) or is_number_text(cell), cell
    outdir = tmp_path / "lote"
    assert main(["batch", str(plan), "--out", str(outdir), "--year", "2023", "--rules", "ceplan-2023"]) in (0, 1)
    capsys.readouterr()
    rows = list(csv.reader(io.StringIO((outdir / "resumen.csv").read_text(encoding="utf-8"))))
    cells = [c for r in rows for c in r]
    assert any(c == "'" + payload for c in cells) or any(c.startswith("'") and payload.strip() in c for c in cells)
    assert all(not c.startswith(FORMULA_START) or is_number_text(c) for c in cells)


@pytest.mark.parametrize("fmt", ["text", "markdown", "csv"])
def test_escape_sequences_never_reach_the_terminal(tmp_path, capsys, fmt):
    plan = _hostile_plan(tmp_path, "ZED\x1b[2J\x1b]0;pwned\x07\u202eILO\r")
    assert main(["evaluate", str(plan), "--year", "2023", "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert not has_controls(out) and "\x1b" not in out and "\u202e" not in out


def test_markdown_escapes_html(tmp_path, capsys):
    plan = _hostile_plan(tmp_path, "<script>alert(1)</script><img src=x onerror=alert(2)>")
    assert main(["evaluate", str(plan), "--year", "2023", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "<script>" not in out and "<img" not in out and "&lt;script&gt;" in out


@settings(max_examples=200, deadline=None, database=None)
@given(text=st.text(max_size=60) | st.lists(st.sampled_from([*map(chr, _CONTROL), "a", "ñ", " ", "\n", "\t", "│"])).map("".join))
def test_sanitizers_properties(text):
    clean = terminal_text(text)
    assert clean == text.translate(_CONTROL)  # the fast path (nothing to remove) changes nothing
    assert not has_controls(clean)
    assert all(ch in text for ch in clean)
    md = markdown_text(text)
    assert "<" not in md and ">" not in md
    assert csv_row([text, None, 1]) == [spreadsheet_text(text), "", "1"]


# --- 12. look-alike codes ------------------------------------------------------------------

LOOKALIKES = ["OE\u0406.01", "\u041eEI.01", "OEI.0\u0661", "OEI.01\u202e", "OEI.\u200f01", "OEI\u00a0.01", "ＯEI.01"]


@pytest.mark.parametrize("bad", LOOKALIKES, ids=[b.encode("ascii", "backslashreplace").decode() for b in LOOKALIKES])
@pytest.mark.parametrize("where", ["oei", "aei_oei"])
def test_check_flags_lookalike_and_invisible_characters_in_codes(tmp_path, capsys, bad, where):
    src = ZED.read_text(encoding="utf-8")
    escaped = "".join(f"\\u{ord(ch):04x}" if not ch.isascii() else ch for ch in bad)
    if where == "oei":
        text = src.replace('codigo = "OEI.01"', f'codigo = "{escaped}"', 1)
    else:
        text = src.replace('oei = "OEI.01"', f'oei = "{escaped}"', 1)
    assert text != src
    plan = tmp_path / "pei.toml"
    plan.write_text(text, encoding="utf-8")
    rc = main(["check", str(plan), "--year", "2023", "--rules", "ceplan-2023"])
    out, err = capsys.readouterr()
    assert rc in (1, 2) and "Traceback" not in out + err
    assert "codigo_no_ascii" in out or "codigo_no_ascii" in err, out + err
    assert "\u202e" not in out + err


def test_ascii_codes_pass(capsys):
    from pei_rules.check import code_problem

    assert code_problem("OEI.01") is None and code_problem("AEI.01.02") is None and code_problem("IND.01.OEI.02") is None
