"""Validating a rule set section by section while building its :class:`RuleSet`: names not
reserved, every (sentido, agregación) case covered, figures known, dependencies without
cycles, bands that partition the line, expressions compiled against the allow-list.

Nothing here knows a CEPLAN number, band or formula: only the shape of a rule set and the
engine's own vocabulary (:mod:`pei_rules.vocabulary`)."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from .. import vocabulary as V
from ..errors import did_you_mean, type_name
from ..expressions import FUNCTION_LIBRARY, Expression
from ..i18n import msg
from ..references import validate as validate_references
from ..tomlsource import SourceRef
from .reader import _active, _not_reserved, _parse_interval, _Reader
from .schema import (
    META, AdvanceKind, Aggregate, Band, Convention, Count, Formula, Printing, RuleSet, Scale, ZeroDecision,
)

_COLOR = re.compile(r"#[0-9a-fA-F]{6}")  # a band's optional report colour


def _build_meta(folder, leaves):
    R = _Reader(folder, leaves)
    R.known_keys((), V.RULE_SECTIONS)
    R.known_keys((META,), V.META_KEYS)
    rid = R.string((META, "id"))
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", rid):
        R.fail((META, "id"), msg("rs_bad_id"))
    title = R.string((META, "titulo"), "")
    directive = R.string((META, "directiva"), "")
    vig = R.table((META, "vigencia"), {})
    R.known_keys((META, "vigencia"), ["desde", "hasta"])
    valid_from = R.integer((META, "vigencia", "desde"), None, 1900, 2200) if "desde" in vig else None
    valid_to = R.integer((META, "vigencia", "hasta"), None, 1900, 2200) if "hasta" in vig else None
    anchored = R.get((META, "anclado"), False)
    if not isinstance(anchored, bool):
        R.fail((META, "anclado"), msg("rs_must_be_bool"))
    anchor = R.string((META, "anclaje"), "")
    periods = R.get((META, "periodos"), ["anual"])
    if not isinstance(periods, list) or not all(isinstance(p, str) and p in V.PERIODS for p in periods):
        R.fail((META, "periodos"), msg("rs_periods_list", periods=", ".join(V.PERIODS)))
    funcs = R.get((META, "funciones"), [])
    if not isinstance(funcs, list) or not all(isinstance(f, str) for f in funcs):
        R.fail((META, "funciones"), msg("rs_functions_list"))
    for f in funcs:
        if f not in FUNCTION_LIBRARY:
            R.fail((META, "funciones"), msg("rs_unknown_function", name=f), suggestion=msg("rs_available", names=", ".join(FUNCTION_LIBRARY)))
    functions = frozenset(funcs)
    return R, anchor, anchored, directive, functions, periods, rid, title, valid_from, valid_to


def _build_parameters(R):
    params: dict[str, Decimal] = {}
    for name, v in R.table(("parametros",), {}).items():
        _not_reserved(R, ("parametros", name), name)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or name in V.ALL_INPUT_NAMES:
            R.fail(("parametros", name), msg("rs_param_name", name=name))
        if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
            R.fail(("parametros", name), msg("rs_param_number", type=type_name(v)))
        d = Decimal(v)
        if not d.is_finite():
            R.fail(("parametros", name), msg("rs_param_finite"))
        params[name] = d
    return params


def _build_vocabulary(R):
    synonyms: dict[str, dict[str, str]] = {}
    for fld in ("sentido", "agregacion", "agregacion_ao", "prioridad", "prioridad_ao"):
        if fld not in ("sentido", "agregacion") and fld not in R.table(("vocabulario",)):
            continue  # optional: the AO tipo de agregación and the prioridad words
        table = R.table(("vocabulario", fld))
        m: dict[str, str] = {}
        for cat, words in table.items():
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                R.fail(("vocabulario", fld, cat), msg("rs_list_of_words"))
            m[cat.casefold()] = cat
            for w in words:
                prev = m.get(w.casefold())
                if prev is not None and prev != cat:
                    R.fail(("vocabulario", fld, cat), msg("rs_synonym_twice", word=w, other=prev))
                m[w.casefold()] = cat
        synonyms[fld] = m
    rel_labels: dict[int, str] = {}
    for k, v in R.table(("vocabulario", "relevancia"), {}).items():
        if not str(k).isdigit() or not isinstance(v, str):
            R.fail(("vocabulario", "relevancia", k), msg("rs_relevance_grades"))
        rel_labels[int(k)] = v
        synonyms.setdefault("relevancia", {})[v.casefold()] = str(k)
    return rel_labels, synonyms


def _build_advance(R, functions, params, synonyms):
    R.known_keys(("avance",), ["principal", "division_por_cero", "casos", "tipos", "entrada_acumulados"])
    cases_t = R.table(("avance", "casos"))
    sentidos = set(synonyms["sentido"].values())
    agregs = set(synonyms["agregacion"].values())
    cases: dict[str, list[str]] = {}
    for s, ags in cases_t.items():
        if s not in sentidos:
            R.fail(("avance", "casos", s), msg("rs_not_sentido", value=s), suggestion=did_you_mean(s, sentidos) or None)
        if not isinstance(ags, list) or not ags:
            R.fail(("avance", "casos", s), msg("rs_list_of_agregaciones"))
        for a in ags:
            if a not in agregs:
                R.fail(("avance", "casos", s), msg("rs_not_agregacion", value=a), suggestion=did_you_mean(str(a), agregs) or None)
        cases[s] = list(ags)
    for s in sentidos:
        if s not in cases:
            R.fail(("avance", "casos"), msg("rs_sentido_no_cases", sentido=s))
    ind_names = set(V.SCOPE_INPUTS["indicador"]) | set(params)
    kinds: dict[str, AdvanceKind] = {}
    switched_off: dict[str, SourceRef] = {}
    for kname, kt in R.table(("avance", "tipos")).items():
        _not_reserved(R, ("avance", "tipos", kname), kname)
        if not isinstance(kt, dict):
            R.fail(("avance", "tipos", kname), msg("rf_must_be_table"))
        if not re.fullmatch(r"[a-z][a-z0-9_]*", kname):
            R.fail(("avance", "tipos", kname), msg("rs_kind_name"))
        if not _active(R, ("avance", "tipos", kname)):
            switched_off[f"avance_{kname}"] = R.ref(("avance", "tipos", kname, "activo"))
            continue
        label = R.label(("avance", "tipos", kname), kname)
        forms: dict[tuple[str, str], Expression] = {}
        refs: dict[tuple[str, str], SourceRef] = {}
        decisions: dict[str, dict[tuple[str, str], ZeroDecision]] = {"si_division_por_cero": {}, "si_cero_entre_cero": {}}
        for s, sub in kt.items():
            if s in ("etiqueta", "etiqueta_en", "activo"):
                continue
            if s in decisions:
                decisions[s] = _zero_decisions(R, ("avance", "tipos", kname, s), cases, ind_names, functions)
                continue
            if s not in cases:
                R.fail(("avance", "tipos", kname, s), msg("rs_not_declared_sentido", value=s), suggestion=did_you_mean(s, cases) or None)
            if not isinstance(sub, dict):
                R.fail(("avance", "tipos", kname, s), msg("rs_table_of_formulas"))
            for a in sub:
                if a not in cases[s]:
                    R.fail(("avance", "tipos", kname, s, a), msg("rs_not_a_case", agregacion=a, sentido=s), suggestion=did_you_mean(a, cases[s]) or None)
                path = ("avance", "tipos", kname, s, a)
                forms[(s, a)] = R.expr(path, ind_names, functions, f"avance.{kname}.{s}.{a}")
                refs[(s, a)] = R.ref(path)
        for s, ags in cases.items():
            for a in ags:
                if (s, a) not in forms:
                    hint = msg("rs_case_not_covered_hint", sentido=s, agregacion=a, kind=kname)
                    R.fail(("avance", "tipos", kname), msg("rs_case_not_covered", sentido=s, agregacion=a), suggestion=hint)
        kinds[kname] = AdvanceKind(kname, label, forms, refs, decisions["si_division_por_cero"], decisions["si_cero_entre_cero"])
    principal = R.string(("avance", "principal"), choices=list(kinds))
    on_div0 = R.string(("avance", "division_por_cero"), "nd", choices=["nd", "error"])
    cumulative = _cumulative_entry(R, agregs)
    return cases, cumulative, kinds, on_div0, principal, switched_off


def _build_formulas(R, functions, kinds, params, switched_off):
    # scalar formulas (POI and others); those of scope aei/oei/plan may read the figures
    # (aggregates and formulas) of the same scope, by name
    formulas: dict[str, Formula] = {}
    reserved = {"avance_indicador"} | {f"avance_{k}" for k in kinds}
    same_scope: dict[str, set[str]] = {sc: set() for sc in V.FIGURE_FORMULA_SCOPES}
    for section in ("formulas", "agregados"):
        for name, t in R.table((section,), {}).items():
            if isinstance(t, dict) and _active(R, (section, name)) and isinstance(t.get("ambito"), str) and t["ambito"] in same_scope:
                same_scope[t["ambito"]].add(name)
    keys = ["etiqueta", "etiqueta_en", "ambito", "expr", "activo"]
    for name, path, _ in _active_entries(R, "formulas", keys, "rs_formula_table", reserved, "rs_reserved_for_advance", switched_off):
        scope = R.string(path + ("ambito",), choices=list(V.FORMULA_SCOPES))
        names = set(V.SCOPE_INPUTS[scope]) | set(params) | (same_scope.get(scope, set()) - {name})
        formulas[name] = Formula(name, R.label(path, name), scope, R.expr(path + ("expr",), names, functions, f"formulas.{name}"), R.ref(path + ("expr",)))
    for sc, figs in same_scope.items():
        for name in sorted(figs & (set(V.SCOPE_INPUTS[sc]) | set(params))):
            section = "formulas" if name in formulas else "agregados"
            R.fail((section, name), msg("rs_figure_name_clash", name=name, scope=sc))
    return formulas, reserved


def _active_entries(R: _Reader, section: str, keys: list[str], table_msg: str, taken: set[str], taken_msg: str, switched_off: dict):
    """The switched-on entries of ``[section]`` (name, key path, table), each checked first: a
    name not reserved, a table of known ``keys``, a name not ``taken``; the switched-off ones
    are recorded in ``switched_off``."""
    for name, table in R.table((section,), {}).items():
        path = (section, name)
        _not_reserved(R, path, name)
        if not isinstance(table, dict):
            R.fail(path, msg(table_msg))
        R.known_keys(path, keys)
        if name in taken:
            R.fail(path, msg(taken_msg, name=name))
        if not _active(R, path):
            switched_off[name] = R.ref(path + ("activo",))
            continue
        yield name, path, table


def _build_weighting(R, functions, params):
    R.known_keys(("ponderacion",), ["esquema", "esquemas", "ponderar_por", "grados_prioridad"])
    schemes: dict[str, Expression] = {}
    for name in R.table(("ponderacion", "esquemas"), {}):
        _not_reserved(R, ("ponderacion", "esquemas", name), name)
        schemes[name] = R.expr(("ponderacion", "esquemas", name), set(V.WEIGHT_INPUTS) | set(params), functions, f"ponderacion.esquemas.{name}")
    scheme = R.string(("ponderacion", "esquema"), "", choices=list(schemes) or None) if schemes else ""
    return scheme, schemes


def _build_priority_grades(R, synonyms) -> dict[str, int]:
    """[ponderacion.grados_prioridad]: the grade r of each prioridad word (its category in
    [vocabulario.prioridad] or [vocabulario.prioridad_ao]) when an aggregate weighs by prioridad."""
    known = set(synonyms.get("prioridad", {}).values()) | set(synonyms.get("prioridad_ao", {}).values())
    grades: dict[str, int] = {}
    for cat, grade in R.table(("ponderacion", "grados_prioridad"), {}).items():
        path = ("ponderacion", "grados_prioridad", cat)
        if cat not in known:
            R.fail(path, msg("wt_priority_grade_unknown", word=cat), suggestion=did_you_mean(cat, sorted(known)) or msg("rf_known", known=", ".join(sorted(known))))
        grades[cat] = R.integer(path, lo=1, hi=99)
    return grades


def _build_aggregates(R, formulas, reserved, scheme, schemes, switched_off):
    aggregates: dict[str, Aggregate] = {}
    known_kinds = reserved | set(formulas)
    keys = ["etiqueta", "etiqueta_en", "ambito", "miembros", "valor", "metodo", "sin_dato", "ponderacion", "ponderar_por", "activo", "de", "intermedios"]
    for name, path, at in _active_entries(R, "agregados", keys, "rf_must_be_table", known_kinds, "rs_already_formula", switched_off):
        scope = R.string(path + ("ambito",), choices=list(V.AGGREGATE_SCOPES))
        members = R.string(path + ("miembros",), choices=list(V.MEMBERS[scope]))
        of = R.string(path + ("de",), None, choices=V.OWNER_LEVELS) if "de" in at else None
        if of is not None and members != "indicadores":
            R.fail(path + ("de",), msg("rs_de_needs_indicators"))
        method = R.string(path + ("metodo",), choices=list(V.METHODS))
        weighting, weigh_by = None, "relevancia"
        if method in V.WEIGHTED_METHODS:
            if not schemes:
                R.fail(path + ("metodo",), msg("rs_weighted_needs_schemes"))
            if not scheme and "ponderacion" not in at:
                R.fail(path + ("metodo",), msg("rs_weighted_needs_scheme"), suggestion=msg("rs_weighted_needs_scheme_hint"))
            weighting = R.string(path + ("ponderacion",), scheme, choices=list(schemes))
            weigh_by = R.string(path + ("ponderar_por",), R.string(("ponderacion", "ponderar_por"), "relevancia", choices=V.WEIGHT_ATTRIBUTES), choices=V.WEIGHT_ATTRIBUTES)
        aggregates[name] = Aggregate(
            name=name,
            label=R.label(path, name),
            scope=scope,
            members=members,
            value=R.string(path + ("valor",)),
            method=method,
            no_data=R.string(path + ("sin_dato",), "excluir", choices=["excluir", "propagar"]),
            weighting=weighting,
            weigh_by=weigh_by,
            ref=R.ref(path + ("metodo",)),
            of=of,
            intermediates=R.string(path + ("intermedios",), None, choices=V.INTERMEDIATES) if "intermedios" in at else None,
        )
    return aggregates, known_kinds


def _build_order(R, aggregates, formulas, known_kinds, reserved, switched_off):
    # check member values exist with the right scope, and order (no cycles)
    def kind_scope(k: str) -> str | None:
        if k in reserved:
            return "indicador"
        if k in formulas:
            return formulas[k].scope
        if k in aggregates:
            return aggregates[k].scope
        return None

    for a in aggregates.values():
        ks = kind_scope(a.value)
        if ks is None and a.value in switched_off:
            R.fail(("agregados", a.name, "valor"), msg("rs_value_switched_off", name=a.value, where=switched_off[a.value]))
        if ks is None:
            R.known_figure(("agregados", a.name, "valor"), a.value, known_kinds | set(aggregates))
        want = V.MEMBER_SCOPE[a.members]
        if ks != want:
            R.fail(("agregados", a.name, "valor"), msg("rs_scope_mismatch", name=a.value, scope=ks, members=a.members, want=want))
    deps = {n: [a.value] if a.value in aggregates else [] for n, a in aggregates.items()}
    order = _dependency_order(R, list(aggregates), deps, lambda n, chain: (("agregados", n), msg("rs_circular_aggregates", chain=chain)))
    steps = _steps(R, aggregates, formulas)
    return kind_scope, order, steps


def _build_bands(R, aggregates, kind_scope, known_kinds, switched_off):
    # semáforo
    R.known_keys(("semaforo",), ["compara", "sin_dato", "sin_dato_en", "escalas", "aplicar"])
    compare = R.string(("semaforo", "compara"), "redondeado", choices=["redondeado", "exacto"])
    nd_label = R.label(("semaforo",), msg("ev_no_data_label"), key="sin_dato")
    scales: dict[str, Scale] = {}
    for sname, st in R.table(("semaforo", "escalas")).items():
        _not_reserved(R, ("semaforo", "escalas", sname), sname)
        spath = ("semaforo", "escalas", sname)
        if not isinstance(st, dict):
            R.fail(spath, msg("rf_must_be_table"))
        R.known_keys(spath, ["etiqueta", "etiqueta_en", "bandas"])
        bands: list[Band] = []
        for bname, bt in R.table(spath + ("bandas",)).items():
            bpath = spath + ("bandas", bname)
            if not isinstance(bt, dict):
                R.fail(bpath, msg("rs_band_table"))
            R.known_keys(bpath, ["etiqueta", "etiqueta_en", "intervalo", "color"])
            color = R.string(bpath + ("color",), None)
            if color is not None and not _COLOR.fullmatch(color):
                R.fail(bpath + ("color",), msg("rs_bad_color", color=color), suggestion=msg("rs_bad_color_hint"))
            text = R.string(bpath + ("intervalo",))
            parsed = _parse_interval(text)
            if isinstance(parsed, str):
                R.fail(bpath + ("intervalo",), msg("rf_bad_interval", text=text, detail=parsed))
            lo, lc, hi, hc = parsed
            bands.append(Band(bname, R.label(bpath, bname), lo, lc, hi, hc, R.ref(bpath + ("intervalo",)), text, color))
        if not bands:
            R.fail(spath + ("bandas",), msg("rs_scale_no_bands"))
        bands.sort(key=lambda b: (b.lower is not None, b.lower if b.lower is not None else 0, not b.lower_closed))
        _check_partition(R, spath, bands)
        scales[sname] = Scale(sname, R.label(spath, sname), bands, R.ref(spath))
    band_for: dict[str, str] = {}
    all_kinds = known_kinds | set(aggregates)
    for kind, sname in R.table(("semaforo", "aplicar"), {}).items():
        if kind in switched_off:
            continue  # an inherited figure switched off: its band assignment goes with it
        R.known_figure(("semaforo", "aplicar", kind), kind, all_kinds)
        band_for[kind] = R.string(("semaforo", "aplicar", kind), choices=list(scales))

    counts: dict[str, Count] = {}
    for cname, ct in R.table(("conteos",), {}).items():
        _not_reserved(R, ("conteos", cname), cname)
        cpath = ("conteos", cname)
        if not isinstance(ct, dict):
            R.fail(cpath, msg("rf_must_be_table"))
        if _active(R, cpath) is False:
            continue
        R.known_keys(cpath, ["etiqueta", "etiqueta_en", "figura", "de", "activo"])
        if isinstance(ct.get("figura"), str) and ct["figura"] in switched_off:  # (not a string: said below)
            R.fail(cpath + ("figura",), msg("rs_count_switched_off", name=ct["figura"]))
        fig = R.string(cpath + ("figura",), choices=sorted(all_kinds))
        if fig not in band_for:
            R.fail(cpath + ("figura",), msg("rs_count_no_scale", name=fig))
        of = R.string(cpath + ("de",), None, choices=["aei", "oei"]) if "de" in ct else None
        if of and kind_scope(fig) != "indicador":
            R.fail(cpath + ("de",), msg("rs_count_de"))
        counts[cname] = Count(cname, R.label(cpath, cname), fig, of, R.ref(cpath + ("figura",)))
    return all_kinds, band_for, compare, counts, nd_label, scales


def _build_rounding(R, all_kinds, params, principal, switched_off, synonyms):
    R.known_keys(("redondeo",), ["modo", "intermedios", "decimales"])
    mode = R.string(("redondeo", "modo"), choices=list(V.ROUNDING_MODES))
    inter = R.string(("redondeo", "intermedios"), "exactos", choices=["exactos", "redondeados"])
    decimals: dict[str, int] = {}
    for kind in R.table(("redondeo", "decimales")):
        if kind in switched_off:
            continue
        R.known_figure(("redondeo", "decimales", kind), kind, all_kinds)
        decimals[kind] = R.integer(("redondeo", "decimales", kind), lo=0, hi=10)
    for kind in sorted(all_kinds):
        if kind not in decimals:
            R.fail(("redondeo", "decimales"), msg("rs_no_decimals", name=kind), suggestion=msg("rs_add_decimals", name=kind))

    ao_monthly = _ao_monthly(R, synonyms)
    printing = _printing(R, all_kinds, params)
    if principal in switched_off:
        R.fail(("avance", "principal"), msg("rs_principal_off", name=principal))
    return ao_monthly, decimals, inter, mode, printing


def build(folder: Path, leaves: dict, files: list[tuple[str, str]], chain: list[str]) -> RuleSet:
    R, anchor, anchored, directive, functions, periods, rid, title, valid_from, valid_to = _build_meta(folder, leaves)
    params = _build_parameters(R)
    rel_labels, synonyms = _build_vocabulary(R)
    cases, cumulative, kinds, on_div0, principal, switched_off = _build_advance(R, functions, params, synonyms)
    formulas, reserved = _build_formulas(R, functions, kinds, params, switched_off)
    scheme, schemes = _build_weighting(R, functions, params)
    priority_grades = _build_priority_grades(R, synonyms)
    aggregates, known_kinds = _build_aggregates(R, formulas, reserved, scheme, schemes, switched_off)
    kind_scope, order, steps = _build_order(R, aggregates, formulas, known_kinds, reserved, switched_off)
    all_kinds, band_for, compare, counts, nd_label, scales = _build_bands(R, aggregates, kind_scope, known_kinds, switched_off)
    ao_monthly, decimals, inter, mode, printing = _build_rounding(R, all_kinds, params, principal, switched_off, synonyms)
    extra = {k: R.tree[k] for k in R.tree if k not in V.CORE_SECTIONS}
    extra["_referencias"] = validate_references(leaves)  # [referencias]: checked at load, kept for explain and reports
    return RuleSet(
        id=rid, title=title, directive=directive, valid_from=valid_from, valid_to=valid_to, anchored=anchored, anchor=anchor,
        periods=periods, extends=list(chain[1:]), folder=str(folder), files=files, leaves=leaves,
        parameters=params, functions=functions, synonyms=synonyms, relevance_labels=rel_labels,
        principal=principal, on_division_by_zero=on_div0, cumulative_entry=cumulative, cases=cases, advance_kinds=kinds,
        formulas=formulas, weight_scheme=scheme, weight_schemes=schemes, priority_grades=priority_grades,
        aggregates=aggregates, order=order, steps=steps, switched_off=switched_off,
        scales=scales, band_for=band_for, compare=compare, no_data_label=nd_label, counts=counts,
        rounding_mode=mode, intermediates=inter, decimals=decimals, ao_monthly=ao_monthly, printing=printing, extra=extra,
    )


def _zero_decisions(R: _Reader, path: tuple, cases: dict, names: set[str], functions: frozenset[str]) -> dict[tuple[str, str], ZeroDecision]:
    """``[avance.tipos.T.si_division_por_cero]`` / ``si_cero_entre_cero``: per (sentido, agregación),
    ``"sin_dato"`` or an expression (e.g. ``"tope"``) giving the figure when the denominator is 0."""
    out: dict[tuple[str, str], ZeroDecision] = {}
    for s, sub in R.table(path).items():
        if s not in cases:
            R.fail(path + (s,), msg("rs_not_declared_sentido", value=s), suggestion=did_you_mean(s, cases) or None)
        if not isinstance(sub, dict):
            R.fail(path + (s,), msg("rs_table_of_decisions"))
        for a in sub:
            if a not in cases[s]:
                R.fail(path + (s, a), msg("rs_not_a_case", agregacion=a, sentido=s), suggestion=did_you_mean(a, cases[s]) or None)
            text = R.string(path + (s, a))
            expr = None if text == V.NO_DATA_DECISION else R.expr(path + (s, a), names, functions, ".".join(map(str, path + (s, a))))
            out[(s, a)] = ZeroDecision(text, expr, R.ref(path + (s, a)))
    return out


def _steps(R: _Reader, aggregates: dict, formulas: dict) -> list[str]:
    """Aggregates and figure-reading formulas (scopes aei/oei/plan) in dependency order."""
    nodes = set(aggregates) | {n for n, f in formulas.items() if f.scope in V.FIGURE_FORMULA_SCOPES}
    deps: dict[str, list[str]] = {}
    for n in nodes:
        if n in aggregates:
            deps[n] = [aggregates[n].value] if aggregates[n].value in nodes else []
        else:
            deps[n] = [x for x in formulas[n].expr.sorted_names if x in nodes]
    return _dependency_order(
        R, list(aggregates) + [n for n in formulas if n in nodes], deps,
        lambda n, chain: (("agregados" if n in aggregates else "formulas", n), msg("rs_circular_figures", chain=chain)),
    )


def _dependency_order(R: _Reader, names: list[str], deps: dict[str, list[str]], cycle) -> list[str]:
    """``names`` with every name after the ones it depends on; a cycle fails at ``cycle(name, chain)``
    (the key path and the message)."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(n: str, stack: list[str]) -> None:
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            R.fail(*cycle(n, " -> ".join(stack + [n])))
        state[n] = 1
        for d in deps[n]:
            visit(d, stack + [n])
        state[n] = 2
        order.append(n)

    for n in names:
        visit(n, [])
    return order


