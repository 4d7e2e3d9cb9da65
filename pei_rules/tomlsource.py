"""Read TOML and remember where every key was written.

The parser is the compiled ``tomli`` wheel when it is installed (the same code and API as
the standard library's ``tomllib``, compiled with mypyc: about 2x faster), and ``tomllib``
otherwise; both give the same documents (``tests/test_toml_parsers.py``). :data:`PARSER`
names the one in use.

The parser gives values but no positions. Auditors need "file:line, key" for every
input, so :func:`load_toml` also scans the text once and builds a map from key paths
(``("indicador", 3, "valor_obtenido", "2023")``) to 1-based line numbers. Arrays of
tables get their index in the path. Keys inside inline tables and multi-line arrays are
located at the line of the key that opens them; :meth:`SourceDoc.line_of` falls back to
the longest known prefix of a path.

Floats are parsed as ``Decimal`` (never binary floats), and the content hash of the raw
bytes is kept for receipts.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import InputFileError, format_key
from .files import read_limited
from .i18n import msg

try:  # the compiled wheel (same API, parse_float=Decimal); tomllib when it is missing
    import tomli as _toml

    PARSER = "tomli (compiled)" if str(getattr(_toml, "__file__", "")).endswith((".so", ".pyd")) else "tomli"
except ImportError:  # pragma: no cover - exercised by the fallback test with tomli hidden
    import tomllib as _toml

    PARSER = "tomllib"

TOMLDecodeError = _toml.TOMLDecodeError


MAX_FILE_BYTES = 4 * 1024 * 1024  # ~100x the ZED ILO plan; parsing is ~1-2 s per MiB at worst
MAX_DEPTH = 40


@dataclass
class SourceDoc:
    """A parsed TOML file: its data, its sha256, and the line of any key (found on first use)."""
    path: str
    data: dict
    sha256: str
    text_lines: list[str] = field(default_factory=list)
    _lines: dict[tuple, int] | None = field(default=None, repr=False)

    @property
    def lines(self) -> dict[tuple, int]:
        """Key path -> line, built on first use: an evaluation that never cites a plan line
        (a batch run without errors) never pays for scanning the text."""
        if self._lines is None:
            self._lines = _line_map(self.text_lines)
        return self._lines

    def line_of(self, path: tuple | list) -> int | None:
        path = tuple(path)
        while path:
            line = self.lines.get(path)
            if line is not None:
                return line
            path = path[:-1]
        return None

    def excerpt(self, line: int | None) -> str | None:
        if line and 0 < line <= len(self.text_lines):
            return self.text_lines[line - 1].rstrip()
        return None

    def ref(self, path: tuple | list) -> "SourceRef":
        """A reference to a key path; its line is looked up when first read."""
        return SourceRef.lazy(self, tuple(path))


_UNRESOLVED = object()


class SourceRef:
    """Where a value was written: file, line and key path (immutable).

    A reference made by :meth:`SourceDoc.ref` finds its line only when ``line`` is first
    read: counting findings or evaluating without citing a line never scans the plan's text.
    Equality, hashing and ``repr`` are those of the (file, line, key) triple.
    """

    __slots__ = ("file", "key", "_line", "_doc", "_hash")

    def __init__(self, file: str, line: int | None = None, key: tuple = ()):
        _set = object.__setattr__
        _set(self, "file", file)
        _set(self, "_line", line)
        _set(self, "key", key)
        _set(self, "_doc", None)
        _set(self, "_hash", None)

    @classmethod
    def lazy(cls, doc: "SourceDoc", key: tuple) -> "SourceRef":
        ref = cls.__new__(cls)
        _set = object.__setattr__
        _set(ref, "file", doc.path)
        _set(ref, "_line", _UNRESOLVED)
        _set(ref, "key", key)
        _set(ref, "_doc", doc)
        _set(ref, "_hash", None)
        return ref

    @property
    def line(self) -> int | None:
        line = self._line
        if line is _UNRESOLVED:
            line = self._doc.line_of(self.key)
            object.__setattr__(self, "_line", line)
            object.__setattr__(self, "_doc", None)
        return line

    def __setattr__(self, name, value):
        raise AttributeError(f"SourceRef is immutable: cannot assign to '{name}'")

    def __delattr__(self, name):
        raise AttributeError(f"SourceRef is immutable: cannot delete '{name}'")

    def _triple(self) -> tuple:
        return (self.file, self.line, self.key)

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._triple() == other._triple()

    def __hash__(self) -> int:  # made once: a rule line keys the batch JSON's table for every figure
        h = self._hash
        if h is None:
            h = hash(self._triple())
            object.__setattr__(self, "_hash", h)
        return h

    def __repr__(self) -> str:
        return f"SourceRef(file={self.file!r}, line={self.line!r}, key={self.key!r})"

    def __reduce__(self):
        return (SourceRef, self._triple())

    def __str__(self) -> str:

        loc = self.file + (f":{self.line}" if self.line else "")
        return f"{loc} [{format_key(self.key)}]" if self.key else loc

    def to_dict(self) -> dict:

        return {"file": self.file, "line": self.line, "key": format_key(self.key)}


_TOML_POS = r"\(at line (\d+), column (\d+)\)"  # error paths only: compiled on first use (start-up)

# The parser's problem texts (the same in tomli and tomllib) and their catalogue ids; a text not
# listed is shown as the parser wrote it.
_PARSER_TEXTS = {
    "Cannot overwrite a value": "toml_p_cannot_overwrite",
    "Escaped character is not a Unicode scalar value": "toml_p_not_scalar",
    "Expected '=' after a key in a key/value pair": "toml_p_expected_equals",
    "Expected ']' at the end of a table declaration": "toml_p_expected_table_end",
    "Expected ']]' at the end of an array declaration": "toml_p_expected_array_end",
    "Expected newline or end of document after a statement": "toml_p_expected_newline",
    "Invalid date or datetime": "toml_p_invalid_date",
    "Invalid hex value": "toml_p_invalid_hex",
    "Invalid initial character for a key part": "toml_p_invalid_key",
    "Invalid statement": "toml_p_invalid_statement",
    "Invalid value": "toml_p_invalid_value",
    "Unclosed array": "toml_p_unclosed_array",
    "Unclosed inline table": "toml_p_unclosed_inline_table",
    "Unescaped '\\' in a string": "toml_p_unescaped_backslash",
    "Unterminated string": "toml_p_unterminated_string",
}
_ILLEGAL = "Illegal character "
_AT_END = "(at end of document)"


def _parser_text(detail: str) -> str:
    """The parser's problem in the reader's language (its English text when it is not known)."""
    if detail in _PARSER_TEXTS:
        return msg(_PARSER_TEXTS[detail])
    if detail.startswith(_ILLEGAL):
        return msg("toml_p_illegal_character", char=detail[len(_ILLEGAL):])
    return detail


class _TooDeep(ValueError):
    def __init__(self):
        super().__init__("nested too deeply")
        self.path: list = []


def _check_depth(obj: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise _TooDeep()
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for k, v in items:
        try:
            _check_depth(v, depth + 1)
        except _TooDeep as exc:
            exc.path.insert(0, k)  # the key or index, outermost first
            raise


def load_toml(path: str | Path, display: str | None = None) -> SourceDoc:
    """Load a TOML file; raise :class:`InputFileError` naming the file and line."""
    p = Path(path)
    name = display or _display_name(p)
    _refuse_foreign(p, name)
    raw = read_limited(p, MAX_FILE_BYTES, "TOML", display=name)
    return load_toml_bytes(raw, name)


def _refuse_foreign(p: Path, name: str) -> None:
    """A rule or plan file is a ``.toml`` file. A link named ``plan.toml`` to a system file
    (``/etc/passwd``) is refused before parsing, so no message ever echoes its content."""
    try:
        real = p.resolve()
    except (OSError, RuntimeError):
        return
    if real.name != p.name and real.suffix.lower() != ".toml":
        raise InputFileError(msg("trust_link_not_toml", target=str(real)), file=name)


def _display_name(p: Path) -> str:
    """Paths under the working folder are shown relative to it, others as given."""
    if p.is_absolute():
        try:
            return str(p.relative_to(Path.cwd()))
        except ValueError:
            return str(p)
    return str(p)


def load_toml_bytes(raw: bytes, name: str) -> SourceDoc:
    if len(raw) > MAX_FILE_BYTES:
        raise InputFileError(msg("toml_file_too_large", mib=MAX_FILE_BYTES // (1024 * 1024)), file=name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputFileError(
            msg("toml_not_utf8", byte=f"{raw[exc.start]:02x}", offset=exc.start),
            file=name,
            line=line,
            suggestion=msg("toml_save_as_utf8"),
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        data = _toml.loads(text, parse_float=Decimal)
    except _toml.TOMLDecodeError as exc:
        detail = str(exc)
        m = re.search(_TOML_POS, detail)
        line = col = None
        if m:
            line, col = int(m.group(1)), int(m.group(2))
            detail = detail[: m.start()].strip()
        elif detail.endswith(_AT_END):
            detail, line = detail[: -len(_AT_END)].strip(), max(1, text.count("\n") + (not text.endswith("\n")))
        lines = text.splitlines()
        excerpt = lines[line - 1] if line and 0 < line <= len(lines) else None
        raise InputFileError(msg("toml_invalid", detail=_parser_text(detail)), file=name, line=line, column=col, excerpt=excerpt) from None
    except RecursionError:
        line = _line_too_deep(text)
        raise InputFileError(msg("toml_invalid", detail=msg("toml_nested_too_deeply")), file=name, line=line, excerpt=_excerpt(text, line)) from None
    except (ValueError, ArithmeticError):
        # int() past Python's digit limit, or a Decimal exponent beyond what Decimal holds
        line = _line_of_number(text)
        lines = text.splitlines()
        excerpt = lines[line - 1][:200] if line and 0 < line <= len(lines) else None
        raise InputFileError(msg("toml_invalid", detail=msg("toml_number_too_large")), file=name, line=line, excerpt=excerpt) from None
    try:
        _check_depth(data)
    except (_TooDeep, RecursionError) as exc:
        line = _line_too_deep(text)
        key = tuple(getattr(exc, "path", ())[:6])
        raise InputFileError(
            msg("toml_too_deep", n=MAX_DEPTH), file=name, line=line, key=key or None, excerpt=_excerpt(text, line)
        ) from None
    text_lines = text.splitlines()
    return SourceDoc(
        path=name,
        data=data,
        sha256=hashlib.sha256(raw).hexdigest(),
        text_lines=text_lines,
    )


_LONG_NUMBER = r"[0-9_]{1000,}|[eE][+-]?[0-9_]{15,}"


def _excerpt(text: str, line: int | None) -> str | None:
    lines = text.splitlines()
    return lines[line - 1][:200] if line and 0 < line <= len(lines) else None


def _line_too_deep(text: str) -> int | None:
    """The first line where brackets (outside strings and comments) or a table header nest too deep."""
    depth = 0
    for i, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if depth == 0 and s.startswith("[") and s.count(".") >= MAX_DEPTH:
            return i  # [a.b.c....] headers and dotted keys
        if depth == 0 and "=" in s and s.split("=", 1)[0].count(".") >= MAX_DEPTH:
            return i
        value = s.split("=", 1)[1] if depth == 0 and "=" in s and not s.startswith("[") else (s if depth else "")
        for ch in value:  # the deepest point inside the line (best effort: strings are not skipped)
            if ch in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return i
            elif ch in "]}":
                depth -= 1
        depth = max(depth, 0)
    return None


def _line_of_number(text: str) -> int | None:
    m = re.search(_LONG_NUMBER, text)
    return text.count("\n", 0, m.start()) + 1 if m else None


# --- the line scanner ------------------------------------------------------------

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _split_key(s: str) -> list[str]:
    """Split a (possibly dotted, possibly quoted) TOML key into its parts."""
    parts: list[str] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c in " \t.":
            i += 1
            continue
        if c in "\"'":
            j = i + 1
            buf = []
            while j < n and s[j] != c:
                if c == '"' and s[j] == "\\" and j + 1 < n:
                    buf.append(s[j + 1])
                    j += 2
                    continue
                buf.append(s[j])
                j += 1
            parts.append("".join(buf))
            i = j + 1
            continue
        m = _BARE.match(s, i)
        if not m:
            break
        parts.append(m.group(0))
        i = m.end()
    return parts


def _find_unquoted(s: str, target: str) -> int:
    quote = None
    for i, c in enumerate(s):
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == target:
            return i
    return -1


def _bracket_delta(s: str) -> tuple[int, str | None]:
    """Net bracket depth change of a value fragment, and an open multi-line string."""
    depth = 0
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if s.startswith('"""', i) or s.startswith("'''", i):
            q = s[i : i + 3]
            end = s.find(q, i + 3)
            if end < 0:
                return depth, q
            i = end + 3
            continue
        if c in "\"'":
            j = i + 1
            while j < n and s[j] != c:
                j += 2 if (c == '"' and s[j] == "\\") else 1
            i = j + 1
            continue
        if c == "#":
            break
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        i += 1
    return depth, None


