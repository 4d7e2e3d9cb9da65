"""What every document writer shares: labels in the reader's language, numbers as the
reader's documents print them, band colours, and people's names for internal figure ids.

* Labels come from the rule set: ``etiqueta`` (Spanish, CEPLAN's term) and, for
  ``--lang en``, ``etiqueta_en`` beside it when the rule set gives one.
* Numbers: Spanish documents print the decimal comma and group thousands with a
  no-break space (``66,7``, ``3 661 516,08``), as Peru's Sistema Legal de Unidades de
  Medida prescribes; the separators may be changed in the rule set's ``[informe.formato]``.
  English documents print ``66.7`` and ``3,661,516.08``. The decimals are the rule set's.
"""
from __future__ import annotations

import re
from decimal import Decimal

from ..evaluate import Evaluation, Figure
from ..i18n import t
from ..ruleset import RuleSet
from ..sanitize import spreadsheet_text

ND_COLOR = "#9e9e9e"
#: used only for bands that do not say their colour: low to high along the scale
FALLBACK_RAMP = ["#c62828", "#ef6c00", "#f9a825", "#9e9d24", "#2e7d32", "#1565c0", "#6a1b9a"]
NBSP = "\u00a0"


# --- labels ------------------------------------------------------------------------------


def _leaf(rules: RuleSet, *path) -> str | None:
    leaf = rules.leaves.get(tuple(path))
    return leaf[0] if leaf and isinstance(leaf[0], str) else None


def kind_label(rules: RuleSet, kind: str, lang: str) -> str:
    """A figure kind's label from the rule set, in ``lang`` when the rule set gives it."""
    if lang == "en":
        if kind == "avance_indicador":
            en = _leaf(rules, "avance", "tipos", rules.principal, "etiqueta_en")
        elif kind.startswith("avance_") and kind[7:] in rules.advance_kinds:
            en = _leaf(rules, "avance", "tipos", kind[7:], "etiqueta_en")
        elif kind in rules.formulas:
            en = _leaf(rules, "formulas", kind, "etiqueta_en")
        elif kind in rules.aggregates:
            en = _leaf(rules, "agregados", kind, "etiqueta_en")
        else:
            en = None
        if en:
            return en
    return rules.label_of(kind)


def band_word(rules: RuleSet, f: Figure | None, lang: str) -> str:
    """The band of a figure as a word ("Verde"), "Sin dato" for N/D, "" when it has no scale."""
    if f is None:
        return ""
    if f.band is not None:
        return band_name_label(rules, f.scale, f.band.name, f.band.label, lang)
    if f.scale:
        return no_data_label(rules, lang)
    return ""


def band_name_label(rules: RuleSet, scale: str | None, band: str, spanish: str, lang: str) -> str:
    if lang == "en" and scale:
        en = _leaf(rules, "semaforo", "escalas", scale, "bandas", band, "etiqueta_en")
        if en:
            return en
    return spanish


def no_data_label(rules: RuleSet, lang: str) -> str:
    if lang == "en":
        return _leaf(rules, "semaforo", "sin_dato_en") or t(lang, "no_data")
    return rules.no_data_label


def count_label(rules: RuleSet, name: str, spanish: str, lang: str) -> str:
    if lang == "en":
        return _leaf(rules, "conteos", name, "etiqueta_en") or spanish
    return spanish


# --- numbers -------------------------------------------------------------------------------


def separators(rules: RuleSet | None, lang: str) -> tuple[str, str]:
    """(decimal mark, group separator) for ``lang``; Spanish ones may come from the rule set."""
    if lang == "en":
        return ".", ","
    dec, grp = ",", NBSP
    if rules is not None:
        d = _leaf(rules, "informe", "formato", "decimal")
        g = _leaf(rules, "informe", "formato", "miles")
        dec = d if d is not None else dec
        grp = (g.replace(" ", NBSP) if g is not None else grp)
    return dec, grp


def number(value: Decimal | int | None, lang: str = "es", rules: RuleSet | None = None, decimals: int | None = None) -> str:
    """A number as the reader's documents print it; N/D for no data, never 0."""
    if value is None:
        return t(lang, "no_data")
    d = Decimal(value)
    if decimals is not None:
        d = d.quantize(Decimal(1).scaleb(-decimals))
    if not d.is_finite():
        return str(d)
    text = format(d, ",f")  # 1,234.5 — then swap to the language's marks
    dec, grp = separators(rules, lang)
    return text.replace(",", "\0").replace(".", dec).replace("\0", grp)


def money(value: Decimal | None, lang: str = "es", rules: RuleSet | None = None) -> str:
    """An amount in soles, two decimals: ``S/ 3 661 516,08``."""
    if value is None:
        return t(lang, "no_data")
    return "S/" + NBSP + number(value, lang, rules, 2)


