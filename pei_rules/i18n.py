"""The one message catalogue: every user-facing string is a message id with arguments.

Messages live in ``pei_rules/messages/*.toml`` (package data), one file per area
(``report.toml``, ``errors.toml``, ``import.toml`` ...), one table per id with both
languages::

    [rep_advance]
    es = "Avance (%)"
    en = "Advance (%)"

Spanish (CEPLAN's vocabulary) is the default; English on request (``--lang en``). An id
defined in two files, or missing a language, is an error found by ``tests/test_messages.py``.
The catalogue is read once, on first use.
"""
from __future__ import annotations

import os
from contextvars import ContextVar
from pathlib import Path

LANGS = ("es", "en")
DEFAULT_LANG = "es"
_MESSAGES_DIR = Path(__file__).resolve().parent / "messages"
_catalogue: dict[str, dict[str, str]] | None = None
_lang: ContextVar[str] = ContextVar("pei_rules_lang", default="")


def _load() -> dict[str, dict[str, str]]:
    global _catalogue
    if _catalogue is None:
        try:  # package data, trusted: no need for the bounded plan reader; the compiled parser if installed
            import tomli as toml
        except ImportError:  # pragma: no cover - tomli is a declared dependency
            import tomllib as toml

        cat: dict[str, dict[str, str]] = {}
        for path in sorted(_MESSAGES_DIR.glob("*.toml")):
            doc = toml.loads(path.read_text(encoding="utf-8"))
            for key, entry in doc.items():
                if key in cat:
                    raise RuntimeError(f"message id {key!r} is defined twice (second time in {path.name})")
                cat[key] = dict(entry)
        _catalogue = cat
    return _catalogue


def catalogue() -> dict[str, dict[str, str]]:
    """Every message id with its texts per language (read-only use)."""
    return _load()


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


def t(lang: str | None, key: str, **kw) -> str:
    """The message ``key`` in ``lang`` (``None``: the language in force), formatted with ``kw``."""
    entry = _load()[key]
    text = entry.get(lang or current_lang()) or entry[DEFAULT_LANG]
    return text.format(**kw) if kw else text


def msg(key: str, **kw) -> str:
    """The message ``key`` in the language in force."""
    return t(None, key, **kw)


def has(key: str) -> bool:
    return key in _load()
