"""One small error hierarchy. Every error knows where it comes from.

An error carries the file, line (and column when known), the key path inside the
TOML document, the rule id when a rule is involved, an excerpt and a suggestion.
The command line prints ``str(error)``: one paragraph, never a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from typing import Iterable, Sequence

from .i18n import msg


def format_key(path: Sequence[object]) -> str:
    """Render a key path the way TOML users write it: ``indicador[3].valor_obtenido.2023``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part)
            bare = text.replace("_", "").replace("-", "")
            if text and (bare.isalnum() or not bare):  # letters, digits, "_" and "-" only
                out += ("." if out else "") + text
            else:
                out += ("." if out else "") + f'"{text}"'
    return out


def did_you_mean(word: str, options: Iterable[str], n: int = 3) -> str:
    from difflib import get_close_matches  # on a mistake only (start-up)

    opts = sorted(set(str(o) for o in options))
    close = get_close_matches(word, opts, n=n, cutoff=0.5)
    if not close:
        lowered = {o.lower(): o for o in opts}
        close = [lowered[c] for c in get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.5)]
    if close:
        return msg("err_did_you_mean", options=", ".join(f"'{c}'" for c in close))
    return ""


def type_name(v: object) -> str:
    """What kind of value ``v`` is, said in the language in force ("un texto", "an integer" ...)."""
    from_type = {str: "rs_type_string", int: "rs_type_integer", bool: "rs_type_boolean", list: "rs_type_array", dict: "rs_type_table"}
    key = from_type.get(type(v)) or ("rs_type_decimal" if isinstance(v, (float, Decimal)) else "rs_type_date" if isinstance(v, (date, time)) else None)
    return msg(key) if key else type(v).__name__


#: pydantic error types -> catalogue id (the context of the error gives the arguments)
_PYDANTIC = {
    "missing": "err_pyd_missing",
    "extra_forbidden": "err_pyd_extra_forbidden",
    "int_type": "err_pyd_int",
    "int_parsing": "err_pyd_int",
    "int_from_float": "err_pyd_int_from_float",
    "float_type": "err_pyd_number",
    "float_parsing": "err_pyd_number",
    "decimal_type": "err_pyd_number",
    "decimal_parsing": "err_pyd_number",
    "string_type": "err_pyd_string",
    "bool_type": "err_pyd_bool",
    "bool_parsing": "err_pyd_bool",
    "list_type": "err_pyd_list",
    "dict_type": "err_pyd_table",
    "model_type": "err_pyd_table",
    "model_attributes_type": "err_pyd_table",
    "too_short": "err_pyd_too_short",
    "too_long": "err_pyd_too_long",
    "string_too_short": "err_pyd_string_too_short",
    "string_too_long": "err_pyd_string_too_long",
    "literal_error": "err_pyd_expected",
    "enum": "err_pyd_expected",
    "greater_than_equal": "err_pyd_ge",
    "greater_than": "err_pyd_gt",
    "less_than_equal": "err_pyd_le",
    "less_than": "err_pyd_lt",
}


def schema_message(err: dict) -> str:
    """A schema validation problem (one of pydantic's ``errors()``) in the language in force.

    Custom validators' messages (``Value error, ...``) are already catalogue text; the common
    pydantic types are said with the catalogue; any other type keeps pydantic's words."""
    typ = err.get("type", "")
    loc = tuple(err.get("loc", ()))
    ctx = dict(err.get("ctx") or {})
    key = _PYDANTIC.get(typ)
    if key is not None:
        ctx.setdefault("name", loc[-1] if loc else "")
        try:
            return msg(key, **{k: str(v) for k, v in ctx.items()})
        except (KeyError, IndexError):  # a pydantic version with other context names
            pass
    text = err.get("msg") or msg("err_pyd_invalid")
    return text[len("Value error, "):] if text.startswith("Value error, ") else text


@dataclass
class PeiError(Exception):
    """Base error: a message plus where it happened."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    key: Sequence[object] | None = None
    rule: str | None = None
    excerpt: str | None = None
    suggestion: str | None = None
    related: list[str] = field(default_factory=list)

    kind = "error"

    def location(self) -> str:
        parts = []
        if self.file:
            loc = self.file
            if self.line:
                loc += f":{self.line}"
                if self.column:
                    loc += f":{self.column}"
            parts.append(loc)
        if self.key:
            parts.append(msg("err_key", key=format_key(self.key)))
        if self.rule:
            parts.append(msg("err_rule", rule=self.rule))
        return ", ".join(parts)

    def __str__(self) -> str:
        loc = self.location()
        text = f"{loc}: {self.message}" if loc else self.message
        if self.excerpt:
            text += f"\n    {self.excerpt}"
            if self.column:
                text += "\n    " + " " * (self.column - 1) + "^"
        if self.suggestion:
            text += "\n  " + msg("err_hint", text=self.suggestion)
        for rel in self.related:
            text += "\n  " + msg("err_see_also", text=rel)
        return text

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "key": format_key(self.key) if self.key else None,
            "rule": self.rule,
            "suggestion": self.suggestion,
        }


class InputFileError(PeiError):
    """A file that cannot be read or is not valid TOML."""

    kind = "input"


class RuleError(PeiError):
    """A rule set that does not load or does not validate."""

    kind = "rule"


class ExpressionError(RuleError):
    """A rule expression outside the allow-list, or malformed."""

    kind = "expression"


class PlanError(PeiError):
    """A plan file that does not validate against the schema."""

    kind = "plan"


class AddressError(PeiError):
    """An unknown figure address (explain) or unknown code."""

    kind = "address"


class UsageError(PeiError):
    """A command used wrongly (bad option value, missing file)."""

    kind = "usage"
