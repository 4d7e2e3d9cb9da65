"""Shared Hypothesis strategies (numbers, rule expressions, malformed plan and rule files).

Keep strategies here, tests elsewhere. Everything generated is deterministic given
Hypothesis' seed; nothing here touches the network or the repository's files.
"""
from __future__ import annotations

import copy as _copy
import tomllib as _tomllib
from decimal import Decimal
from pathlib import Path as _Path

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
        # str() keeps every digit and the exponent: "1E-28" and "1.50" read back as the same Decimal
        # (an integral Decimal without exponent is written as a TOML integer)
        return str(v).replace("E", "e")
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


# --- malformed plan files -------------------------------------------------------------
#
# Start from a valid plan (tests/fixtures/broken/valid_plan.toml) and break exactly one
# thing. Each strategy gives (document or bytes, kind, key path the message must name).

VALID_PLAN_PATH = _Path(__file__).resolve().parent / "fixtures" / "broken" / "valid_plan.toml"


def valid_plan_doc() -> dict:
    return _tomllib.loads(VALID_PLAN_PATH.read_text(encoding="utf-8"), parse_float=Decimal)


def _get(doc, path):
    for p in path:
        doc = doc[p]
    return doc


def _paths(doc) -> dict[str, list[tuple]]:
    """Key paths of the valid plan, by role."""
    ind = range(len(doc["indicador"]))
    aos = range(len(doc["poi"]["2023"]["ao"]))
    values = [("poi", "2023", "pim"), ("poi", "2023", "devengado"), ("poi", "2023", "ao", 0, "programado"), ("poi", "2023", "ao", 0, "ejecutado")]
    values += [("indicador", i, f, "2023") for i in ind for f in ("logro_esperado", "valor_obtenido")]
    values += [("indicador", 1, "linea_base", "valor")] + [("poi", "2023", "ao", 1, "programado_mensual", k) for k in range(12)]
    codes = [("entidad", "codigo")] + [(t, i, "codigo") for t in ("oei", "aei", "indicador") for i in range(len(doc[t]))]
    codes += [("poi", "2023", "ao", j, "codigo") for j in aos]
    required = [("entidad", "codigo"), ("entidad", "nombre"), ("plan", "desde"), ("plan", "hasta")]
    required += [("oei", i, k) for i in range(len(doc["oei"])) for k in ("codigo", "denominacion")]
    required += [("aei", i, k) for i in range(len(doc["aei"])) for k in ("codigo", "oei", "denominacion")]
    required += [("indicador", i, k) for i in ind for k in ("codigo", "de", "nombre", "unidad_medida", "sentido", "agregacion")]
    required += [("poi", "2023", "ao", j, k) for j in aos for k in ("codigo", "aei")]
    required += [("publicado", 0, k) for k in ("figura", "valor", "fuente")] + [("indicador", 1, "linea_base", "anio")]
    tables = [(), ("entidad",), ("plan",), ("poi", "2023"), ("indicador", 1, "linea_base"), ("publicado", 0)]
    tables += [(t, i) for t in ("oei", "aei", "indicador") for i in range(len(doc[t]))] + [("poi", "2023", "ao", j) for j in aos]
    return {"values": values, "codes": codes, "required": required, "tables": tables}


_DOC = valid_plan_doc()
PLAN_PATHS = _paths(_DOC)