def exact_text(f: Figure | None) -> str:
    """The unrounded value, all its digits (for tooltips and 'valor exacto' columns)."""
    if f is None or f.exact is None:
        return ""
    d = f.exact
    return format(d.normalize() if d == d.to_integral_value() else d, "f")


# --- colours ---------------------------------------------------------------------------------


def band_colors(rules: RuleSet) -> dict[str, str]:
    """Band name -> '#rrggbb': the rule set's colour, else one by position in the scale."""
    out: dict[str, str] = {}
    for scale in rules.scales.values():
        n = len(scale.bands)
        for i, b in enumerate(scale.bands):
            if b.color:
                out.setdefault(b.name, b.color)
            else:
                idx = 0 if n == 1 else round(i * (len(FALLBACK_RAMP) - 1) / (n - 1))
                out.setdefault(b.name, FALLBACK_RAMP[idx])
    out.setdefault("sin_dato", ND_COLOR)
    return out


def tint(color: str, keep: float = 0.35) -> str:
    """The colour mixed with white: a light cell shading that keeps black text readable."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))

    def mix(c: int) -> int:
        return round(c * keep + 255 * (1 - keep))

    return f"{mix(r):02X}{mix(g):02X}{mix(b):02X}"


# --- people's names for internal ids -----------------------------------------------------------

_ID = re.compile(r"\b([a-z][a-z0-9_]*):([A-Za-z0-9][A-Za-z0-9._\-]*[A-Za-z0-9]|[A-Za-z0-9])")
_LONG = re.compile(r"(?<![\w.])\d+\.\d{7,}(?![\w.])")  # a value with every digit: shortened for reading
_BARE = re.compile(r"\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b")


def humanize(text: str, ev: Evaluation, lang: str, numbers=None) -> str:
    """Replace internal figure ids in a sentence (``ejecucion_fisica_aei:AEI.02.01``,
    ``ejecucion_ponderada``, ``conteo:ejecucion_fisica_ao:total``) with their labels, and
    shorten values written with every digit (``numbers`` formats them; default: the
    document's Peruvian format)."""
    if ":" not in text and "_" not in text and "." not in text:  # no id, no long value
        return text
    rules = ev.rules
    kinds = set(rules.figure_kinds())

    def count_ref(m: re.Match) -> str:
        name, band = m.group(1), m.group(2)
        c = rules.counts.get(name)
        if c is None:
            return m.group(0)
        label = count_label(rules, name, c.label, lang)
        if band == "total":
            return f"{label} ({t(lang, 'total').lower()})"
        scale = rules.band_for.get(c.figure)
        bands = {b.name: b for b in rules.scales[scale].bands} if scale else {}
        word = band_name_label(rules, scale, band, bands[band].label, lang) if band in bands else band
        return f"{label} ({word})"

    if "conteo:" in text:  # each replacement only where its words can be (a report has hundreds of cells)
        text = re.sub(r"\bconteo:([a-z0-9_]+):([a-z0-9_]+)\b", count_ref, text)
    if "dato:" in text:
        text = re.sub(r"\bdato:([A-Za-z0-9_.\[\]\-]+)", lambda m: t(lang, "doc_plan_datum", path=m.group(1)), text)

    def entity_ref(m: re.Match) -> str:
        kind, code = m.group(1), m.group(2)
        if kind not in kinds:
            return m.group(0)
        return f"{kind_label(rules, kind, lang)} {code}"

    if ":" in text:
        text = _ID.sub(entity_ref, text)
    fmt = numbers or (lambda d: number(d, lang, rules))
    if "." in text:
        text = _LONG.sub(lambda m: fmt(Decimal(m.group(0)).quantize(Decimal("0.0001"))) + "…", text)
    return _BARE.sub(lambda m: kind_label(rules, m.group(1), lang) if m.group(1) in kinds else m.group(0), text) if "_" in text else text


# --- spreadsheet text ----------------------------------------------------------------------------

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def cell_text(text: str) -> str:
    """A text cell that a spreadsheet shows as text: characters XML cannot hold removed, and a
    leading ``= + - @`` (or tab/CR, or their full-width forms) prefixed with ``'`` so the
    program never evaluates it as a formula (OWASP's CSV-injection advice)."""
    return spreadsheet_text(_ILLEGAL_XML.sub("", text), keep_numbers=False)  # the one neutraliser (pei_rules.sanitize)


def interval_text(band) -> str:
    """A band's interval as people read it: "< b", "[a, b)", "≥ a"."""
    if band.lower is None and band.upper is None:
        return ""
    if band.lower is None:
        return ("≤ " if band.upper_closed else "< ") + format(band.upper, "f")
    if band.upper is None:
        return ("≥ " if band.lower_closed else "> ") + format(band.lower, "f")
    return band.text
