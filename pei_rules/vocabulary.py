"""The engine's own vocabulary: what a rule set may refer to.

These are not CEPLAN numbers or formulas; they are the names of the things the engine
can compute with (the inputs each scope provides from a plan, the aggregation methods,
the rounding modes). Rule files choose among them.
"""
from decimal import ROUND_DOWN, ROUND_HALF_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP

RULE_SECTIONS = [
    "conjunto",
    "parametros",
    "vocabulario",
    "avance",
    "formulas",
    "ponderacion",
    "agregados",
    "semaforo",
    "conteos",
    "redondeo",
    "unidades",
    "inferencia_sentido",
    "periodos",
    "agregacion_ao",
    "impresion",
    "informe",
    "referencias",
]
CORE_SECTIONS = set(RULE_SECTIONS[:10]) | {"agregacion_ao"}
META_KEYS = ["id", "titulo", "directiva", "vigencia", "anclado", "anclaje", "periodos", "funciones", "extends", "notas"]
PERIODS = ["anual", "semestral"]

#: inputs available to formulas, by scope
SCOPE_INPUTS = {
    "indicador": ["obtenido", "esperado", "base", "obtenido_acumulado", "esperado_acumulado", "esperado_final"],
    # physical (annual, or from the months per [agregacion_ao]) and financial (PIM / devengado:
    # annual, or the sum of the months) values of the AO
    "ao": ["programado", "ejecutado", "pim", "devengado"],
    # the POI's own totals, and the sums over all the year's AOs (below)
    "plan": ["pim", "devengado", "programado_ao", "ejecutado_ao", "pim_ao", "devengado_ao"],
    # formulas of these scopes also read the figures of the same AEI / OEI (aggregates, formulas)
    "aei": ["programado_ao", "ejecutado_ao", "pim_ao", "devengado_ao"],
    "oei": ["programado_ao", "ejecutado_ao", "pim_ao", "devengado_ao"],
}
#: inputs of aei/oei/plan formulas that add up an AO input over the AOs of the AEI, of the
#: OEI's AEIs, or of the whole POI; N/D when an AO lacks it or there is no AO
AO_SUMS = {"programado_ao": "programado", "ejecutado_ao": "ejecutado", "pim_ao": "pim", "devengado_ao": "devengado"}
FORMULA_SCOPES = ["ao", "plan", "indicador", "aei", "oei"]
#: scopes whose formulas may read other figures of the same owner
FIGURE_FORMULA_SCOPES = ("aei", "oei", "plan")
WEIGHT_INPUTS = ["r", "r_max", "r_min", "n"]
ALL_INPUT_NAMES = {n for v in SCOPE_INPUTS.values() for n in v} | set(WEIGHT_INPUTS)

AGGREGATE_SCOPES = ["aei", "oei", "plan"]
#: which members each scope can aggregate
MEMBERS = {
    "aei": ["indicadores", "ao"],
    "oei": ["indicadores", "aei", "ao"],
    "plan": ["aei", "oei", "ao", "indicadores"],
}
MEMBER_SCOPE = {"indicadores": "indicador", "aei": "aei", "oei": "oei", "ao": "ao"}
METHODS = ["media", "media_ponderada", "mediana", "minimo", "maximo", "suma"]
WEIGHTED_METHODS = {"media_ponderada"}
#: which members' values an aggregate reads: exact (unrounded) or rounded as printed
INTERMEDIATES = ["exactos", "redondeados"]
#: owner levels an aggregate or count of indicators can be restricted to
OWNER_LEVELS = ["aei", "oei"]

#: what gives a member its grade r in a weighted aggregate
WEIGHT_ATTRIBUTES = ["relevancia", "prioridad"]

#: printing conventions a rule set may declare in [impresion] (how its era's reports print figures):
#: "enteros_sin_decimales": a whole value is printed without decimals ("100", "50" for 100.0, 50.0);
#: "tope_sin_decimales": a capped value (equal to the cap parameter, reached by capping) is printed
#: without decimals ("100") and an exact hit with the figure's decimals ("100.00")
PRINT_CONVENTIONS = ["enteros_sin_decimales", "tope_sin_decimales"]

#: how a plan writes the yearly values of an acumulado indicator ([avance.entrada_acumulados]):
#: each year's own value, or the running total from the plan's first year
CUMULATIVE_ENTRY = ["anual", "acumulada"]

#: how an AO's annual physical value comes from its 12 monthly values ([agregacion_ao])
MONTHLY_METHODS = ["suma", "ultimo", "maximo", "media"]
#: the [agregacion_ao] entry for an AO that declares no tipo de agregación
NO_AO_AGGREGATION = "sin_tipo"
#: the value of a zero-denominator decision that keeps the figure without data
NO_DATA_DECISION = "sin_dato"

ROUNDING_MODES = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "half_down": ROUND_HALF_DOWN,
    "down": ROUND_DOWN,
    "up": ROUND_UP,
}

#: an institution's own rules, next to its plan file, applied over the chosen rule set
OVERRIDE_NAME = "reglas-propias.toml"

#: how plans and spreadsheets write "no data" (compared without case); N/D is not zero
ND_WORDS = frozenset({"n/d", "nd", "s/d", "sin dato"})
