"""The Informe de evaluación de resultados del PEI as a document model, in CEPLAN's structure.

Built from an evaluation, the rule set's ``[informe]`` section (figures per place, the AEI
críticas rule, sentence templates) and the plan's ``[[narrativa]]``:

    portada · contenido · resumen ejecutivo (cumplimiento de OEI y de AEI, perspectivas,
    medidas recomendadas) · 1 prioridades de la política institucional · 2 análisis de
    resultados de los OEI · 3 análisis de implementación de las AEI (3.1 avance, 3.2 AEI
    críticas) · 4 conclusiones y recomendaciones · anexos (reporte de seguimiento B-7,
    semaforización y POI, actividades operativas, inconsistencias del informe publicado,
    recibo y trazabilidad).

The model is a list of blocks (headings, paragraphs, tables with banded cells) that
:mod:`pei_rules.outputs.docx` renders; it knows no Word. No number, band or sentence is
written here: figures come from the evaluation, words from the message catalogue and the
rule set. Internal ids and hashes appear only in the last annex.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..evaluate import ND, Evaluation, Figure
from ..i18n import t
from ..report_model import ao_inputs
from .common import interval_text, band_colors, band_name_label, band_word, count_label, humanize, kind_label, money, no_data_label, number
from .informe_rules import InformeRules, load_informe_rules
from .tables import audit_rows, indicator_years, receipt_rows
from .tables import rule_origin as origin

# --- blocks -------------------------------------------------------------------------------------


@dataclass
class Heading:
    text: str
    level: int  # 0 title, 1 section, 2 subsection, 3 entity
    toc: bool = False  # listed in the contents, with its page number


@dataclass
class Contents:
    """The contents page: every heading with ``toc``, filled in by the renderer (which knows
    the pages)."""


@dataclass
class Para:
    text: str
    kind: str = "body"  # body, sentence (data-driven), narrative, placeholder, bullet, caption, note, cover, toc


@dataclass
class Cell:
    text: str
    band: str | None = None
    numeric: bool = False
    bold: bool = False


@dataclass
class Table:
    key: str
    caption: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    widths: list[float] | None = None  # relative column widths
    small: bool = False
    points: float | None = None  # font size when neither normal nor small fits


@dataclass
class PageBreak:
    pass


@dataclass
class Orientation:
    landscape: bool


Block = Heading | Para | Table | PageBreak | Orientation | Contents


@dataclass
class Informe:
    lang: str
    title: str
    header: str  # running page header
    blocks: list[Block]
    colors: dict[str, str]
    critical: list[str]  # codes of the AEI críticas
    placeholders: int  # narrative places still to be written


# --- the builder ---------------------------------------------------------------------------------


class _Builder:
    def __init__(self, ev: Evaluation, lang: str):
        self.ev, self.lang = ev, lang
        self.rules = ev.rules
        self.m = ev.plan.model
        self.y = ev.year
        self.ir: InformeRules = load_informe_rules(ev.rules)
        self.blocks: list[Block] = []
        self.placeholders = 0
        self.critical = self._critical()
        self.vars = self._plan_vars()

    # words and numbers
    def L(self, key: str, **kw) -> str:
        return t(self.lang, key, **kw)

    def num(self, v: Decimal | int | None, decimals: int | None = None) -> str:
        return number(v, self.lang, self.rules, decimals)

    def fig(self, kind: str, code: str | None = None) -> Figure | None:
        return self.ev.figures.get(f"{kind}:{code}" if code else kind)

    def place(self, name: str) -> str:
        return self.ir.places[name]

    def fcell(self, f: Figure | None, bold: bool = False) -> Cell:
        if f is None:
            return Cell("")
        return Cell(self.num(f.value), band=f.band_name, numeric=True, bold=bold)

    def bcell(self, f: Figure | None) -> Cell:
        if f is None:
            return Cell("")
        return Cell(band_word(self.rules, f, self.lang), band=f.band_name)

    # blocks
    def h(self, text: str, level: int, toc: bool | None = None) -> None:
        """A heading; sections and subsections are in the contents unless ``toc=False``."""
        self.blocks.append(Heading(text, level, toc=(1 <= level <= 2) if toc is None else toc))

    def p(self, text: str, kind: str = "body") -> None:
        self.blocks.append(Para(text, kind))

    def table(self, tb: Table) -> None:
        self.blocks.append(tb)

    # narrative
    def narrative(self, section: str, code: str | None = None, what: str | None = None) -> None:
        texts = [n.texto for n in self.m.narrativa if n.seccion == section and n.codigo == code and (n.anio is None or n.anio == self.y)]
        if not texts:
            self.placeholders += 1
            where = f'seccion = "{section}"' + (f', codigo = "{code}"' if code else "")
            self.p(self.L("doc_ph", what=what or self.L(f"doc_ph_{section}", code=code or ""), where=where), "placeholder")
            return
        for text in texts:
            for chunk in text.replace("\r\n", "\n").split("\n\n"):
                lines = [ln.strip() for ln in chunk.strip().split("\n") if ln.strip()]
                if lines and all(ln.startswith(("- ", "• ")) for ln in lines):
                    for ln in lines:
                        self.p(ln[2:].strip(), "bullet")
                elif lines:
                    self.p(" ".join(lines), "narrative")

    # sentences
    def sentence(self, name: str, extra: dict[str, str] | None = None) -> str:
        s = self.ir.sentences[name]
        values = dict(self.vars)
        values.update(extra or {})
        n = None
        if s.count:
            try:
                n = int(str(values[s.count]).replace("\u00a0", "").replace(",", "").replace(".", ""))
            except (KeyError, ValueError):
                n = None
        return s.template(self.lang, n).format(**values)

    # --- data ---------------------------------------------------------------------------------

    def _critical(self) -> dict[str, list[Figure]]:
        """AEI code -> the figures that make it critical, by the rule set's [informe.criticas]."""
        out: dict[str, list[Figure]] = {}
        for a in self.m.aei:
            hits = []
            for kind in self.ir.critical_kinds:
                f = self.fig(kind, a.codigo)
                if f is None:
                    continue
                if (f.band is not None and f.band.name in self.ir.critical_bands) or (f.band is None and f.scale and self.ir.critical_no_data):
                    hits.append(f)
            if hits:
                out[a.codigo] = hits
        return out

    def _plan_vars(self) -> dict[str, str]:
        rules, m, y = self.rules, self.m, self.y
        poi = m.poi.get(y)
        v: dict[str, str] = {
            "entidad": m.entidad.nombre,
            "anio": str(y),
            "desde": str(m.plan.desde),
            "hasta": str(m.plan.hasta),
            "n_oei": self.num(len(m.oei)),
            "n_aei": self.num(len(m.aei)),
            "n_ao": self.num(len(poi.ao)) if poi else self.num(0),
            "n_indicadores_aei": self.num(sum(1 for i in m.indicador if i.de in self.ev.plan.aei)),
            "pim": money(poi.pim if poi else None, self.lang, rules),
            "devengado": money(poi.devengado if poi else None, self.lang, rules),
            "n_criticas": self.num(len(self.critical)),
            "criticas": self.code_list(list(self.critical)),
        }
        for kind in rules.figure_kinds():
            if rules.scope_of(kind) == "plan":
                f = self.fig(kind)
                v[kind] = self.num(f.value) if f else self.L("no_data")
                v[f"banda_{kind}"] = band_word(rules, f, self.lang).lower() if f else ""
        for c in rules.counts.values():
            got = self.ev.counts.get(c.name)
            scale = rules.band_for[c.figure]
            for b in rules.scales[scale].bands:
                v[f"n_{c.name}_{b.name}"] = self.num(got.counts.get(b.name, 0) if got else 0)
            v[f"n_{c.name}_sin_dato"] = self.num(got.counts.get(ND, 0) if got else 0)
            v[f"n_{c.name}_total"] = self.num(got.total if got else 0)
        for scale in rules.scales.values():
            for b in scale.bands:
                v.setdefault(f"{b.name}_desde", self.num(b.lower) if b.lower is not None else "−∞")
                v.setdefault(f"{b.name}_hasta", self.num(b.upper) if b.upper is not None else "+∞")
        return v

    def entity_vars(self, scope: str, code: str, name: str, responsible: str | None, priority: str | None) -> dict[str, str]:
        v = {"codigo": code, "denominacion": name.rstrip("."), "responsable": responsible or "", "prioridad": priority or ""}
        for kind in self.rules.figure_kinds():
            if self.rules.scope_of(kind) == scope:
                f = self.fig(kind, code)
                v[kind] = self.num(f.value) if f else self.L("no_data")
                v[f"banda_{kind}"] = band_word(self.rules, f, self.lang).lower() if f else ""
        return v

    def code_list(self, codes: list[str]) -> str:
        items = [self.L("doc_the_aei", code=c) for c in codes]
        if not items:
            return ""
        if len(items) == 1:
            return items[0]
        return ", ".join(items[:-1]) + self.L("doc_and") + items[-1]

    # --- tables ---------------------------------------------------------------------------------

    def counts_table(self, key: str, caption: str) -> Table:
        rules = self.rules
        first = next(iter(self.ev.counts.values()), None)
        scale = rules.band_for[first.figure] if first else None
        bands = rules.scales[scale].bands if scale else []
        headers = [self.L("doc_year_period", year=self.y)] + [f"{band_name_label(rules, scale, b.name, b.label, self.lang)} {interval_text(b)}".strip() for b in bands]
        headers += [no_data_label(rules, self.lang), self.L("total")]
        tb = Table(key, caption, headers, widths=[4] + [1.6] * (len(bands) + 2))
        for c in self.ev.counts.values():
            cscale = rules.band_for[c.figure]
            row = [Cell(count_label(rules, c.name, c.label, self.lang))]
            row += [Cell(self.num(c.counts.get(b.name, 0)), band=b.name, numeric=True) for b in rules.scales[cscale].bands]
            row += [Cell(self.num(c.counts.get(ND, 0)), band=ND if c.counts.get(ND) else None, numeric=True), Cell(self.num(c.total), numeric=True, bold=True)]
            tb.rows.append(row)
        return tb

    def advance_table(self) -> Table:
        """'Avance de cada OEI y AEI': code, name, advance and its band; the weighted execution last."""
        tb = Table("avance_oei_aei", self.L("doc_t_advance", desde=self.m.plan.desde, hasta=self.m.plan.hasta), [self.L("code"), self.L("name"), self.L("doc_advance_pct"), self.L("band")], widths=[1.6, 6, 1.3, 1.3])
        for o in self.m.oei:
            f = self.fig(self.place("avance_oei"), o.codigo)
            tb.rows.append([Cell(o.codigo, bold=True), Cell(o.denominacion, bold=True), self.fcell(f, True), self.bcell(f)])
            for a in self.aeis_of(o.codigo):
                f = self.fig(self.place("avance_aei"), a.codigo)
                tb.rows.append([Cell(a.codigo), Cell(a.denominacion), self.fcell(f), self.bcell(f)])
        w = self.fig(self.place("ponderada"))
        tb.rows.append([Cell(""), Cell(self.L("doc_weighted_row", label=kind_label(self.rules, self.place("ponderada"), self.lang), year=self.y), bold=True), self.fcell(w, True), self.bcell(w)])
        return tb

    def aeis_of(self, oei: str):
        return [a for a in self.m.aei if a.oei == oei]

    def indicators_of(self, owner: str):
        return [i for i in self.m.indicador if i.de == owner]

    def aei_detail_table(self, a) -> Table:
        """The seed's per-AEI table: the AEI row with its advance, then its indicators."""
        y = self.y
        headers = [self.L("code"), self.L("name"), self.L("doc_resp"), self.L("doc_expected_year", year=y), self.L("doc_obtained"), self.L("doc_advance_pct"), self.L("band")]
        tb = Table(f"aei_{a.codigo}", "", headers, widths=[1.7, 5, 1.1, 1.2, 1.2, 1.1, 1.2], small=True)
        f = self.fig(self.place("avance_aei"), a.codigo)
        tb.rows.append([Cell(a.codigo, bold=True), Cell(a.denominacion, bold=True), Cell(""), Cell(""), Cell(""), self.fcell(f, True), self.bcell(f)])
        for ind in self.indicators_of(a.codigo):
            fi = self.fig(self.place("avance_indicador"), ind.codigo)
            tb.rows.append(
                [
                    Cell(ind.codigo),
                    Cell(ind.nombre),
                    Cell(ind.organo_responsable or a.organo_responsable or ""),
                    Cell(self.num(ind.logro_esperado.get(y)), numeric=True),
                    Cell(self.num(ind.valor_obtenido.get(y)), numeric=True),
                    self.fcell(fi),
                    self.bcell(fi),
                ]
            )
        fe = self.fig(self.place("ejecucion_aei"), a.codigo)
        if fe is not None:
            tb.rows.append([Cell(""), Cell(kind_label(self.rules, self.place("ejecucion_aei"), self.lang)), Cell(""), Cell(""), Cell(""), self.fcell(fe), self.bcell(fe)])
        return tb

    def oei_indicator_table(self, o) -> Table:
        y = self.y
        headers = [self.L("code"), self.L("doc_indicator"), self.L("doc_expected_year", year=y), self.L("doc_obtained"), self.L("doc_advance_pct"), self.L("band")]
        tb = Table(f"oei_{o.codigo}", "", headers, widths=[1.8, 5.5, 1.2, 1.2, 1.1, 1.2], small=True)
        f = self.fig(self.place("avance_oei"), o.codigo)
        tb.rows.append([Cell(o.codigo, bold=True), Cell(o.denominacion, bold=True), Cell(""), Cell(""), self.fcell(f, True), self.bcell(f)])
        for ind in self.indicators_of(o.codigo):
            fi = self.fig(self.place("avance_indicador"), ind.codigo)
            tb.rows.append([Cell(ind.codigo), Cell(ind.nombre), Cell(self.num(ind.logro_esperado.get(y)), numeric=True), Cell(self.num(ind.valor_obtenido.get(y)), numeric=True), self.fcell(fi), self.bcell(fi)])
        return tb

    def aei_list_table(self, o) -> Table:
        tb = Table(f"aei_lista_{o.codigo}", "", [self.L("code"), self.L("doc_action_indicator")], widths=[1.8, 8], small=True)
        for a in self.aeis_of(o.codigo):
            tb.rows.append([Cell(a.codigo, bold=True), Cell(a.denominacion, bold=True)])
            for ind in self.indicators_of(a.codigo):
                tb.rows.append([Cell(ind.codigo), Cell(ind.nombre)])
        return tb

    # --- sections --------------------------------------------------------------------------------

    def cover(self) -> None:
        m = self.m
        self.p(self.L("doc_cover_kicker", year=self.y), "cover")
        self.h(self.L("doc_cover_title"), 0)
        self.p(f"{m.entidad.nombre}", "cover")
        self.p(self.L("doc_cover_plan", tipo=m.plan.tipo, desde=m.plan.desde, hasta=m.plan.hasta), "cover")
        if m.plan.aprobacion:
            self.p(self.L("doc_cover_approved", what=m.plan.aprobacion), "note")
        self.p(self.L("doc_cover_method", id=self.rules.id, title=self.rules.title), "note")
        self.blocks.append(PageBreak())
        self.h(self.L("doc_contents"), 1, toc=False)
        self.blocks.append(Contents())
        self.blocks.append(PageBreak())

    def summary(self) -> None:
        self.h(self.L("doc_s_summary"), 1)
        self.narrative("resumen")
        self.p(self.sentence("resumen_avance"), "sentence")
        self.h(self.L("doc_s_summary_oei"), 2)
        for o in self.m.oei:
            f = self.fig(self.place("avance_oei"), o.codigo)
            name = "oei_avance" if f is not None and f.value is not None else "oei_sin_dato"
            self.p(self.sentence(name, self.entity_vars("oei", o.codigo, o.denominacion, None, o.prioridad)), "sentence")
        self.narrative("oei_resumen")
        self.h(self.L("doc_s_summary_aei"), 2)
        self.p(self.sentence("resumen_aei"), "sentence")
        self.table(self.counts_table("semaforo_resumen", self.L("doc_t_counts_summary", year=self.y)))
        self.p(self.sentence("criticas"), "sentence")
        self.table(self.advance_table())
        self.narrative("aei_resumen")
        self.h(self.L("doc_s_outlook"), 2)
        self.narrative("perspectivas")
        self.h(self.L("doc_s_measures"), 2)
        self.narrative("medidas")
        self.blocks.append(PageBreak())

    def priorities(self) -> None:
        self.h("1. " + self.L("doc_s_priorities"), 1)
        self.narrative("prioridades")
        tb = Table("prioridades", self.L("doc_t_priorities"), [self.L("code"), self.L("doc_objective_action"), self.L("doc_indicator"), self.L("doc_priority"), self.L("doc_resp")], widths=[1.6, 4.2, 4.2, 1.6, 1.1], small=True)
        for o in self.m.oei:
            inds = "; ".join(i.nombre for i in self.indicators_of(o.codigo))
            tb.rows.append([Cell(o.codigo, bold=True), Cell(o.denominacion, bold=True), Cell(inds), Cell(o.prioridad or ""), Cell("")])
            for a in self.aeis_of(o.codigo):
                inds = "; ".join(i.nombre for i in self.indicators_of(a.codigo))
                rel = self.rules.relevance_labels.get(a.relevancia, "") if a.relevancia is not None else ""
                tb.rows.append([Cell(a.codigo), Cell(a.denominacion), Cell(inds), Cell(rel), Cell(a.organo_responsable or "")])
        self.table(tb)
        self.blocks.append(PageBreak())

    def objectives(self) -> None:
        self.h("2. " + self.L("doc_s_oei"), 1)
        self.p(self.L("doc_oei_intro", n=self.num(len(self.m.oei)), desde=self.m.plan.desde, hasta=self.m.plan.hasta))
        for i, o in enumerate(self.m.oei, 1):
            self.h(f"{_roman(i)}. {o.denominacion}", 2, toc=False)
            self.table(self.oei_indicator_table(o))
            f = self.fig(self.place("avance_oei"), o.codigo)
            name = "oei_avance" if f is not None and f.value is not None else "oei_sin_dato"
            self.p(self.sentence(name, self.entity_vars("oei", o.codigo, o.denominacion, None, o.prioridad)), "sentence")
            self.table(self.aei_list_table(o))
            self.narrative("oei", o.codigo)
        self.blocks.append(PageBreak())

    def actions(self) -> None:
        self.h("3. " + self.L("doc_s_aei"), 1)
        self.h("3.1 " + self.L("doc_s_aei_progress"), 2)
        self.p(self.L("doc_aei_intro"))
        for o in self.m.oei:
            self.h(self.L("doc_objective_heading", code=o.codigo, name=o.denominacion), 2)
            for a in self.aeis_of(o.codigo):
                self.aei_block(a)
        self.h("3.2 " + self.L("doc_s_critical"), 2)
        self.p(self.sentence("criticas"), "sentence")
        for code, figs in self.critical.items():
            a = self.ev.plan.aei[code]
            self.h(f"{a.codigo} {a.denominacion}" + (f" — {a.organo_responsable}" if a.organo_responsable else ""), 3)
            self.table(self.aei_detail_table(a))
            reasons = "; ".join(f"{kind_label(self.rules, f.kind, self.lang)} {self.num(f.value)} % ({band_word(self.rules, f, self.lang).lower()})" if f.value is not None else f"{kind_label(self.rules, f.kind, self.lang)} ({no_data_label(self.rules, self.lang).lower()})" for f in figs)
            extra = self.entity_vars("aei", a.codigo, a.denominacion, a.organo_responsable, None)
            extra["motivos"] = reasons
            self.p(self.sentence("critica", extra), "sentence")
            self.narrative("criticas", code, self.L("doc_ph_criticas", code=code))
        self.blocks.append(PageBreak())

    def aei_block(self, a) -> None:
        self.h(f"{a.codigo} {a.denominacion}" + (f" — {a.organo_responsable}" if a.organo_responsable else ""), 3)
        self.table(self.aei_detail_table(a))
        f = self.fig(self.place("avance_aei"), a.codigo)
        name = "aei_avance" if f is not None and f.value is not None else "aei_sin_dato"
        self.p(self.sentence(name, self.entity_vars("aei", a.codigo, a.denominacion, a.organo_responsable, None)), "sentence")
        self.narrative("aei", a.codigo)

    def conclusions(self) -> None:
        self.h("4. " + self.L("doc_s_conclusions"), 1)
        for name in ("conclusion_ejecucion_fisica", "conclusion_indicadores", "conclusion_poi"):
            self.p(self.sentence(name), "sentence")
        self.narrative("conclusiones")
        poi = self.m.poi.get(self.y)
        ao_kind = self.place("ejecucion_ao")
        with_physical = sum(1 for f in self.ev.by_kind(ao_kind) if f.value is not None)
        fin = self.fig(self.place("avance_financiero"))
        phys = self.fig(self.place("avance_fisico_poi"))
        headers = [self.L("doc_plan"), self.L("doc_n_ao"), self.L("doc_pim_year", year=self.y), self.L("doc_accrued"), self.L("doc_fin_pct"), self.L("doc_n_ao_physical"), self.L("doc_phys_pct")]
        tb = Table("poi_resumen", self.L("doc_t_poi_summary", year=self.y), headers, widths=[1, 1.2, 2, 2, 1.4, 1.5, 1.4])
        tb.rows.append(
            [
                Cell("POI"),
                Cell(self.num(len(poi.ao) if poi else 0), numeric=True),
                Cell(money(poi.pim if poi else None, self.lang, self.rules), numeric=True),
                Cell(money(poi.devengado if poi else None, self.lang, self.rules), numeric=True),
                self.fcell(fin),
                Cell(self.num(with_physical), numeric=True),
                self.fcell(phys),
            ]
        )
        self.table(tb)
        aei_kind = self.place("ejecucion_aei")
        n_ind = sum(1 for i in self.m.indicador if i.de in self.ev.plan.aei)
        n_phys = sum(1 for f in self.ev.by_kind(aei_kind) if f.value is not None)
        tb = Table("pei_resumen", self.L("doc_t_pei_summary"), [self.L("doc_plan"), "AEI", self.L("doc_n_aei_ind"), self.L("doc_n_aei_physical"), self.L("doc_n_critical")], widths=[1, 1, 2, 2, 2])
        tb.rows.append([Cell(self.m.plan.tipo), Cell(self.num(len(self.m.aei)), numeric=True), Cell(self.num(n_ind), numeric=True), Cell(self.num(n_phys), numeric=True), Cell(self.num(len(self.critical)), numeric=True)])
        self.table(tb)

    def annexes(self) -> None:
        self.blocks.append(Orientation(landscape=True))
        self.h(self.L("doc_s_annexes"), 1)
        self.annex_b7()
        self.annex_counts_poi()
        self.annex_ao()
        self.annex_audit()
        self.annex_receipt()

    def annex_b7(self) -> None:
        """Anexo 1: B-7."""
        rules, m, y = self.rules, self.m, self.y
        self.h(self.L("doc_a_b7", year=y, tipo=m.plan.tipo), 2)
        self.p(self.L("doc_a_b7_meta", desde=m.plan.desde, hasta=m.plan.hasta, pliego=m.entidad.pliego or m.entidad.nombre), "note")
        years = indicator_years(self.ev)
        prin = self.place("avance_indicador")
        headers = [self.L("code"), self.L("name"), self.L("doc_b7_org"), self.L("doc_relevance"), self.L("doc_b7_sentido"), self.L("doc_b7_agregacion"), self.L("doc_b7_lb_year"), self.L("doc_b7_lb_value")]
        headers += [self.L("doc_b7_expected", year=yy) for yy in years] + [self.L("obtained", year=y), f"{kind_label(rules, prin, self.lang)} (%)", self.L("band")]
        tb = Table("anexo_b7", "", headers, widths=[1.6, 5] + [1.1] * (len(headers) - 2), small=True, points=7)
        for a in m.aei:
            tb.rows.append([Cell(a.codigo, bold=True), Cell(a.denominacion, bold=True)] + [Cell("") for _ in headers[2:]])
            for ind in self.indicators_of(a.codigo):
                rel = ind.relevancia if ind.relevancia is not None else a.relevancia
                f = self.fig(prin, ind.codigo)
                row = [
                    Cell(next((x for x in ind.alias if x != ind.codigo), ind.codigo)),
                    Cell(ind.nombre),
                    Cell(ind.organo_responsable or a.organo_responsable or ""),
                    Cell(rules.relevance_labels.get(rel, "") if rel is not None else ""),
                    Cell(ind.sentido),
                    Cell(ind.agregacion),
                    Cell(str(ind.linea_base.anio) if ind.linea_base else ""),
                    Cell(self.num(ind.linea_base.valor) if ind.linea_base else "", numeric=True),
                ]
                row += [Cell(self.num(ind.logro_esperado[yy]) if yy in ind.logro_esperado else "", numeric=True) for yy in years]
                row += [Cell(self.num(ind.valor_obtenido.get(y)), numeric=True), self.fcell(f), self.bcell(f)]
                tb.rows.append(row)
        self.table(tb)

    def annex_counts_poi(self) -> None:
        """Anexo 2: semáforo and POI figures."""
        rules, m, y = self.rules, self.m, self.y
        self.h(self.L("doc_a_counts"), 2)
        self.table(self.counts_table("anexo_semaforo", ""))
        poi = m.poi.get(y)
        tb = Table("anexo_poi", self.L("doc_t_poi_figures", year=y), [self.L("figure"), self.L("value"), self.L("band")], widths=[5, 2, 1.5])
        for place in ("avance_fisico_poi", "mediana_poi", "avance_financiero"):
            f = self.fig(self.place(place))
            tb.rows.append([Cell(kind_label(rules, self.place(place), self.lang)), self.fcell(f), self.bcell(f)])
        tb.rows.append([Cell(self.L("doc_total_pim")), Cell(money(poi.pim if poi else None, self.lang, rules), numeric=True), Cell("")])
        tb.rows.append([Cell(self.L("doc_total_accrued")), Cell(money(poi.devengado if poi else None, self.lang, rules), numeric=True), Cell("")])
        ao_figs = self.ev.by_kind(self.place("ejecucion_ao"))
        tb.rows.append([Cell(self.L("doc_ao_complete")), Cell(self.num(sum(1 for f in ao_figs if f.value is not None)), numeric=True), Cell("")])
        tb.rows.append([Cell(self.L("doc_ao_incomplete")), Cell(self.num(sum(1 for f in ao_figs if f.value is None)), numeric=True), Cell("")])
        self.table(tb)

    def annex_ao(self) -> None:
        """Anexo 3: AO."""
        rules, y = self.rules, self.y
        poi = self.m.poi.get(y)
        if poi is not None and poi.ao:
            self.h(self.L("doc_a_ao", year=y), 2)
            kind = self.place("ejecucion_ao")
            headers = [self.L("rep_ao"), "AEI", self.L("name"), self.L("rep_programmed"), self.L("rep_executed"), f"{kind_label(rules, kind, self.lang)} (%)", self.L("band")]
            tb = Table("anexo_ao", "", headers, widths=[1.6, 1.6, 5, 1.3, 1.3, 1.5, 1.3], small=True)
            for ao in poi.ao:
                f = self.fig(kind, ao.codigo)
                inputs = ao_inputs([f])
                tb.rows.append([Cell(ao.codigo), Cell(ao.aei), Cell(ao.denominacion or ""), Cell(self.num(inputs.get("programado")), numeric=True), Cell(self.num(inputs.get("ejecutado")), numeric=True), self.fcell(f), self.bcell(f)])
            self.table(tb)

    def annex_audit(self) -> None:
        """Anexo 4: the published report's inconsistencies."""
        m = self.m
        rows = audit_rows(self.ev, self.lang, only_problems=True)
        if rows:
            self.h(self.L("doc_a_audit"), 2)
            self.p(self.L("doc_a_audit_intro", n=self.num(len(rows)), total=self.num(len(m.publicado))))
            tb = Table("anexo_inconsistencias", "", [self.L("figure"), self.L("rep_published"), self.L("rep_recomputed"), self.L("rep_status"), self.L("rep_causes"), self.L("doc_where_published")], widths=[3, 1.2, 1.2, 1.6, 4.5, 4], small=True)
            for r in rows:
                tb.rows.append(
                    [
                        Cell(r.name),
                        Cell(self.num(r.published_number) if r.published_number is not None else r.published, numeric=r.published_number is not None),
                        Cell(self.num(r.recomputed_number) if r.recomputed_number is not None else (r.recomputed or self.L("no_data")), numeric=r.recomputed_number is not None),
                        Cell(r.status_text),
                        Cell(r.causes),
                        Cell(r.source),
                    ]
                )
            self.table(tb)

    def annex_receipt(self) -> None:
        """Anexo 5: receipt and traceability (the only place with ids and hashes)."""
        self.h(self.L("doc_a_receipt"), 2)
        self.p(self.L("doc_a_receipt_intro"), "note")
        tb = Table("recibo", "", [self.L("doc_receipt_key"), self.L("value")], widths=[3, 9], small=True)
        for k, v in receipt_rows(self.ev, self.lang):
            tb.rows.append([Cell(k), Cell(v)])
        tb.rows.append([Cell(self.L("doc_r_informe_rules")), Cell(self.ir.sentences["criticas"].where)])
        self.table(tb)
        tb = Table("trazabilidad", self.L("doc_t_trace"), [self.L("figure"), self.L("doc_figure_id"), self.L("value"), self.L("doc_exact"), self.L("doc_origin")], widths=[3.5, 3, 1.2, 2.8, 4], small=True)
        for f in self.ev.figures.values():
            if f.scope in ("plan", "oei", "aei"):
                name = humanize(f.id, self.ev, self.lang)
                tb.rows.append([Cell(name), Cell(f.id), self.fcell(f), Cell(_exact(f)), Cell(origin(f.rule))])
        self.table(tb)

    def build(self) -> Informe:
        self.cover()
        self.summary()
        self.priorities()
        self.objectives()
        self.actions()
        self.conclusions()
        self.annexes()
        m = self.m
        title = self.L("doc_title", tipo=m.plan.tipo, entity=m.entidad.nombre, desde=m.plan.desde, hasta=m.plan.hasta, year=self.y)
        header = self.L("doc_running_header", entity=m.entidad.pliego or m.entidad.nombre, tipo=m.plan.tipo, desde=m.plan.desde, hasta=m.plan.hasta, year=self.y)
        return Informe(self.lang, title, header, self.blocks, band_colors(self.rules), list(self.critical), self.placeholders)


def _exact(f: Figure) -> str:
    if f.exact is None:
        return ""
    return format(f.exact, "f")


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += letters
            n -= value
    return out


def build_informe(ev: Evaluation, lang: str = "es") -> Informe:
    """The informe of an evaluation, as blocks; a RuleError if the rule set's [informe] is wrong."""
    return _Builder(ev, lang).build()
