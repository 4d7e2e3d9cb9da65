"""Typed access to a rule set's merged tree: every problem cites the file:line of its key,
in the language in force. Also the semáforo's interval syntax (``"[a, b)"``)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable

from ..errors import RuleError, did_you_mean, type_name
from ..expressions import Expression, Where, compile_expression, reserved_name
from ..i18n import current_lang, msg
from ..tomlsource import SourceRef
from .schema import leaf_ref

def _unflatten(leaves: dict[tuple, tuple[Any, SourceRef]]) -> dict:
    root: dict = {}
    for path, (v, _) in leaves.items():
        node = root
        for k in path[:-1]:
            nxt = node.get(k)
            if not isinstance(nxt, dict):
                nxt = node[k] = {}
            node = nxt
        node[path[-1]] = v
    return root


class _Reader:
    """Typed access to the merged rule tree, with errors that cite file:line."""

    def __init__(self, folder: Path, leaves: dict):
        self.folder = folder
        self.leaves = leaves
        self.tree = _unflatten(leaves)

    def ref(self, path: tuple) -> SourceRef:
        found = leaf_ref(self.leaves, path)
        if found:
            return found
        # a missing key: point at the table that should hold it (its first leaf's file:line)
        for n in range(len(path) - 1, 0, -1):
            for k, (_, r) in self.leaves.items():
                if k[:n] == path[:n] and r.line:
                    return SourceRef(r.file, r.line, path)
        return SourceRef(str(self.folder), None, path)

    def fail(self, path: tuple, message: str, suggestion: str | None = None, excerpt: str | None = None):
        r = self.ref(path)
        raise RuleError(message, file=r.file, line=r.line, key=path, suggestion=suggestion, excerpt=excerpt)

    def get(self, path: tuple, default: Any = ...):
        node: Any = self.tree
        for k in path:
            if not isinstance(node, dict) or k not in node:
                if default is ...:
                    self.fail(path, msg("rf_missing_key", key=path[-1] if path else ""))
                return default
            node = node[k]
        return node

    def table(self, path: tuple, default: Any = ...) -> dict:
        v = self.get(path, default)
        if v is default and default is not ...:
            return v
        if not isinstance(v, dict):
            self.fail(path, msg("rs_must_be_table_got", type=type_name(v)))
        return v

    def label(self, path: tuple, default: Any = ..., key: str = "etiqueta") -> str:
        """The label at ``path + (key,)`` in the language in force: ``<key>_en`` under English
        when the rule file gives one (the Spanish one stays CEPLAN's authoritative term)."""
        es = self.string(path + (key,), default)
        en = self.get(path + (f"{key}_en",), None)
        if en is not None and not isinstance(en, str):
            self.fail(path + (f"{key}_en",), msg("rf_must_be_string", type=type_name(en)))
        return en if en and current_lang() == "en" else es

    def string(self, path: tuple, default: Any = ..., choices: Iterable[str] | None = None) -> str:
        v = self.get(path, default)
        if v is default and default is not ...:
            return v
        if not isinstance(v, str):
            self.fail(path, msg("rf_must_be_string", type=type_name(v)))
        if choices is not None:
            choices = list(choices)
            if v not in choices:
                self.fail(path, msg("rf_not_one_of", value=v, options=", ".join(choices)), suggestion=did_you_mean(v, choices) or None)
        return v

    def integer(self, path: tuple, default: Any = ..., lo: int | None = None, hi: int | None = None) -> int:
        v = self.get(path, default)
        if v is default and default is not ...:
            return v
        if isinstance(v, bool) or not isinstance(v, int):
            self.fail(path, msg("rs_must_be_integer", type=type_name(v)))
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            self.fail(path, msg("rs_between", lo=lo, hi=hi, value=v))
        return v

    def known_keys(self, path: tuple, allowed: Iterable[str]) -> None:
        node = self.get(path, None)
        if not isinstance(node, dict):
            return
        allowed = list(allowed)
        for k in node:
            if k not in allowed and not str(k).startswith("_"):
                self.fail(path + (k,), msg("rf_unknown_key", key=k), suggestion=did_you_mean(str(k), allowed) or msg("rf_allowed", keys=", ".join(allowed)))

    def known_figure(self, path: tuple, kind: str, kinds: Iterable[str]) -> None:
        if kind not in kinds:
            self.fail(path, msg("rs_unknown_figure", name=kind), suggestion=did_you_mean(kind, kinds) or None)

    def expr(self, path: tuple, names: set[str], functions: frozenset[str], rule: str) -> Expression:
        text = self.get(path)
        r = self.ref(path)
        return compile_expression(text, names, functions, Where(file=r.file, line=r.line, key=path, rule=rule))


def _not_reserved(R: "_Reader", path: tuple, name: object) -> None:
    """Every name a rule set declares is checked against the engine's reserved set."""
    if isinstance(name, str) and reserved_name(name):
        R.fail(path, msg("trust_reserved_name", name=name), suggestion=msg("trust_reserved_name_hint"))


MAX_BOUND_CHARS = 60  # a bound is a number or an infinity: no legitimate one is longer
MAX_BOUND = Decimal("1E15")  # beyond any percentage or amount; charts and Decimal stay exact


def _parse_bound(text: str) -> Decimal | None | str:
    t = text.strip().lower()
    if t in ("-inf", "-infinito", "+inf", "inf", "+infinito", "infinito"):
        return None
    try:
        d = Decimal(t)
    except InvalidOperation:
        return "bad"
    if not d.is_finite():
        return "bad"
    return d


def _parse_interval(text: str) -> tuple[Decimal | None, bool, Decimal | None, bool] | str:
    """Parse ``"[a, b)"`` by hand, in one pass (a regular expression with lazy groups took
    minutes on a bound padded with thousands of spaces)."""
    if not isinstance(text, str):
        return msg("rs_interval_hint")
    s = text.strip()
    if len(s) < 2 or s[0] not in "[(]" or s[-1] not in "])[" or s[1:-1].count(",") != 1:
        return msg("rs_interval_hint")
    lo_b, hi_b = s[0], s[-1]
    lo_t, hi_t = (part.strip() for part in s[1:-1].split(","))
    if not lo_t or not hi_t:
        return msg("rs_interval_hint")
    lo = _parse_bound(lo_t) if len(lo_t) <= MAX_BOUND_CHARS else "bad"
    hi = _parse_bound(hi_t) if len(hi_t) <= MAX_BOUND_CHARS else "bad"
    if lo == "bad" or hi == "bad":
        return msg("rs_interval_bounds")
    if any(isinstance(b, Decimal) and abs(b) > MAX_BOUND for b in (lo, hi)):
        return msg("rs_interval_bound_range", max=f"{MAX_BOUND:.0E}")
    if lo is None and not lo_t.strip().startswith("-"):
        return msg("rs_interval_lower_inf")
    if hi is None and hi_t.strip().startswith("-"):
        return msg("rs_interval_upper_inf")
    lo_closed = lo_b == "[" and lo is not None
    hi_closed = hi_b == "]" and hi is not None
    if lo is not None and hi is not None and (lo > hi or (lo == hi and not (lo_closed and hi_closed))):
        return msg("rs_interval_empty")
    return lo, lo_closed, hi, hi_closed


def _active(R: _Reader, path: tuple) -> bool:
    """``activo = false`` switches an (inherited) figure off; anything else but a boolean is an error."""
    v = R.get(path + ("activo",), True)
    if not isinstance(v, bool):
        R.fail(path + ("activo",), msg("rs_must_be_bool"))
    return v
