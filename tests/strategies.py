"""Shared Hypothesis strategies (numbers, rule expressions, malformed plan and rule files).

Keep strategies here, tests elsewhere. Everything generated is deterministic given
Hypothesis' seed; nothing here touches the network or the repository's files.
"""
from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import strategies as st

# --- numbers --------------------------------------------------------------------------

#: what a plan accepts: |x| < 1e15, at most 28 significant digits and 28 decimal places
PLAN_MAX_ABS_EXP = 15
PLAN_MAX_DIGITS = 28


def _decimal_with_exponent(exp: int) -> st.SearchStrategy[Decimal]:
    top = min(10**PLAN_MAX_DIGITS, 10 ** (PLAN_MAX_ABS_EXP - exp)) - 1
    return st.integers(min_value=-top, max_value=top).map(lambda n: Decimal(n).scaleb(exp))


def plan_numbers() -> st.SearchStrategy[Decimal]:
    """Any number a plan file may hold, with the edges over-represented."""
    edges = st.sampled_from(
        [
            Decimal(0),
            Decimal(1),
            Decimal(-1),
            Decimal("999999999999999"),
            Decimal("-999999999999999"),
            Decimal("999999999999999.9999999999999"),
            Decimal("1E-28"),
            Decimal("-1E-28"),
            Decimal("0.0000000000000000000000000001"),
            Decimal("100"),
            Decimal("75"),
            Decimal("95"),
        ]
    )
    return st.one_of(edges, st.integers(min_value=-PLAN_MAX_DIGITS, max_value=0).flatmap(_decimal_with_exponent))


def decimal_specials() -> st.SearchStrategy[Decimal]:
    """Decimal values a plan never accepts, for callers of the API that skip the plan loader."""
    return st.sampled_from(
        [
            Decimal("NaN"),
            Decimal("-NaN"),
            Decimal("sNaN"),
            Decimal("Infinity"),
            Decimal("-Infinity"),
            Decimal("-0"),
            Decimal("-0.000"),
            Decimal("1E+999999"),
            Decimal("-1E+999999"),
            Decimal("1E-999999"),
            Decimal("1E+999999999"),
            Decimal("1E-999999999"),
            Decimal("9.999999999999999999999999999E+999999"),
            Decimal("1" * 60),
        ]
    )


# --- rule expressions -----------------------------------------------------------------

_LITERALS = ["0", "1", "2", "100", "0.5", "1e15", "1e-15", "123456789.123456789", "999999999999999", "1_000"]


def allowed_expressions(names: list[str], functions: list[str]) -> st.SearchStrategy[str]:
    """Texts built only from allow-listed syntax, numbers and conditions kept apart as the
    checker requires (they may still exceed a size limit)."""
    leaves = st.one_of(st.sampled_from(names), st.sampled_from(_LITERALS))

    def conditions(num):
        cmp = st.tuples(num, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), num).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
        chain = st.tuples(num, num, num).map(lambda t: f"({t[0]} < {t[1]} <= {t[2]})")
        base = st.one_of(cmp, chain, st.sampled_from(["True", "False"]))
        return st.one_of(
            base,
            base.map(lambda c: f"(not {c})"),
            st.tuples(base, st.sampled_from(["and", "or"]), base).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        )

    def grow(num):
        binop = st.tuples(num, st.sampled_from(["+", "-", "*", "/"]), num).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
        unary = st.tuples(st.sampled_from(["-", "+"]), num).map(lambda t: f"({t[0]}{t[1]})")
        ifexp = st.tuples(num, conditions(num), num).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})")
        call = st.tuples(st.sampled_from(functions), st.lists(num, min_size=1, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})" if t[0] != "abs" else f"abs({t[1][0]})"
        )
        return st.one_of(binop, unary, ifexp, call)

    return st.recursive(leaves, grow, max_leaves=25)


# --- TOML writing ---------------------------------------------------------------------


def toml_string(text: str) -> str:
    """A TOML basic string holding exactly ``text`` (control characters escaped)."""
    out = ['"']
    for ch in text:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or o == 0x7F or 0xD800 <= o <= 0xDFFF:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        if v.is_nan():
            return "nan"
        if v.is_infinite():
            return "inf" if v > 0 else "-inf"
        s = str(v)
        if "E" in s or "." not in s:
            s = f"{v:E}".replace("E", "e")  # a TOML float needs a fraction or an exponent
            mant, exp = s.split("e")
            if "." not in mant:
                mant += ".0"
            s = f"{mant}e{exp}"
        return s
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return toml_string(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


def toml_key(k) -> str:
    k = str(k)
    if k and all(c.isascii() and (c.isalnum() or c in "_-") for c in k):
        return k
    return toml_string(k)


def to_toml(doc: dict) -> str:
    """Write a plan- or rule-shaped document: scalars, then tables, then arrays of tables."""
    lines: list[str] = []

    def emit_table(prefix: list[str], table: dict, header: str | None) -> None:
        scalars = {k: v for k, v in table.items() if not _is_table(v) and not _is_aot(v)}
        if header is not None:
            lines.append(header)
        for k, v in scalars.items():
            lines.append(f"{toml_key(k)} = {toml_value(v)}")
        for k, v in table.items():
            path = prefix + [toml_key(k)]
            if _is_table(v):
                emit_table(path, v, f"[{'.'.join(path)}]")
            elif _is_aot(v):
                for item in v:
                    emit_table(path, item, f"[[{'.'.join(path)}]]")
        lines.append("")

    emit_table([], doc, None)
    return "\n".join(lines)


def _is_table(v) -> bool:
    return isinstance(v, dict) and bool(v)


def _is_aot(v) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)
