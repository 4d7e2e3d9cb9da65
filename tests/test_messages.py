"""The message catalogue is complete: every id has Spanish and English, no id twice."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pei_rules import i18n

MESSAGES = Path(i18n.__file__).resolve().parent / "messages"


def test_every_message_has_both_languages():
    cat = i18n.catalogue()
    assert cat, "the catalogue is empty"
    for key, entry in cat.items():
        for lang in i18n.LANGS:
            assert entry.get(lang), f"message {key!r} has no {lang!r} text"


def test_no_message_id_defined_twice():
    seen: dict[str, str] = {}
    for path in sorted(MESSAGES.glob("*.toml")):
        for key in tomllib.loads(path.read_text(encoding="utf-8")):
            assert key not in seen, f"{key!r} in {path.name} and {seen[key]}"
            seen[key] = path.name


def test_placeholders_agree_between_languages():
    field = re.compile(r"\{(\w+)[^}]*\}")
    for key, entry in i18n.catalogue().items():
        assert set(field.findall(entry["es"])) == set(field.findall(entry["en"])), key


def test_language_in_force():
    i18n.set_lang("en")
    try:
        assert i18n.msg("total") == "Total" and i18n.msg("band") == "Traffic light"
    finally:
        i18n.set_lang(None)
    assert i18n.msg("band") == "Semáforo"
