"""A multi-year plan written by the tests (issue 12's "done when"): a whole PEI horizon of 5
years, 24 indicators, a POI of 104 AOs per year with monthly physical and financial values,
and the figures a B-7-era report series published year after year.

The published figures are computed here with plain Decimal arithmetic from the data this
module generates (a second, hand-written computation, like ``benchmarks/baseline.py``), and
printed the way such reports print: a capped advance as "100", an exact hit as "100.00",
no avance as "N/D", amounts with thousands separators. A few are deliberately wrong the way
real reports are: a narrative that prints the untruncated value, an AO row showing another
AO's %, a year showing the previous year's value, and a figure the era did not compute.
``EXPECTED`` says what each published figure must audit as, and why.
"""
from __future__ import annotations

import random
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

YEARS = list(range(2021, 2026))
N_IND = 24
N_AO = 104
D100 = Decimal(100)

#: a rule set of the B-7 era, extending ceplan-2023: advances printed with 2 decimals, a capped
#: value printed without decimals, no weighted execution and no Tipo II
B7_RULES = """[conjunto]
id = "prueba-b7"
extends = "ceplan-2023"
titulo = "Era del Anexo B-7 (prueba)"

[agregados.ejecucion_ponderada]
activo = false

[avance.tipos.tipo_ii]
activo = false

[redondeo.decimales]
avance_indicador = 2
avance_tipo_i = 2

[impresion.tope_sin_decimales]
cifras = ["avance_indicador"]
parametro = "tope"
"""