def _cumulative_entry(R: _Reader, agregs: set[str]) -> tuple[frozenset[str], str]:
    """``[avance.entrada_acumulados]``: ``agregaciones`` (categories of [vocabulario.agregacion])
    whose plan values are written as ``forma`` = "anual" (each year's own value) or "acumulada"
    (the running total from the plan's first year)."""
    path = ("avance", "entrada_acumulados")
    if R.get(path, None) is None:
        return frozenset(), "anual"
    R.table(path)
    R.known_keys(path, ["agregaciones", "forma", "nota"])
    cats = R.get(path + ("agregaciones",))
    if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
        R.fail(path + ("agregaciones",), msg("rs_list_of_agregaciones_any"))
    for c in cats:
        if c not in agregs:
            R.fail(path + ("agregaciones",), msg("rs_not_agregacion", value=c), suggestion=did_you_mean(c, agregs) or None)
    return frozenset(cats), R.string(path + ("forma",), choices=V.CUMULATIVE_ENTRY)


def _printing(R: _Reader, kinds: set[str], params: dict) -> Printing:
    """``[impresion]``: ``decimales`` (figure kind -> decimals printed) and one table per
    convention of :data:`V.PRINT_CONVENTIONS` with ``cifras`` (figure kinds) and, for
    ``tope_sin_decimales``, ``parametro`` (the cap parameter, default "tope")."""
    out = Printing()
    if not R.table(("impresion",), {}):
        return out
    R.known_keys(("impresion",), ["decimales", "nota"] + V.PRINT_CONVENTIONS)
    for kind in R.table(("impresion", "decimales"), {}):
        R.known_figure(("impresion", "decimales", kind), kind, kinds)
        out.decimals[kind] = R.integer(("impresion", "decimales", kind), lo=0, hi=10)
        out.decimal_refs[kind] = R.ref(("impresion", "decimales", kind))
    for name in V.PRINT_CONVENTIONS:
        path = ("impresion", name)
        if R.get(path, None) is None:
            continue
        R.table(path)
        R.known_keys(path, ["cifras", "parametro", "nota"])
        figs = R.get(path + ("cifras",))
        if not isinstance(figs, list) or not figs or not all(isinstance(k, str) for k in figs):
            R.fail(path + ("cifras",), msg("rs_list_of_kinds"))
        for k in figs:
            R.known_figure(path + ("cifras",), k, kinds)
        param = None
        if name == "tope_sin_decimales":
            param = R.string(path + ("parametro",), "tope")
            if param not in params:
                R.fail(path + ("parametro",), msg("rs_not_a_parameter", name=param), suggestion=did_you_mean(param, params) or None)
        out.conventions[name] = Convention(name, frozenset(figs), param, R.ref(path + ("cifras",)))
    return out


