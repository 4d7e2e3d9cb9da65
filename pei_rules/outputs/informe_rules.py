"""The rule set's ``[informe]`` section: which figure fills each place of the Informe de
evaluación, the declarative rule that selects the AEI críticas, and the sentence templates.

Read from the rule set's leaves (the section is carried as data by :mod:`pei_rules.ruleset`)
and validated here, when an informe is made: every error names the rule file, line and key.
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any

from ..errors import RuleError, did_you_mean
from ..i18n import msg
from ..sanitize import document_text, has_controls
from ..ruleset import RuleSet

SECTION = "informe"
#: the places of the informe a rule set fills with one of its figures, and the scope each needs
PLACES = {
    "avance_oei": "oei",
    "avance_aei": "aei",
    "avance_indicador": "indicador",
    "ejecucion_aei": "aei",
    "ponderada": "plan",
    "ejecucion_ao": "ao",
    "avance_fisico_poi": "plan",
    "mediana_poi": "plan",
    "avance_financiero": "plan",
}
#: the sentences the informe writes, and the context each is written in
SENTENCES = {
    "resumen_avance": "plan",
    "resumen_aei": "plan",
    "oei_avance": "oei",
    "oei_sin_dato": "oei",
    "aei_avance": "aei",
    "aei_sin_dato": "aei",
    "criticas": "plan",
    "critica": "critica",
    "conclusion_ejecucion_fisica": "plan",
    "conclusion_indicadores": "plan",
    "conclusion_poi": "plan",
}
VARIANTS = {"si_cero": 0, "si_uno": 1}
PLAN_VARIABLES = ["entidad", "anio", "desde", "hasta", "n_oei", "n_aei", "n_ao", "n_indicadores_aei", "pim", "devengado", "n_criticas", "criticas"]
ENTITY_VARIABLES = ["codigo", "denominacion", "responsable", "prioridad"]


@dataclass
class Sentence:
    name: str
    texts: dict[str, str]  # lang -> template
    count: str | None = None
    variants: dict[int, dict[str, str]] = field(default_factory=dict)
    where: str = ""

    def template(self, lang: str, n: int | None = None) -> str:
        texts = self.variants.get(n, self.texts) if n is not None else self.texts
        return texts.get(lang) or texts["es"]


@dataclass
class InformeRules:
    places: dict[str, str]  # place -> figure kind
    critical_kinds: list[str]
    critical_bands: list[str]
    critical_no_data: bool
    sentences: dict[str, Sentence]
    critical_where: str = ""


def _table(rules: RuleSet, path: tuple) -> dict | None:
    node = rules.extra.get(SECTION)
    for p in path[1:]:
        if not isinstance(node, dict) or p not in node:
            return None
        node = node[p]
    return node if isinstance(node, dict) else None


def variables(rules: RuleSet, context: str) -> set[str]:
    """Every variable a sentence of ``context`` (plan, oei, aei, critica) may use."""
    names = set(PLAN_VARIABLES)
    for kind in rules.figure_kinds():
        if rules.scope_of(kind) == "plan":
            names |= {kind, f"banda_{kind}"}
    for c in rules.counts.values():
        scale = rules.band_for[c.figure]
        names |= {f"n_{c.name}_{b.name}" for b in rules.scales[scale].bands} | {f"n_{c.name}_sin_dato", f"n_{c.name}_total"}
    for scale in rules.scales.values():
        for b in scale.bands:
            names |= {f"{b.name}_desde", f"{b.name}_hasta"}
    if context in ("oei", "aei", "critica"):
        names |= set(ENTITY_VARIABLES)
        scope = "oei" if context == "oei" else "aei"
        for kind in rules.figure_kinds():
            if rules.scope_of(kind) == scope:
                names |= {kind, f"banda_{kind}"}
    if context == "critica":
        names.add("motivos")
    return names


def _check_template(rules: RuleSet, path: tuple, text, allowed: set[str]) -> str:
    if not isinstance(text, str) or not text.strip():
        raise rules.error(path, msg("doc_rule_not_text"))
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        raise rules.error(path, msg("doc_rule_bad_template", why=str(exc)), suggestion=msg("doc_rule_braces_hint"))
    for f in fields:
        if f not in allowed:
            raise rules.error(path, msg("doc_rule_unknown_variable", name=f), suggestion=did_you_mean(f, sorted(allowed)) or None)
    return text


def _load_places(rules: RuleSet) -> dict[str, str]:
    """``[informe.figuras]``: the figure kind shown in each place of the document."""
    kinds = rules.figure_kinds()
    places: dict[str, str] = {}
    fig = _table(rules, (SECTION, "figuras")) or {}
    for k in fig:
        if k not in PLACES:
            raise rules.error((SECTION, "figuras", k), msg("doc_rule_unknown_key", name=k), suggestion=did_you_mean(str(k), list(PLACES)) or None)
    for place, scope in PLACES.items():
        if place not in fig:
            raise rules.error((SECTION, "figuras"), msg("doc_rule_missing_place", place=place), suggestion=msg("doc_rule_add", text=f'{place} = "..."'))
        kind = fig[place]
        if not isinstance(kind, str) or kind not in kinds:
            raise rules.error((SECTION, "figuras", place), msg("doc_rule_unknown_figure", name=str(kind)), suggestion=did_you_mean(str(kind), kinds) or None)
        if rules.scope_of(kind) != scope:
            raise rules.error((SECTION, "figuras", place), msg("doc_rule_wrong_scope", name=kind, scope=rules.scope_of(kind), want=scope))
        places[place] = kind
    return places


def _load_critical(rules: RuleSet) -> tuple[list[str], list[str], bool]:
    """``[informe.criticas]``: which AEI figures, in which bands, make an AEI critical."""
    crit = _table(rules, (SECTION, "criticas"))
    if crit is None:
        raise rules.error((SECTION,), msg("doc_rule_missing_table", table="[informe.criticas]"))
    for k in crit:
        if k not in ("cifras", "bandas", "incluir_sin_dato"):
            raise rules.error((SECTION, "criticas", k), msg("doc_rule_unknown_key", name=k), suggestion=msg("rf_known", known="cifras, bandas, incluir_sin_dato"))
    ck = crit.get("cifras")
    if not isinstance(ck, list) or not ck or not all(isinstance(x, str) for x in ck):
        raise rules.error((SECTION, "criticas", "cifras"), msg("doc_rule_list_of_names"))
    aei_kinds = [k for k in rules.figure_kinds() if rules.scope_of(k) == "aei"]
    for k in ck:
        if k not in aei_kinds:
            raise rules.error((SECTION, "criticas", "cifras"), msg("doc_rule_not_aei_figure", name=k), suggestion=did_you_mean(k, aei_kinds) or ", ".join(aei_kinds))
        if k not in rules.band_for:
            raise rules.error((SECTION, "criticas", "cifras"), msg("doc_rule_no_scale", name=k))
    cb = crit.get("bandas")
    if not isinstance(cb, list) or not cb or not all(isinstance(x, str) for x in cb):
        raise rules.error((SECTION, "criticas", "bandas"), msg("doc_rule_list_of_names"))
    for b in cb:
        for k in ck:
            names = [x.name for x in rules.scales[rules.band_for[k]].bands]
            if b not in names:
                raise rules.error((SECTION, "criticas", "bandas"), msg("doc_rule_unknown_band", band=b, name=k), suggestion=did_you_mean(b, names) or ", ".join(names))
    nd = crit.get("incluir_sin_dato", False)
    if not isinstance(nd, bool):
        raise rules.error((SECTION, "criticas", "incluir_sin_dato"), msg("doc_rule_bool"))
    return list(ck), list(cb), nd


def _load_sentence(rules: RuleSet, name: str, context: str, st: Any) -> Sentence:
    """``[informe.oraciones.NAME]``: its texts per language, its count and the variants for
    a count of zero or one."""
    path = (SECTION, "oraciones", name)
    if not isinstance(st, dict):
        raise rules.error((SECTION, "oraciones") if st is None else path, msg("doc_rule_missing_sentence", name=name), suggestion=msg("doc_rule_add", text=f'[informe.oraciones.{name}] es = "..." en = "..."'))
    allowed = variables(rules, context)
    texts: dict[str, str] = {}
    variants: dict[int, dict[str, str]] = {}
    count = None
    for k, v in st.items():
        if k in ("es", "en"):
            texts[k] = _check_template(rules, path + (k,), v, allowed)
        elif k == "cuenta":
            if not isinstance(v, str) or v not in allowed or not v.startswith("n_"):
                raise rules.error(path + (k,), msg("doc_rule_bad_count"), suggestion=did_you_mean(str(v), sorted(a for a in allowed if a.startswith("n_"))) or None)
            count = v
        elif k in VARIANTS:
            if not isinstance(v, dict):
                raise rules.error(path + (k,), msg("doc_rule_variant_table"))
            vt: dict[str, str] = {}
            for lk, lv in v.items():
                if lk not in ("es", "en"):
                    raise rules.error(path + (k, lk), msg("doc_rule_unknown_key", name=lk), suggestion="es, en")
                vt[lk] = _check_template(rules, path + (k, lk), lv, allowed)
            if "es" not in vt:
                raise rules.error(path + (k,), msg("doc_rule_needs_es"))
            variants[VARIANTS[k]] = vt
        else:
            raise rules.error(path + (k,), msg("doc_rule_unknown_key", name=k), suggestion=msg("rf_known", known="es, en, cuenta, si_cero, si_uno"))
    if "es" not in texts:
        raise rules.error(path, msg("doc_rule_needs_es"))
    if variants and count is None:
        raise rules.error(path, msg("doc_rule_variants_need_count"), suggestion=msg("doc_rule_add", text='cuenta = "n_..."'))
    ref = rules.ref(*path)
    return Sentence(name, texts, count, variants, where=str(ref) if ref else "")


def load_informe_rules(rules: RuleSet) -> InformeRules:
    """The ``[informe]`` section of ``rules``, validated; a RuleError naming file:line otherwise."""
    root = rules.extra.get(SECTION)
    if not isinstance(root, dict):
        raise RuleError(msg("doc_rule_no_section", id=rules.id), file=rules.folder, suggestion=msg("doc_rule_no_section_hint"))
    for k in root:
        if k not in ("formato", "figuras", "criticas", "oraciones") and not str(k).startswith("_"):
            raise rules.error((SECTION, k), msg("doc_rule_unknown_key", name=k), suggestion=did_you_mean(str(k), ["formato", "figuras", "criticas", "oraciones"]) or None)
    fmt = _table(rules, (SECTION, "formato")) or {}
    for k, v in fmt.items():
        if k not in ("decimal", "miles"):
            raise rules.error((SECTION, "formato", k), msg("doc_rule_unknown_key", name=k), suggestion=msg("rf_known", known="decimal, miles"))
        if not isinstance(v, str) or len(v) > 3 or has_controls(v) or document_text(v) != v:
            raise rules.error((SECTION, "formato", k), msg("doc_rule_separator"))
    places = _load_places(rules)
    ck, cb, nd = _load_critical(rules)
    table = _table(rules, (SECTION, "oraciones")) or {}
    for name in table:
        if name not in SENTENCES:
            raise rules.error((SECTION, "oraciones", name), msg("doc_rule_unknown_sentence", name=name), suggestion=did_you_mean(str(name), list(SENTENCES)) or None)
    sentences = {name: _load_sentence(rules, name, context, table.get(name)) for name, context in SENTENCES.items()}
    return InformeRules(places, ck, cb, nd, sentences)