def _q2(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _toml(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    if v is None:
        return '"N/D"'
    if isinstance(v, str):
        return '"' + v.replace('"', '\\"') + '"'
    return str(v)


def _money(x: Decimal) -> str:
    return f"S/ {x:,.2f}"


def generate(seed: int = 12) -> tuple[str, list[dict]]:
    """The plan's TOML text, and the expectation of each [[publicado]] entry in order:
    ``{"figure", "year", "status", "cause" (a piece of the first cause or reason), "convention"}``."""
    rnd = random.Random(seed)
    out: list[str] = [
        "# Plan de prueba multianual (generado por tests/multiyear.py)\n",
        '[entidad]\ncodigo = "MULTI"\nnombre = "Entidad multianual de prueba"\n',
        f"[plan]\ndesde = {YEARS[0]}\nhasta = {YEARS[-1]}\n",
    ]
    oeis = [f"OEI.0{i}" for i in range(1, 5)]
    aeis = [(f"AEI.0{i}.0{j}", f"OEI.0{i}") for i in range(1, 5) for j in range(1, 6)]
    for i, o in enumerate(oeis, 1):
        out.append(f'[[oei]]\ncodigo = "{o}"\ndenominacion = "Objetivo {i}."\nprioridad = {i}\n')
    for k, (a, o) in enumerate(aeis):
        out.append(f'[[aei]]\ncodigo = "{a}"\noei = "{o}"\ndenominacion = "Acción {a}."\nrelevancia = {1 + k % 3}\nprioridad = {1 + k}\n')
    # indicators: 20 of AEIs (the first four descendente), 4 of OEIs
    inds = []
    for n in range(N_IND):
        owner = aeis[n][0] if n < 20 else oeis[n - 20]
        sentido = "Descendente" if n < 4 else "Ascendente"
        esperado = {y: rnd.randint(20, 60) for y in YEARS}
        obtenido: dict[int, int | None] = {}
        for y in YEARS:
            r = rnd.random()
            obtenido[y] = None if r < 0.1 else rnd.randint(0, 80)
        inds.append((f"IND.{n + 1:02d}", owner, sentido, esperado, obtenido))
    # fixed cases the published figures rely on
    inds[0][4][2023] = 0  # a descendente that reaches 0: target met, capped
    inds[5][3][2022], inds[5][4][2022] = 30, 20  # 66.666… -> "66.67"; the narrative prints "66.666"
    inds[6][3][2024], inds[6][4][2024] = 40, 40  # an exact hit: "100.00"
    inds[7][3][2024], inds[7][4][2024] = 20, 50  # capped: "100"
    inds[8][4][2025] = None  # no data: "N/D"
    inds[9][3][2023], inds[9][4][2023] = 50, 20  # 40.00 ...
    inds[9][3][2024], inds[9][4][2024] = 50, 30  # ... 60.00, published as 2023's 40.00
    for code, owner, sentido, esperado, obtenido in inds:
        out.append(
            f'[[indicador]]\ncodigo = "{code}"\nde = "{owner}"\nnombre = "Indicador {code}."\nunidad_medida = "número"\n'
            f'sentido = "{sentido}"\nagregacion = "No acumulado"\n'
            f"logro_esperado = {{ {', '.join(f'{y} = {v}' for y, v in esperado.items())} }}\n"
            f"valor_obtenido = {{ {', '.join(f'{y} = {_toml(v)}' for y, v in obtenido.items())} }}\n"
        )
    # POI: 104 AOs a year, monthly physical ("Acumulado anual") and financial values
    ao_pct: dict[int, dict[str, Decimal]] = {}
    fin: dict[int, tuple[Decimal, Decimal]] = {}
    for y in YEARS:
        ao_pct[y] = {}
        tot_p = tot_d = Decimal(0)
        body = []
        for k in range(N_AO):
            code = f"AO.{y}.{k + 1:03d}"
            aei = aeis[k % len(aeis)][0]
            prog = [rnd.randint(0, 3) for _ in range(12)]
            prog[11] += 1  # never 0 in the year
            ejec = [max(0, p - (1 if rnd.random() < 0.2 else 0)) for p in prog]
            pim = [Decimal(rnd.randint(0, 5000)) * 10 for _ in range(12)]
            dev = [(p * Decimal(rnd.randint(50, 100)) / 100).quantize(Decimal("0.01")) for p in pim]
            ao_pct[y][code] = _q2(D100 * sum(ejec) / sum(prog))
            tot_p += sum(pim)
            tot_d += sum(dev)
            body.append(
                f'[[poi.{y}.ao]]\ncodigo = "{code}"\naei = "{aei}"\nagregacion = "Acumulado anual"\n'
                f'prioridad = "{"Muy alta" if k % 4 == 0 else "Alta"}"\ncentro_costo = "CC-{k % 7:02d}"\n'
                f"programado_mensual = {_toml(prog)}\nejecutado_mensual = {_toml(ejec)}\n"
                f"financiero_programado_mensual = {_toml(pim)}\nfinanciero_ejecutado_mensual = {_toml(dev)}\n"
            )
        fin[y] = (tot_p, tot_d)
        out.append(f"[poi.{y}]\npim = {tot_p}\ndevengado = {tot_d}\n")
        out.extend(body)

    published: list[str] = []
    expected: list[dict] = []

    def pub(figure: str, year: int, value: str, status: str, cause: str = "", convention: str = "", source: str = "Anexo B-7") -> None:
        published.append(f'[[publicado]]\nfigura = "{figure}"\nanio = {year}\nvalor = "{value}"\nfuente = "{source} {year}"\n')
        expected.append({"figure": figure, "year": year, "status": status, "cause": cause, "convention": convention})

    # every indicator's avance, every year, as the B-7 annex prints it
    for code, owner, sentido, esperado, obtenido in inds:
        for y in YEARS:
            o, e = obtenido[y], Decimal(esperado[y])
            if o is None:
                pub(f"avance_indicador:{code}", y, "N/D", "match", convention="N/D publicado")
                continue
            o = Decimal(o)
            raw = (D100 * e / o) if (sentido == "Descendente" and o != 0) else (D100 if sentido == "Descendente" else D100 * o / e)
            capped = raw > D100 or (sentido == "Descendente" and o == 0)
            if code == "IND.10" and y == 2024:
                continue  # published below, with a sibling year's value
            if capped:
                pub(f"avance_indicador:{code}", y, "100", "match", convention="un valor con tope se imprime sin decimales")
            else:
                pub(f"avance_indicador:{code}", y, str(_q2(raw)), "match", convention="decimales de la regla: 2")
    # the narrative prints the untruncated value (66.666… to three decimals, truncated)
    exact = D100 * 20 / 30
    pub("avance_indicador:IND.06", 2022, str(exact.quantize(Decimal("0.001"), rounding=ROUND_DOWN)), "mismatch", cause="es el valor sin redondear", source="Informe, texto")
    # a year prints the previous year's value
    pub("avance_indicador:IND.10", 2024, "40.00", "mismatch", cause="es el valor de la misma cifra en 2023")
    # an AO row prints another AO's %
    for y in YEARS:
        codes = list(ao_pct[y])
        a, b = next((a, b) for a, b in zip(codes, codes[1:]) if ao_pct[y][a] != ao_pct[y][b] and list(ao_pct[y].values()).count(ao_pct[y][b]) == 1)
        pub(f"ejecucion_fisica_ao:{a}", y, str(ao_pct[y][b]), "mismatch", cause=f"ejecucion_fisica_ao:{b}")
        pub(f"ejecucion_fisica_ao:{b}", y, str(ao_pct[y][b]), "match")
        tot_p, tot_d = fin[y]
        pub("ejecucion_financiera_entidad", y, str(_q2(D100 * tot_d / tot_p)), "match")
        pub(f"dato:poi.{y}.pim", y, _money(tot_p), "match")
    # a figure the era did not compute
    pub("ejecucion_ponderada", 2025, "95.10", "not_recomputable", cause="la regla no define esta cifra")
    return "\n".join(out + published), expected