def _ao_monthly(R: _Reader, synonyms: dict) -> dict[str, str]:
    """``[agregacion_ao]``: per AO tipo de agregación (a category of [vocabulario.agregacion_ao], or
    "sin_tipo"), how the annual physical value comes from the 12 months."""
    table = R.table(("agregacion_ao",), {})
    cats = set(synonyms.get("agregacion_ao", {}).values()) | {V.NO_AO_AGGREGATION}
    out: dict[str, str] = {}
    for cat in table:
        if cat not in cats:
            R.fail(("agregacion_ao", cat), msg("rs_not_ao_category", name=cat, none=V.NO_AO_AGGREGATION), suggestion=did_you_mean(str(cat), cats) or None)
        out[cat] = R.string(("agregacion_ao", cat), choices=V.MONTHLY_METHODS)
    if table:
        for cat in sorted(cats - set(out)):
            R.fail(("agregacion_ao",), msg("rs_ao_no_method", name=cat), suggestion=msg("rf_for_example", example=f'{cat} = "suma"'))
    return out


def _check_partition(R: _Reader, spath: tuple, bands: list[Band]) -> None:
    first = bands[0]
    if first.lower is not None:
        R.fail(spath + ("bandas", first.name, "intervalo"), msg("rs_gap_below", bound=first.lower), suggestion=msg("rs_gap_below_hint"))
    for a, b in zip(bands, bands[1:]):
        if a.upper is None:
            R.fail(spath + ("bandas", b.name, "intervalo"), msg("rs_overlap_inf", band=b.name, other=a.name))
        if b.lower is None or a.upper < b.lower or (a.upper == b.lower and not a.upper_closed and not b.lower_closed):
            R.fail(spath + ("bandas", b.name, "intervalo"), msg("rs_gap_between", a=a.name, a_text=a.text, b=b.name, b_text=b.text))
        if a.upper > b.lower or (a.upper == b.lower and a.upper_closed and b.lower_closed):
            R.fail(spath + ("bandas", b.name, "intervalo"), msg("rs_overlap_between", a=a.name, a_text=a.text, b=b.name, b_text=b.text))
    last = bands[-1]
    if last.upper is not None:
        R.fail(spath + ("bandas", last.name, "intervalo"), msg("rs_gap_above", bound=last.upper), suggestion=msg("rs_gap_above_hint"))