#: a whole ``key = value`` line that opens nothing: a bare key, then a plain value or one simple
#: basic string, then maybe a comment (the most common line of a plan, scanned in one match)
#: (no two adjacent quantifiers can match the same spaces: linear time on any line; the
#: lazy form took 30 s on "a = <2,000 spaces>[1]")
_SIMPLE_KV = re.compile(r"""[ \t]*([A-Za-z0-9_-]+)[ \t]*=[ \t]*(?:"[^"\\\n]*"[ \t]*|[^\[\]{}"'#\n \t][^\[\]{}"'#\n]*|)(?:#.*)?""")
_SPECIAL = re.compile(r"[\[\]{}\"']")
_QUOTE = re.compile(r"[\"']")


def _delta(s: str) -> tuple[int, str | None]:
    """:func:`_bracket_delta` with fast paths for the common lines (same results)."""
    if not _SPECIAL.search(s):
        return 0, None  # no bracket and no string: nothing opens or closes
    if not _QUOTE.search(s):
        s = s.split("#", 1)[0]  # without strings, '#' always starts a comment
        return s.count("[") + s.count("{") - s.count("]") - s.count("}"), None
    return _bracket_delta(s)


def _line_map(lines: list[str]) -> dict[tuple, int]:
    out: dict[tuple, int] = {}
    table: tuple = ()
    aot: dict[tuple, int] = {}  # concrete path of an array of tables -> last index

    def concrete(parts: list[str]) -> tuple:
        path: tuple = ()
        for p in parts:
            path = path + (p,)
            if path in aot:
                path = path + (aot[path],)
        return path

    i = 0
    n = len(lines)
    simple = _SIMPLE_KV.fullmatch
    while i < n:
        m = simple(lines[i])
        i += 1
        if m is not None:
            out.setdefault(table + (m.group(1),), i)
            continue
        s = lines[i - 1].strip()
        lineno = i
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
            parts = _split_key(s[1:end] if end > 0 else s[1:])
            table = concrete(parts)
            out.setdefault(table, lineno)
            continue
        eq = s.find("=")
        if eq < 0 or _QUOTE.search(s, 0, eq):
            eq = _find_unquoted(s, "=")  # a quote before the first '=': scan properly
        if eq <= 0:
            continue
        k = s[:eq].strip()
        key = table + ((k,) if _BARE.fullmatch(k) else tuple(_split_key(s[:eq])))
        out.setdefault(key, lineno)
        value = s[eq + 1 :]
        depth, open_string = _delta(value)
        # consume continuation lines of multi-line strings and arrays
        while (open_string or depth > 0) and i < n:
            nxt = lines[i]
            i += 1
            if open_string:
                end = nxt.find(open_string)
                if end < 0:
                    continue
                nxt = nxt[end + 3 :]
                open_string = None
            d, open_string = _delta(nxt)
            depth += d
    return out