bad_numbers = st.one_of(
    st.sampled_from([Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")]),
    st.integers(min_value=15, max_value=400).map(lambda e: Decimal(1).scaleb(e)),  # |x| >= 1e15
    st.integers(min_value=15, max_value=400).map(lambda e: -Decimal(1).scaleb(e)),
    st.integers(min_value=29, max_value=60).map(lambda n: Decimal("1." + "1" * n)),  # more than 28 digits
)
wrong_typed = st.one_of(st.booleans(), st.text(max_size=20).filter(lambda s: s.strip().casefold() not in {"n/d", "nd", "s/d", "sin dato"}), st.just([1, 2]), st.just({"a": 1}))


@st.composite
def broken_plans(draw) -> tuple[dict, str, tuple]:
    """A plan document with one thing broken: (doc, what, key path the error must name)."""
    doc = _copy.deepcopy(_DOC)
    what = draw(st.sampled_from(["missing_key", "extra_key", "duplicate_code", "bad_number", "wrong_type_value", "empty_code", "deep", "wide"]))
    if what == "missing_key":
        path = draw(st.sampled_from(PLAN_PATHS["required"]))
        del _get(doc, path[:-1])[path[-1]]
        return doc, what, path
    if what == "extra_key":
        path = draw(st.sampled_from(PLAN_PATHS["tables"]))
        key = "zz_" + draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12))
        _get(doc, path)[key] = draw(st.one_of(st.integers(), st.text(max_size=10), st.booleans()))
        return doc, what, path + (key,)
    if what == "duplicate_code":
        a, b = draw(st.lists(st.sampled_from(PLAN_PATHS["codes"][1:]), min_size=2, max_size=2, unique=True))
        _get(doc, b[:-1])["codigo"] = _get(doc, a)
        return doc, what, ()  # the later of the two is named; which one depends on the order
    if what == "bad_number":
        path = draw(st.sampled_from(PLAN_PATHS["values"]))
        _get(doc, path[:-1])[path[-1]] = draw(bad_numbers)
        return doc, what, path
    if what == "wrong_type_value":
        path = draw(st.sampled_from(PLAN_PATHS["values"]))
        _get(doc, path[:-1])[path[-1]] = draw(wrong_typed)
        return doc, what, path
    if what == "empty_code":
        path = draw(st.sampled_from(PLAN_PATHS["codes"]))
        _get(doc, path[:-1])[path[-1]] = draw(st.sampled_from(["", " ", "\t"]))
        return doc, what, path
    if what == "deep":
        path = draw(st.sampled_from(PLAN_PATHS["tables"]))
        depth = draw(st.integers(min_value=41, max_value=400))
        v: object = 1
        for _ in range(depth):
            v = [v]
        _get(doc, path)["nota"] = v
        return doc, what, path
    # wide: a table with thousands of unknown keys
    path = draw(st.sampled_from(PLAN_PATHS["tables"]))
    n = draw(st.integers(min_value=500, max_value=5000))
    t = _get(doc, path)
    for i in range(n):
        t[f"zz{i}"] = i
    return doc, what, path


@st.composite
def valid_edge_plans(draw) -> tuple[dict, Decimal, Decimal]:
    """A valid plan whose first AEI indicator gets edge values (zero, negative, bounds, huge)."""
    doc = _copy.deepcopy(_DOC)
    ind = doc["indicador"][1]
    esperado = draw(plan_numbers())
    obtenido = draw(plan_numbers())
    ind["logro_esperado"]["2023"] = esperado
    ind["valor_obtenido"]["2023"] = obtenido
    return doc, esperado, obtenido


def mutate_bytes(raw: bytes) -> st.SearchStrategy[bytes]:
    """Byte-level damage: truncation, flipped bytes, inserted invalid UTF-8 or brackets."""

    @st.composite
    def _m(draw):
        data = bytearray(raw)
        for _ in range(draw(st.integers(min_value=1, max_value=4))):
            op = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "brackets"]))
            pos = draw(st.integers(min_value=0, max_value=max(len(data) - 1, 0)))
            if op == "truncate":
                data = data[:pos]
            elif op == "flip" and data:
                data[pos] = draw(st.integers(min_value=0, max_value=255))
            elif op == "insert":
                data[pos:pos] = draw(st.sampled_from([b"\xff", b"\xc3", b"\x00", b"\"", b"[", b"=", b"\n", b"nan", b"1e999999999999999999999", b"9" * 5000]))
            elif op == "delete" and data:
                del data[pos : pos + draw(st.integers(min_value=1, max_value=20))]
            elif op == "brackets":
                data[pos:pos] = b"x = " + b"[" * 300 + b"\n"
        return bytes(data)

    return _m()


# --- malformed rule files ---------------------------------------------------------------

HOSTILE_EXPRESSIONS = [
    "().__class__.__bases__[0].__subclasses__()",
    "9**9**9",
    "__import__('os')",
    "obtenido; 1",
    "ｏｂｔｅｎｉｄｏ",
    "(not obtenido) / (not obtenido)",
    "1e999999999",
    "(" * 50 + "1" + ")" * 50,
    "min()",
    "obtenido if obtenido else 0",
    "100 * obtenido / esperado",
    "obtenido >> 1",
    "",
    "tope",
]


