"""The floor for an interpreter of rules: ceplan-2023 written directly in Python.

This is **benchmark code only**: it hard-codes, on purpose, what ``rules/ceplan-2023``
says (formulas, caps, bands, rounding, weights), so that the engine's evaluation stage can
be timed against the fastest plain-Decimal program computing the same figures from the
same validated plan. ``pei_rules`` never imports it. ``figures_of_engine`` gives the
engine's figures in the same shape, so a run can check both agree figure by figure.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext

D100 = Decimal(100)
ONE = Decimal(1)
EXPR = Context(prec=28, rounding="ROUND_HALF_EVEN", Emax=999_999, Emin=-999_999, traps=[InvalidOperation, DivisionByZero, Overflow])
Q = {1: Decimal("0.1"), 2: Decimal("0.01")}
DECIMALS = {
    "avance_indicador": 1, "avance_tipo_i": 1, "avance_tipo_ii": 1, "avance_aei": 1, "avance_oei": 1,
    "ejecucion_ponderada": 2, "ejecucion_fisica_ao": 2, "ejecucion_fisica_aei": 1,
    "ejecucion_fisica_promedio": 2, "ejecucion_fisica_mediana": 2, "ejecucion_financiera": 2,
}
BANDED = {"avance_indicador", "avance_aei", "avance_oei", "ejecucion_ponderada", "ejecucion_fisica_ao", "ejecucion_fisica_aei", "ejecucion_fisica_promedio", "ejecucion_financiera"}
BANDED |= {"ejecucion_financiera_ao", "ejecucion_financiera_aei", "ejecucion_financiera_oei", "ejecucion_financiera_entidad"}
SENTIDO = {"ascendente": "asc", "descendente": "desc", "no definido": "nd"}
AGREG = {"acumulado": "ac", "agregable": "ac", "no acumulado": "nac", "no agregable": "nac", "máximo permisible": "max", "maximo permisible": "max", "mínimo permisible": "min", "minimo permisible": "min"}
B75, B95 = Decimal(75), Decimal(95)


def band(v: Decimal | None) -> str:
    if v is None:
        return "sin_dato"
    return "rojo" if v < B75 else ("amarillo" if v < B95 else "verde")


def _tipo_i(s, a, o, e):
    if o is None or e is None:
        return None
    if s == "asc":
        return min(D100, D100 * o / e)
    if s == "desc":
        if o == 0 and e != 0:  # ceplan-2023's si_division_por_cero: reaching 0 meets a positive target
            return D100 if e > 0 else Decimal(0)
        return min(D100, D100 * e / o)
    if a == "max":
        return D100 if o <= e else D100 * e / o
    return D100 if o >= e else D100 * o / e


def _tipo_ii(s, a, o, e, b, oa, ea):
    if s == "nd":
        return _tipo_i(s, a, o, e)
    if a == "nac":
        if o is None or e is None or b is None:
            return None
        return D100 * (o - b) / (e - b) if s == "asc" else D100 * (b - o) / (b - e)
    if oa is None or ea is None:
        return None
    return D100 * oa / ea if s == "asc" else D100 * ea / oa


def _safe(fn, *args):
    try:
        return fn(*args)
    except (DivisionByZero, InvalidOperation, Overflow):
        return None


def _mean(vals):
    return sum(vals, Decimal(0)) / len(vals) if vals else None


def evaluate_direct(plan, year: int) -> dict[str, Decimal | None]:
    """Every rounded figure of ceplan-2023 for ``plan`` and ``year``: id -> value (None = N/D)."""
    m = plan.model
    start = m.plan.desde
    years = range(start, year + 1)
    out: dict[str, Decimal | None] = {}
    exact_ind: dict[str, list[Decimal]] = {}
    q1, q2 = Q[1], Q[2]
    with localcontext(EXPR):
        for ind in m.indicador:
            s = SENTIDO.get(ind.sentido.casefold())
            a = AGREG.get(ind.agregacion.casefold())
            if s is None or a is None:
                raise ValueError(f"unknown sentido/agregación in {ind.codigo}")
            vo, le = ind.valor_obtenido, ind.logro_esperado
            o, e = vo.get(year), le.get(year)
            b = ind.linea_base.valor if ind.linea_base is not None else None
            oa = ea = None
            if s != "nd" and a == "ac":
                ov = [vo.get(y) for y in years]
                ev = [le.get(y) for y in years]
                oa = None if None in ov else sum(ov, Decimal(0))
                ea = None if None in ev else sum(ev, Decimal(0))
            t1 = _safe(_tipo_i, s, a, o, e)
            t2 = _safe(_tipo_ii, s, a, o, e, b, oa, ea)
            c = ind.codigo
            r1 = None if t1 is None else t1.quantize(q1, ROUND_HALF_UP)
            out[f"avance_tipo_i:{c}"] = r1
            out[f"avance_tipo_ii:{c}"] = None if t2 is None else t2.quantize(q1, ROUND_HALF_UP)
            out[f"avance_indicador:{c}"] = r1
            if t1 is not None:
                exact_ind.setdefault(ind.de, []).append(t1)
        poi = m.poi.get(year)
        aos = poi.ao if poi else []
        exact_ao: dict[str, list[Decimal]] = {}
        all_ao: list[Decimal] = []
        for ao in aos:
            p = ao.programado if ao.programado_mensual is None else (None if None in ao.programado_mensual else sum(ao.programado_mensual, Decimal(0)))
            x = ao.ejecutado if ao.ejecutado_mensual is None else (None if None in ao.ejecutado_mensual else sum(ao.ejecutado_mensual, Decimal(0)))
            v = None
            if p is not None and x is not None:
                try:
                    v = D100 * x / p
                except (DivisionByZero, InvalidOperation):
                    v = None
            out[f"ejecucion_fisica_ao:{ao.codigo}"] = None if v is None else v.quantize(q2, ROUND_HALF_UP)
            if v is not None:
                exact_ao.setdefault(ao.aei, []).append(v)
                all_ao.append(v)
        fin = None
        if poi is not None and poi.pim is not None and poi.devengado is not None:
            fin = _safe(lambda: D100 * poi.devengado / poi.pim)
        out["ejecucion_financiera"] = None if fin is None else fin.quantize(q2, ROUND_HALF_UP)
        # financial execution from the AOs: per AO, and sums of devengado over sums of PIM per
        # AEI, per OEI (its AEIs' AOs) and for the entity; N/D when an AO lacks either or none
        money: dict[str, tuple] = {}
        for ao in aos:
            pim = ao.pim if ao.pim is not None or ao.financiero_programado_mensual is None else (None if None in ao.financiero_programado_mensual else sum(ao.financiero_programado_mensual, Decimal(0)))
            dev = ao.devengado if ao.devengado is not None or ao.financiero_ejecutado_mensual is None else (None if None in ao.financiero_ejecutado_mensual else sum(ao.financiero_ejecutado_mensual, Decimal(0)))
            money[ao.codigo] = (pim, dev)
            r = None if pim is None or dev is None else _safe(lambda: D100 * dev / pim)
            out[f"ejecucion_financiera_ao:{ao.codigo}"] = None if r is None else r.quantize(q2, ROUND_HALF_UP)

        def ratio(group):
            if not group or any(money[a.codigo][0] is None or money[a.codigo][1] is None for a in group):
                return None
            r = _safe(lambda: D100 * sum((money[a.codigo][1] for a in group), Decimal(0)) / sum((money[a.codigo][0] for a in group), Decimal(0)))
            return None if r is None else r.quantize(q2, ROUND_HALF_UP)

        aei_of_oei = {o.codigo: {a.codigo for a in m.aei if a.oei == o.codigo} for o in m.oei}
        fin_aei = {act.codigo: ratio([a for a in aos if a.aei == act.codigo]) for act in m.aei}
        fin_oei = {o.codigo: ratio([a for a in aos if a.aei in aei_of_oei[o.codigo]]) for o in m.oei}
        fin_all = ratio(aos)
    # aggregates: default context, like the engine's arithmetic outside expressions
    weighted: list[tuple[Decimal, int | None]] = []
    for act in m.aei:
        v = _mean(exact_ind.get(act.codigo, []))
        out[f"avance_aei:{act.codigo}"] = None if v is None else v.quantize(q1, ROUND_HALF_UP)
        if v is not None:
            weighted.append((v, act.relevancia))
        f = _mean(exact_ao.get(act.codigo, []))
        out[f"ejecucion_fisica_aei:{act.codigo}"] = None if f is None else f.quantize(q1, ROUND_HALF_UP)
        out[f"ejecucion_financiera_aei:{act.codigo}"] = fin_aei[act.codigo]
    for o in m.oei:
        v = _mean(exact_ind.get(o.codigo, []))
        out[f"avance_oei:{o.codigo}"] = None if v is None else v.quantize(q1, ROUND_HALF_UP)
        out[f"ejecucion_financiera_oei:{o.codigo}"] = fin_oei[o.codigo]
    out["ejecucion_financiera_entidad"] = fin_all
    wp = None
    if weighted and all(r is not None for _, r in weighted):
        r_max = max(r for _, r in weighted)
        raws = [Decimal(r_max - r + 1) for _, r in weighted]
        total = sum(raws, Decimal(0))
        wp = sum((v * w for (v, _), w in zip(weighted, raws)), Decimal(0)) / total
    out["ejecucion_ponderada"] = None if wp is None else wp.quantize(q2, ROUND_HALF_UP)
    mean = _mean(all_ao)
    out["ejecucion_fisica_promedio"] = None if mean is None else mean.quantize(q2, ROUND_HALF_UP)
    med = None
    if all_ao:
        srt = sorted(all_ao)
        n = len(srt)
        med = srt[n // 2] if n % 2 else (srt[n // 2 - 1] + srt[n // 2]) / 2
    out["ejecucion_fisica_mediana"] = None if med is None else med.quantize(q2, ROUND_HALF_UP)
    # semáforo counts
    aei_codes = {a.codigo for a in m.aei}
    counts = {}
    for name, kind, owners in (("indicadores_aei", "avance_indicador", aei_codes), ("ejecucion_fisica_aei", "ejecucion_fisica_aei", None), ("ejecucion_fisica_ao", "ejecucion_fisica_ao", None)):
        c = {"rojo": 0, "amarillo": 0, "verde": 0, "sin_dato": 0}
        if kind == "avance_indicador":
            vals = [out[f"avance_indicador:{i.codigo}"] for i in m.indicador if i.de in owners]
        elif kind == "ejecucion_fisica_aei":
            vals = [out[f"ejecucion_fisica_aei:{a.codigo}"] for a in m.aei]
        else:
            vals = [out[f"ejecucion_fisica_ao:{a.codigo}"] for a in aos]
        for v in vals:
            c[band(v)] += 1
        for k, n in c.items():
            counts[f"conteo:{name}:{k}"] = n
    out.update(counts)
    return out


def figures_of_engine(ev) -> dict[str, Decimal | None]:
    """The engine's evaluation in the shape of :func:`evaluate_direct` (values and counts)."""
    out: dict[str, Decimal | None] = {f.id: f.value for f in ev.figures.values()}
    for c in ev.counts.values():
        for b, n in c.counts.items():
            out[f"conteo:{c.name}:{b}"] = n
    return out


