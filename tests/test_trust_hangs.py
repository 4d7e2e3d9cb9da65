"""No user string hangs pei-rules: the parsers and regular expressions that see user text
(semáforo intervals, the TOML line map, import cells, expressions) finish in bounded time
on any string up to the size limits (issue 10, item 4)."""
from __future__ import annotations

import shutil
import time
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pei_rules.audit import _strip_folders
from pei_rules.cli import main
from pei_rules.errors import PeiError
from pei_rules.expressions import compile_expression
from pei_rules.html_report import nice_range
from pei_rules.html_report.charts import _tick_text
from pei_rules.inputs.cells import one_line
from pei_rules.inputs.common import split_code, split_priority
from pei_rules.ruleset.reader import _parse_interval
from pei_rules.tomlsource import _line_map

import strategies as S

ROOT = Path(__file__).resolve().parent.parent
ZED = ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml"
LIMIT_S = 2.0  # linear work on 20,000 characters takes milliseconds; backtracking took minutes
HOSTILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)


def _bounded(fn, *args):
    t0 = time.perf_counter()
    try:
        fn(*args)
    except PeiError:
        pass
    assert time.perf_counter() - t0 < LIMIT_S, fn.__name__


@HOSTILE
@given(text=S.hostile_text())
def test_every_user_text_parser_is_linear(text):
    for fn in (_parse_interval, split_priority, one_line, split_code, _strip_folders):
        _bounded(fn, text)
    _bounded(_parse_interval, "[" + text + "," + text + ")")
    _bounded(_parse_interval, "[95," + text + ",+inf)")
    _bounded(split_priority, "x (prioridad" + text + ")")
    _bounded(_line_map, [text, "a = " + text, "a = " + text + "[1]", "[" + text + "]"])
    _bounded(lambda t: compile_expression(t, {"a"}, frozenset()), text[:3000])


def test_the_padded_interval_probe(tmp_path):
    """The probe: "[95,<3,000 spaces>,+inf)" in a 3 KB reglas-propias.toml hung evaluate."""
    shutil.copy(ZED, tmp_path / "pei.toml")
    (tmp_path / "reglas-propias.toml").write_text(
        '[semaforo.escalas.ceplan.bandas.verde]\nintervalo = "[95,' + " " * 3000 + ',+inf)"\n', encoding="utf-8"
    )
    t0 = time.perf_counter()
    assert main(["evaluate", str(tmp_path / "pei.toml"), "--year", "2023"]) == 2
    assert time.perf_counter() - t0 < 10


def test_a_padded_plain_line_in_a_plan_is_fast(tmp_path, capsys):
    """'a = <2,000 spaces>[1]' is valid TOML; the line map's regex took 30 s on it."""
    text = ZED.read_text(encoding="utf-8").replace("[entidad]\n", "[entidad]\nnotas_x = " + " " * 5000 + "[1]\n", 1)
    (tmp_path / "pei.toml").write_text(text, encoding="utf-8")
    t0 = time.perf_counter()
    main(["explain", str(tmp_path / "pei.toml"), "--year", "2023", "ejecucion_ponderada"])
    capsys.readouterr()
    assert time.perf_counter() - t0 < 10


def test_intervals_keep_their_meaning():
    assert _parse_interval("[75, 95)") == (Decimal(75), True, Decimal(95), False)
    assert _parse_interval(" ( -inf , 75 ) ") == (None, False, Decimal(75), False)
    assert _parse_interval("[95, +inf)") == (Decimal(95), True, None, False)
    for bad in ("[1, 2, 3)", "1, 2", "[, 2)", "[a, 2)", "[2, 1)", "[1, 1e16)", "(+inf, 2)", "[" + "9" * 100 + ", +inf)"):
        assert isinstance(_parse_interval(bad), str), bad


def test_chart_axis_with_huge_bounds_does_not_crash():
    start, end, ticks = nice_range(Decimal(0), Decimal("1E30"))
    assert all(_tick_text(t, "es") for t in ticks)


@settings(max_examples=200, deadline=None, database=None)
@given(text=st.text(alphabet=" \t\n()prioridadPRIO:=1x", max_size=30))
def test_split_priority_keeps_its_meaning(text):
    import re

    old = re.compile(r"\(\s*prioridad\s*[:=]?\s*([^)]*?)\s*\)\s*$", re.IGNORECASE)  # short inputs only
    m = old.search(text)
    want = (text.strip(), None) if not m else (text[: m.start()].strip(), m.group(1).strip() or None)
    assert split_priority(text) == want
    br = re.compile(r"[ \t]*[\r\n]+[ \t]*")
    assert one_line(text) == br.sub(" ", text).strip()
