"""The speed-ups of issue #5 give the same results as the plain code paths they shortcut."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pei_rules.tomlsource import _bracket_delta, _delta, _find_unquoted, _line_map, _split_key

TOMLISH = st.lists(st.sampled_from(list("ab1 =\"'[]{}#.,\\\t") + ['"""', "'''", "[[", "]]"]), max_size=12).map("".join)


@settings(max_examples=150, deadline=None)
@given(TOMLISH)
def test_fast_bracket_delta_is_the_scanner(s):
    assert _delta(s) == _bracket_delta(s)


def _reference_line_map(lines):
    """The line map with the original scanners only (no fast paths)."""
    import pei_rules.tomlsource as T

    saved = T._delta
    T._delta = T._bracket_delta
    try:
        out = {}
        table = ()
        aot = {}

        def concrete(parts):
            path = ()
            for p in parts:
                path = path + (p,)
                if path in aot:
                    path = path + (aot[path],)
            return path

        i, n = 0, len(lines)
        while i < n:
            s = lines[i].strip()
            lineno = i + 1
            i += 1
            if not s or s.startswith("#"):
                continue
            if s.startswith("[["):
                end = s.find("]]")
                parts = _split_key(s[2:end] if end > 0 else s[2:])
                parent = concrete(parts[:-1])
                key = parent + (parts[-1],) if parts else parent
                aot[key] = aot.get(key, -1) + 1
                table = key + (aot[key],)
                out.setdefault(key, lineno)
                out[table] = lineno
                continue
            if s.startswith("["):
                end = _find_unquoted(s, "]")
                table = concrete(_split_key(s[1:end] if end > 0 else s[1:]))
                out.setdefault(table, lineno)
                continue
            eq = _find_unquoted(s, "=")
            if eq <= 0:
                continue
            out.setdefault(table + tuple(_split_key(s[:eq])), lineno)
            depth, open_string = _bracket_delta(s[eq + 1 :])
            while (open_string or depth > 0) and i < n:
                nxt = lines[i]
                i += 1
                if open_string:
                    end = nxt.find(open_string)
                    if end < 0:
                        continue
                    nxt = nxt[end + 3 :]
                    open_string = None
                d, open_string = _bracket_delta(nxt)
                depth += d
        return out
    finally:
        T._delta = saved


@settings(max_examples=100, deadline=None)
@given(st.lists(TOMLISH, min_size=1, max_size=5))
def test_fast_line_map_is_the_reference(lines):
    assert _line_map(lines) == _reference_line_map(lines)


def test_line_map_on_repository_files():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for f in list((root / "rules").rglob("*.toml")) + list((root / "plans").rglob("*.toml")):
        lines = f.read_text(encoding="utf-8").splitlines()
        assert _line_map(lines) == _reference_line_map(lines), f