def bands_of_engine(ev) -> dict[str, str]:
    return {f.id: f.band_name for f in ev.figures.values() if f.scale}


def bands_direct(figs: dict[str, Decimal | None]) -> dict[str, str]:
    return {k: band(v) for k, v in figs.items() if not k.startswith("conteo:") and k.split(":")[0] in BANDED}


def evaluate_tight(plan, year: int) -> dict[str, Decimal | None]:
    """:func:`evaluate_direct` written tighter, as a person optimising by hand would: names
    bound locally, zero divisors tested instead of trapped, no helper calls per figure,
    ids built once. The same figures (checked on every plan of a benchmark run)."""
    m = plan.model
    years = range(m.plan.desde, year + 1)
    out: dict[str, Decimal | None] = {}
    exact_ind: dict[str, list[Decimal]] = {}
    q1, q2, RH, D0 = Q[1], Q[2], ROUND_HALF_UP, Decimal(0)
    sent_of, agr_of = SENTIDO.get, AGREG.get
    with localcontext(EXPR):
        for ind in m.indicador:
            s = sent_of(ind.sentido.casefold())
            a = agr_of(ind.agregacion.casefold())
            if s is None or a is None:
                raise ValueError(f"unknown sentido/agregación in {ind.codigo}")
            vo, le = ind.valor_obtenido, ind.logro_esperado
            o, e = vo.get(year), le.get(year)
            t1 = None
            if o is not None and e is not None:
                if s == "asc":
                    if e:
                        t1 = D100 * o / e
                        if t1 > D100:
                            t1 = D100
                elif s == "desc":
                    if o:
                        t1 = D100 * e / o
                        if t1 > D100:
                            t1 = D100
                    elif e:  # ceplan-2023's si_division_por_cero: reaching 0 meets a positive target
                        t1 = D100 if e > 0 else Decimal(0)
                elif a == "max":
                    t1 = D100 if o <= e else (D100 * e / o if o else None)
                else:
                    t1 = D100 if o >= e else (D100 * o / e if e else None)
            if s == "nd":
                t2 = t1
            elif a == "nac":
                b = ind.linea_base.valor if ind.linea_base is not None else None
                t2 = None
                if o is not None and e is not None and b is not None:
                    d = e - b
                    if d:
                        t2 = D100 * (o - b) / d if s == "asc" else D100 * (b - o) / (b - e)
            else:
                ov = [vo.get(y) for y in years]
                ev = [le.get(y) for y in years]
                t2 = None
                if None not in ov and None not in ev:
                    oa, ea = sum(ov, D0), sum(ev, D0)
                    if s == "asc":
                        t2 = D100 * oa / ea if ea else None
                    else:
                        t2 = D100 * ea / oa if oa else None
            c = ind.codigo
            r1 = None if t1 is None else t1.quantize(q1, RH)
            out["avance_tipo_i:" + c] = r1
            out["avance_tipo_ii:" + c] = None if t2 is None else t2.quantize(q1, RH)
            out["avance_indicador:" + c] = r1
            if t1 is not None:
                lst = exact_ind.get(ind.de)
                if lst is None:
                    exact_ind[ind.de] = [t1]
                else:
                    lst.append(t1)
        poi = m.poi.get(year)
        aos = poi.ao if poi else []
        exact_ao: dict[str, list[Decimal]] = {}
        all_ao: list[Decimal] = []
        ao_vals = []
        for ao in aos:
            pm, xm = ao.programado_mensual, ao.ejecutado_mensual
            p = ao.programado if pm is None else (None if None in pm else sum(pm, D0))
            x = ao.ejecutado if xm is None else (None if None in xm else sum(xm, D0))
            r = None
            if p and x is not None:
                v = D100 * x / p
                r = v.quantize(q2, RH)
                lst = exact_ao.get(ao.aei)
                if lst is None:
                    exact_ao[ao.aei] = [v]
                else:
                    lst.append(v)
                all_ao.append(v)
            out["ejecucion_fisica_ao:" + ao.codigo] = r
            ao_vals.append(r)
        fin = None
        if poi is not None and poi.pim and poi.devengado is not None:
            fin = (D100 * poi.devengado / poi.pim).quantize(q2, RH)
        out["ejecucion_financiera"] = fin
        # financial execution from the AOs: sums of devengado over sums of PIM per AEI, OEI, entity
        money_aei: dict[str, list] = {}  # aei -> [pim sum, dev sum, complete]
        tot_p = tot_d = D0
        complete = bool(aos)
        for ao in aos:
            pim, dev = ao.pim, ao.devengado
            if pim is None and ao.financiero_programado_mensual is not None:
                fm = ao.financiero_programado_mensual
                pim = None if None in fm else sum(fm, D0)
            if dev is None and ao.financiero_ejecutado_mensual is not None:
                fm = ao.financiero_ejecutado_mensual
                dev = None if None in fm else sum(fm, D0)
            acc = money_aei.get(ao.aei)
            if acc is None:
                acc = money_aei[ao.aei] = [D0, D0, True]
            if pim is None or dev is None:
                out["ejecucion_financiera_ao:" + ao.codigo] = None
                acc[2] = complete = False
                continue
            out["ejecucion_financiera_ao:" + ao.codigo] = (D100 * dev / pim).quantize(q2, RH) if pim else None
            acc[0] += pim
            acc[1] += dev
            tot_p += pim
            tot_d += dev
        fin_aei = {}
        for act in m.aei:
            acc = money_aei.get(act.codigo)
            fin_aei[act.codigo] = (D100 * acc[1] / acc[0]).quantize(q2, RH) if acc and acc[2] and acc[0] else None
        fin_oei = {}
        for o in m.oei:
            accs = [money_aei[a.codigo] for a in m.aei if a.oei == o.codigo and a.codigo in money_aei]
            if accs and all(x[2] for x in accs):
                p_, d_ = sum((x[0] for x in accs), D0), sum((x[1] for x in accs), D0)
                fin_oei[o.codigo] = (D100 * d_ / p_).quantize(q2, RH) if p_ else None
            else:
                fin_oei[o.codigo] = None
        fin_all = (D100 * tot_d / tot_p).quantize(q2, RH) if complete and tot_p else None
    weighted = []
    aei_vals = []
    for act in m.aei:
        k = act.codigo
        lst = exact_ind.get(k)
        v = sum(lst, D0) / len(lst) if lst else None
        out["avance_aei:" + k] = None if v is None else v.quantize(q1, RH)
        if v is not None:
            weighted.append((v, act.relevancia))
        lst = exact_ao.get(k)
        f = (sum(lst, D0) / len(lst)).quantize(q1, RH) if lst else None
        out["ejecucion_fisica_aei:" + k] = f
        out["ejecucion_financiera_aei:" + k] = fin_aei[k]
        aei_vals.append(f)
    for o in m.oei:
        lst = exact_ind.get(o.codigo)
        out["avance_oei:" + o.codigo] = (sum(lst, D0) / len(lst)).quantize(q1, RH) if lst else None
        out["ejecucion_financiera_oei:" + o.codigo] = fin_oei[o.codigo]
    out["ejecucion_financiera_entidad"] = fin_all
    wp = None
    if weighted and all(r is not None for _, r in weighted):
        r_max = max(r for _, r in weighted)
        raws = [Decimal(r_max - r + 1) for _, r in weighted]
        wp = (sum((v * w for (v, _), w in zip(weighted, raws)), D0) / sum(raws, D0)).quantize(q2, RH)
    out["ejecucion_ponderada"] = wp
    n = len(all_ao)
    out["ejecucion_fisica_promedio"] = (sum(all_ao, D0) / n).quantize(q2, RH) if n else None
    med = None
    if n:
        srt = sorted(all_ao)
        med = (srt[n // 2] if n % 2 else (srt[n // 2 - 1] + srt[n // 2]) / 2).quantize(q2, RH)
    out["ejecucion_fisica_mediana"] = med
    aei_codes = {a.codigo for a in m.aei}
    for name, vals in (
        ("indicadores_aei", [out["avance_indicador:" + i.codigo] for i in m.indicador if i.de in aei_codes]),
        ("ejecucion_fisica_aei", aei_vals),
        ("ejecucion_fisica_ao", ao_vals),
    ):
        r = a_ = v_ = nd = 0
        for v in vals:
            if v is None:
                nd += 1
            elif v < B75:
                r += 1
            elif v < B95:
                a_ += 1
            else:
                v_ += 1
        out["conteo:" + name + ":rojo"] = r
        out["conteo:" + name + ":amarillo"] = a_
        out["conteo:" + name + ":verde"] = v_
        out["conteo:" + name + ":sin_dato"] = nd
    return out
