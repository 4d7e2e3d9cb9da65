"""Import: spreadsheets (XLSX, CSV) in any of the known layouts to one plan TOML.

Every file is read (every sheet of a workbook); each sheet is recognised by its headers (not
its name or position) as an Anexo B-7, a POI seguimiento, a tidy indicators sheet or a tidy
AO sheet; sheets that are none of these are skipped. One indicators source (B-7 or tidy) is
required; POI/AO sheets are optional, one per year. Every problem is collected and reported
with file, sheet, row, column and cell text; nothing is written when there is any. The
generated text is loaded as a plan before it is returned.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..files import write_atomic
from ..i18n import msg
from . import b7, poi, tidy
from .draft import Draft, to_toml, validated
from .problems import Collector, Issue, Where
from .readers import Grid, read_file

KIND_B7, KIND_POI, KIND_TIDY_IND, KIND_TIDY_AO = "b7", "poi", "tidy_indicadores", "tidy_ao"


@dataclass
class Options:
    entidad_codigo: str | None = None
    entidad: str | None = None
    sentido: str | None = None
    agregacion: str | None = None
    poi_year: int | None = None


@dataclass
class Result:
    text: str
    warnings: list[Issue] = field(default_factory=list)
    sheets: list[tuple[str, str | None, str]] = field(default_factory=list)  # file, sheet, kind


def classify(grid: Grid):
    """The layout of a sheet and its header, or (None, None)."""
    for kind, detect in ((KIND_TIDY_IND, tidy.detect_indicators), (KIND_TIDY_AO, tidy.detect_ao), (KIND_POI, poi.detect), (KIND_B7, b7.detect)):
        h = detect(grid)
        if h is not None:
            return kind, h
    return None, None


def convert(files: list[str | Path], opts: Options | None = None) -> Result:
    opts = opts or Options()
    problems = Collector()
    found = []
    for f in files:
        grids = read_file(f, problems)
        hits = []
        for g in grids:
            kind, header = classify(g)
            if kind:
                hits.append((kind, header))
        if grids and not hits:
            names = ", ".join(g.sheet for g in grids if g.sheet is not None)
            problems.error(Where(str(f)), "imp_no_layout" if not names else "imp_no_layout_sheets", sheets=names)
        found.extend(hits)
    problems.raise_if_any()
    indicators = [(k, h) for k, h in found if k in (KIND_B7, KIND_TIDY_IND)]
    if not indicators:
        problems.error(Where(", ".join(str(f) for f in files)), "imp_no_indicators")
        problems.raise_if_any()
    if len(indicators) > 1:
        first = indicators[0][1].grid
        for _, h in indicators[1:]:
            problems.error(h.grid.where(h.top), "imp_two_indicator_sheets", other=_name(first))
        problems.raise_if_any()
    draft = Draft()
    kind, header = indicators[0]
    if kind == KIND_B7:
        b7.read(header, draft, problems, b7.Options(sentido=opts.sentido, agregacion=opts.agregacion))
    else:
        tidy.read_indicators(header, draft, problems)
    for kind, header in found:
        if kind == KIND_POI:
            poi.read(header, draft, problems, poi.Options(year=opts.poi_year))
        elif kind == KIND_TIDY_AO:
            tidy.read_ao(header, draft, problems)
    if opts.entidad_codigo:
        draft.entidad["codigo"] = opts.entidad_codigo
    if opts.entidad:
        draft.entidad["nombre"] = opts.entidad
    src = indicators[0][1].grid
    if not draft.entidad.get("codigo"):
        problems.error(Where(src.file, src.sheet), "imp_no_entity_code")
    if not draft.entidad.get("nombre"):
        problems.error(Where(src.file, src.sheet), "imp_no_entity_name")
    if "desde" not in draft.plan:
        problems.error(Where(src.file, src.sheet), "imp_no_period")
    problems.raise_if_any()
    text = to_toml(_clean(draft), [msg("imp_toml_comment"), msg("imp_toml_sources", files=", ".join(Path(f).name for f in files))])
    validated(text, str(files[0]))
    return Result(text, problems.warnings, [(h.grid.file, h.grid.sheet, k) for k, h in found])


def import_plan(files: list[str | Path], out: str | Path, opts: Options | None = None) -> Result:
    """Convert and write ``out`` atomically (nothing is written when there is a problem)."""
    result = convert(files, opts)
    write_atomic(out, result.text)
    return result


def _name(g: Grid) -> str:
    return g.file + (f" [{g.sheet}]" if g.sheet is not None else "")


def _clean(d: Draft) -> Draft:
    entidad = {k: d.entidad.get(k) for k in ("codigo", "nombre", "pliego", "sector", "nivel_gobierno", "fuente") if d.entidad.get(k)}
    plan = {"tipo": "PEI"} | {k: d.plan[k] for k in ("desde", "hasta", "aprobacion", "directiva") if d.plan.get(k) not in (None, "")}
    out = Draft(entidad=entidad, plan=plan, publicado=d.publicado)
    strip = lambda o: {k: v for k, v in o.items() if not k.startswith("_")}  # noqa: E731
    out.oei = {k: strip(v) for k, v in d.oei.items()}
    out.aei = {k: strip(v) for k, v in d.aei.items()}
    out.indicador = {k: strip(v) for k, v in d.indicador.items()}
    out.poi = {y: {"head": p.get("head", {}), "ao": [strip(a) for a in p.get("ao", [])]} for y, p in d.poi.items()}
    return out