def _leaves(doc, prefix=()):
    for k, v in doc.items():
        if isinstance(v, dict) and v:
            yield from _leaves(v, prefix + (k,))
        else:
            yield prefix + (k,)


def _tables(doc, prefix=()):
    yield prefix
    for k, v in doc.items():
        if isinstance(v, dict):
            yield from _tables(v, prefix + (k,))


rule_values = st.one_of(
    st.sampled_from(HOSTILE_EXPRESSIONS),
    st.text(max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.booleans(),
    bad_numbers,
    plan_numbers(),
    st.lists(st.one_of(st.text(max_size=8), st.integers()), max_size=4),
    st.integers(min_value=41, max_value=200).map(lambda d: eval("[" * d + "1" + "]" * d)),
    st.just({}),
    st.just({"x": "1"}),
)


@st.composite
def broken_rule_files(draw, docs: dict[str, dict]) -> dict[str, str]:
    """All files of a rule set as text, one of them with one leaf replaced, deleted or added."""
    name = draw(st.sampled_from(sorted(docs)))
    doc = _copy.deepcopy(docs[name])
    op = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
    if op == "add":
        table = draw(st.sampled_from(list(_tables(doc))))
        key = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=10))
        _get(doc, table)[key] = draw(rule_values)
    else:
        path = draw(st.sampled_from(list(_leaves(doc))))
        if op == "delete":
            del _get(doc, path[:-1])[path[-1]]
        else:
            _get(doc, path[:-1])[path[-1]] = draw(rule_values)
    out = {n: to_toml(d) for n, d in docs.items() if n != name}
    out[name] = to_toml(doc)
    return out


# --- spreadsheet numbers (pei_rules.inputs.numbers) -------------------------------------


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    return sep.join([digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)])


@st.composite
def peruvian_numbers(draw):
    """(text as an office writes it, the Decimal it means, the decimal separator it uses or None).

    Decimal comma or point, thousands grouped with the other separator (or a space), an
    ``S/`` prefix or a ``%`` suffix, a sign; the value kept as written (trailing zeros too)."""
    int_part = draw(st.integers(min_value=0, max_value=10**13))
    decimals = draw(st.integers(min_value=0, max_value=4))
    frac = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=decimals, max_size=decimals)))
    negative = draw(st.booleans()) and (int_part > 0 or any(ch != "0" for ch in frac))
    dec = draw(st.sampled_from([",", "."]))
    th = draw(st.sampled_from(["", " ", "." if dec == "," else ","]))
    digits = str(int_part)
    grouped = _group(digits, th) if th else digits
    text = grouped + (dec + frac if frac else "")
    decoration = draw(st.sampled_from(["", "S/", "S/ ", "%"]))
    if decoration == "%":
        text = text + draw(st.sampled_from(["%", " %"]))
    elif decoration:
        text = decoration + text
    if negative:
        text = "-" + text
    value = Decimal(("-" if negative else "") + digits + ("." + frac if frac else ""))
    shows_decimal = bool(frac) or (th not in ("", " ") and len(digits) > 3)
    sep = (dec if frac else ("," if th == "." else ".")) if shows_decimal else None
    return text, value, sep


# --- hostile user text (issue 10: every regex or parser that sees user text is linear) -------

#: characters regular expressions over user text care about: spaces, separators, brackets
HOSTILE_ALPHABET = " \t\r\n,;:=-_.()[]{}\"'#/\\0123456789eEaoOIprid+%<>"


@st.composite
def hostile_text(draw, max_size: int = 20_000) -> str:
    """A long string made to trip backtracking: a few pieces, each repeated thousands of times
    (padding of spaces between brackets and commas, runs of digits, of separators ...)."""
    pieces = draw(st.lists(st.text(alphabet=HOSTILE_ALPHABET, min_size=1, max_size=4), min_size=1, max_size=5))
    out = []
    budget = max_size
    for p in pieces:
        n = draw(st.integers(0, max(0, budget // len(p))))
        out.append(p * n)
        budget -= len(p) * n
    return "".join(out)
