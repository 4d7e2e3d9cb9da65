"""The one message catalogue: every user-facing string is a message id with arguments.

Messages live in ``pei_rules/messages/*.toml`` (package data), one file per area
(``report.toml``, ``errors.toml``, ``import.toml`` ...), one table per id with both
languages::

    [rep_advance]
    es = "Avance (%)"
    en = "Advance (%)"

Spanish (CEPLAN's vocabulary) is the default; English on request (``--lang en``). An id
defined in two files, or missing a language, is an error found by ``tests/test_messages.py``.
Each message is read once, on first use.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

LANGS = ("es", "en")
DEFAULT_LANG = "es"
_MESSAGES_DIR = Path(__file__).resolve().parent / "messages"
_tables: dict[str, str] | None = None  # message id -> its table's TOML text (without the first "[")
_catalogue: dict[str, dict[str, str]] = {}  # message id -> its texts, parsed on first use
_lang: ContextVar[str] = ContextVar("pei_rules_lang", default="")


def _index() -> dict[str, str]:
    """Every message id and its table, as text: the files are read, not parsed (a command says
    a few dozen of the 1,300 messages; parsing them all was a tenth of ``evaluate``'s start-up)."""
    global _tables
    if _tables is None:
        tables: dict[str, str] = {}
        for name in sorted(n for n in os.listdir(_MESSAGES_DIR) if n.endswith(".toml")):
            for table in ("\n" + (_MESSAGES_DIR / name).read_text(encoding="utf-8")).split("\n[")[1:]:  # one [id] table each
                key = table[: table.index("]")]
                if key in tables:
                    raise RuntimeError(f"message id {key!r} is defined twice (second time in {name})")
                tables[key] = table
        _tables = tables
    return _tables


def _entry(key: str) -> dict[str, str]:
    """The texts of message ``key`` (KeyError if there is none), its table parsed now."""
    try:  # package data, trusted: no need for the bounded plan reader; the compiled parser if installed
        import tomli as toml
    except ImportError:  # pragma: no cover - tomli is a declared dependency
        import tomllib as toml
    entry = _catalogue[key] = dict(toml.loads("[" + _index()[key])[key])
    return entry


def catalogue() -> dict[str, dict[str, str]]:
    """Every message id with its texts per language (read-only use)."""
    return {key: _catalogue.get(key) or _entry(key) for key in _index()}


def set_lang(lang: str | None) -> None:
    """Set the language of this context (the CLI sets it from ``--lang``)."""
    _lang.set(lang if lang in LANGS else "")


def current_lang() -> str:
    """The language in force: ``set_lang`` / ``--lang``, else ``PEI_RULES_LANG``, else Spanish."""
    lang = _lang.get()
    if lang:
        return lang
    env = os.environ.get("PEI_RULES_LANG", "")
    return env if env in LANGS else DEFAULT_LANG


def t(lang: str | None, key: str, /, **kw) -> str:
    """The message ``key`` in ``lang`` (``None``: the language in force), formatted with ``kw``."""
    entry = _catalogue.get(key) or _entry(key)
    text = entry.get(lang or current_lang()) or entry[DEFAULT_LANG]
    return text.format(**kw) if kw else text


def msg(key: str, /, **kw) -> str:
    """The message ``key`` in the language in force."""
    return t(None, key, **kw)


def has(key: str) -> bool:
    return key in _index()


class Message(str):
    """A message id with its arguments: a string (its text in the language in force when it
    was made) that can be said again in another language with :meth:`render`.

    Library code that must say something to a person (why a rule set was chosen, why a
    figure has no value, an audit cause) makes a ``Message``; it prints, compares, joins and
    serialises as the text it is, and keeps ``id`` and ``args`` for whoever needs the code.
    Arguments that are themselves ``Message``s are rendered in the same language.
    """

    def __new__(cls, id: str, /, **args):
        lang = _lang.get() or current_lang()
        key = (id, lang, *[(k, v if type(v) is str else _arg_key(v)) for k, v in args.items()]) if args else (id, lang)
        self = _made.get(key)
        if self is not None:  # said before with the same arguments in the same language: the same text
            return self
        self = super().__new__(cls, _render(id, args, lang))
        self.id = id
        self.args = args
        self._key = key
        self.lang = lang
        if len(_made) >= _MADE_MAX:
            _made.clear()
        _made[key] = self
        return self

    @classmethod
    def once(cls, id: str, /, **args) -> "Message":
        """``Message(id, **args)`` without the memo, for a text said once (a reason naming one
        figure's members): its key would cost twice its text."""
        lang = _lang.get() or current_lang()
        self = str.__new__(cls, _render(id, args, lang))
        self.id, self.args, self.lang = id, args, lang
        return self

    def render(self, lang: str | None = None) -> str:
        return _render(self.id, self.args, lang)

    # repr is the text's (a Message stands where a string stood: in dicts, lists, test output)

    def __reduce__(self):  # pickles as id and arguments (batch --jobs sends figures between processes)
        return (_restore, (self.id, self.args, str(self)))

    def to_dict(self) -> dict:
        return {"id": self.id, "args": {k: (v.to_dict() if isinstance(v, Message) else v) for k, v in self.args.items()}}


#: messages already made, by (id, language, arguments): an evaluation says the same reasons
#: ("N/D in the plan", "no data: pim, devengado") for many figures; each is made once
_made: dict[tuple, "Message"] = {}
_MADE_MAX = 4096  # a bounded table: a batch keeps no more than a few MB of them (memory stays flat)


def _arg_key(v) -> object:
    """An argument as part of a message's memo key: a string as itself, a message by its own
    key (its text in other languages may differ), anything else by type and text (Decimal
    1.0 and 1 are equal numbers but print differently)."""
    if type(v) is str:
        return v
    if isinstance(v, Message):
        return v.__dict__.get("_key") or ("message", id(v))  # restored from a pickle: itself (the memo keeps it alive)
    return (type(v).__name__, str(v))


def _render(id: str, args: dict, lang: str | None) -> str:
    # a message argument already said in this language is its own text (not said again)
    return t(lang, id, **{k: (v.render(lang) if isinstance(v, Message) and (lang is None or v.__dict__.get("lang") != lang) else v) for k, v in args.items()})


def _restore(id: str, args: dict, text: str) -> "Message":
    m = str.__new__(Message, text)
    m.id, m.args = id, args
    return m


@contextmanager
def using_lang(lang: str | None):
    """Run a block in ``lang`` (``None``: the environment's or Spanish); the previous choice after."""
    token = _lang.set(lang if lang in LANGS else "")
    try:
        yield
    finally:
        _lang.reset(token)
