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
    "informe",
]
CORE_SECTIONS = set(RULE_SECTIONS[:10])
META_KEYS = ["id", "titulo", "directiva", "vigencia", "anclado", "anclaje", "periodos", "funciones", "extends", "notas"]
PERIODS = ["anual", "semestral"]

#: inputs available to formulas, by scope
SCOPE_INPUTS = {
    "indicador": ["obtenido", "esperado", "base", "obtenido_acumulado", "esperado_acumulado", "esperado_final"],
    "ao": ["programado", "ejecutado"],
    "plan": ["pim", "devengado"],
}
FORMULA_SCOPES = ["ao", "plan", "indicador"]
WEIGHT_INPUTS = ["r", "r_max", "r_min", "n"]
ALL_INPUT_NAMES = {n for v in SCOPE_INPUTS.values() for n in v} | set(WEIGHT_INPUTS)

AGGREGATE_SCOPES = ["aei", "oei", "plan"]
#: which members each scope can aggregate
MEMBERS = {
    "aei": ["indicadores", "ao"],
    "oei": ["indicadores", "aei"],
    "plan": ["aei", "oei", "ao", "indicadores"],
}
MEMBER_SCOPE = {"indicadores": "indicador", "aei": "aei", "oei": "oei", "ao": "ao"}
METHODS = ["media", "media_ponderada", "mediana", "minimo", "maximo", "suma"]
WEIGHTED_METHODS = {"media_ponderada"}

ROUNDING_MODES = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "half_down": ROUND_HALF_DOWN,
    "down": ROUND_DOWN,
    "up": ROUND_UP,
}
