"""Evaluation periods a rule set knows: annual, and the semestral evaluation.

A rule set lists its periods in ``[conjunto] periodos = ["anual", "semestral"]`` and says
how a semester's figures are computed in ``[periodos.semestral]``::

    [periodos.semestral]
    etiqueta = "Evaluación semestral"
    # indicator values: the semester's own ("2025-S1" in the plan's [indicador.semestral]),
    # or the sum of the year's semesters up to it
    indicadores = "del_semestre"      # "del_semestre" | "acumulado_en_el_anio"
    # AO physical targets: the semester's months, or January to the semester's last month
    ao = "acumulado_en_el_anio"       # "del_semestre" | "acumulado_en_el_anio"

The words here are the engine's vocabulary (a calendar has two semesters of six months);
the choice between them is rule data.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import vocabulary as V
from .errors import UsageError, did_you_mean
from .i18n import msg
from .ruleset import META, RuleSet

SECTION = "periodos"
SEMESTER_MODES = ("del_semestre", "acumulado_en_el_anio")
SEMESTERS = (1, 2)
MONTHS_PER_SEMESTER = 6
KEYS = {"anual": ("etiqueta",), "semestral": ("etiqueta", "indicadores", "ao")}


@dataclass(frozen=True)
class PeriodSettings:
    """A publication period (year or semester) and how its figures are taken."""
    period: str
    label: str
    indicators: str = "del_semestre"
    ao: str = "del_semestre"


def check_periods(rs: RuleSet) -> None:
    """Validate the [periodos] section against [conjunto] periodos; RuleError with file:line."""
    table = rs.extra.get(SECTION, {})
    if not isinstance(table, dict):
        raise rs.error((SECTION,), msg("rf_periods_table"))
    for name, sub in table.items():
        if name not in V.PERIODS:
            raise rs.error((SECTION, name), msg("rf_unknown_period", period=name), did_you_mean(str(name), V.PERIODS) or msg("rf_known_periods", periods=", ".join(V.PERIODS)))
        if name not in rs.periods:
            raise rs.error((SECTION, name), msg("rf_period_not_declared", period=name), f'periodos = {rs.periods + [name]!r}'.replace("'", '"'))
        if not isinstance(sub, dict):
            raise rs.error((SECTION, name), msg("rf_period_table", period=name))
        for k, v in sub.items():
            if k not in KEYS[name]:
                raise rs.error((SECTION, name, k), msg("rf_unknown_key", key=k), did_you_mean(str(k), KEYS[name]) or msg("rf_allowed", keys=", ".join(KEYS[name])))
            if k in ("indicadores", "ao") and v not in SEMESTER_MODES:
                raise rs.error((SECTION, name, k), msg("rf_not_one_of", value=v, options=", ".join(SEMESTER_MODES)), did_you_mean(str(v), SEMESTER_MODES) or None)
            if k == "etiqueta" and not isinstance(v, str):
                raise rs.error((SECTION, name, k), msg("rf_label_string"))


def settings(rs: RuleSet, period: str, semester: int | None) -> PeriodSettings:
    """The settings of a period, refusing periods the rule set does not declare (UsageError)."""
    if period not in V.PERIODS:
        raise UsageError(msg("rf_unknown_period", period=period), suggestion=msg("rf_known_periods", periods=", ".join(V.PERIODS)))
    if period not in rs.periods:
        r = rs.ref(META, "periodos")
        where = f" ({r.file}:{r.line})" if r and r.line else ""
        raise UsageError(
            msg("rf_period_not_in_rules", rules=rs.id, period=period, known=", ".join(rs.periods), where=where),
            suggestion=msg("rf_period_not_in_rules_hint"),
        )
    check_periods(rs)
    sub = rs.extra.get(SECTION, {}).get(period, {})
    if period == "semestral":
        if semester not in SEMESTERS:
            raise UsageError(msg("rf_needs_semester"))
        return PeriodSettings(period, sub.get("etiqueta", msg("rf_semestral_label")), sub.get("indicadores", "del_semestre"), sub.get("ao", "del_semestre"))
    if semester is not None:
        raise UsageError(msg("rf_semester_only_semestral"))
    return PeriodSettings(period, sub.get("etiqueta", msg("rf_annual_label")))


def semester_key(year: int, semester: int) -> str:
    """How plans key a semester: "2025-S1"."""
    return f"{year}-S{semester}"


def semester_months(semester: int, mode: str) -> range:
    """0-based month indexes of a semester (or of January to its last month)."""
    end = semester * MONTHS_PER_SEMESTER
    start = 0 if mode == "acumulado_en_el_anio" else end - MONTHS_PER_SEMESTER
    return range(start, end)
