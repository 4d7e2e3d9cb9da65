"""The plan format (issue 12): the new keys, their validation, and docs/plan-format.md.

docs/plan-format.md must document every key the schema accepts (a key added to
``pei_rules/plan.py`` without documentation fails here), and its example must load.
"""
from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from pei_rules.plan import PlanModel, load_plan
from pei_rules.tomlsource import load_toml_bytes
from pei_rules.plan import plan_from_doc

DOC = ROOT / "docs" / "plan-format.md"


def _keys(model, seen=None) -> set[str]:
    import typing

    from pydantic import BaseModel

    seen = set() if seen is None else seen
    out: set[str] = set()
    if model in seen:
        return out
    seen.add(model)
    for name, fld in model.model_fields.items():
        out.add(name)
        stack = [fld.annotation]
        while stack:
            ann = stack.pop()
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                out |= _keys(ann, seen)
            stack.extend(typing.get_args(ann))
    return out


def test_every_schema_key_is_documented():
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)`", text, re.M))
    missing = sorted(_keys(PlanModel) - documented - {"entidad", "plan", "oei", "aei", "indicador", "poi", "publicado", "ao"})
    assert not missing, f"document these plan keys in docs/plan-format.md (a table row '| `key` | type | required | example |'): {missing}"
    for section in ("[entidad]", "[plan]", "[[oei]]", "[[aei]]", "[[indicador]]", "[poi.YEAR]", "[[poi.YEAR.ao]]", "[[publicado]]"):
        assert f"`{section}`" in text, section


def _doc_example() -> str:
    text = DOC.read_text(encoding="utf-8")
    part = text.split("## Example", 1)[1]
    return part.split("```toml\n", 1)[1].split("```", 1)[0]


def _plan(text: str, name: str = "plan.toml"):
    return plan_from_doc(load_toml_bytes(text.encode("utf-8"), name))


def test_doc_example_loads_with_the_new_keys():
    plan = _plan(_doc_example())
    m = plan.model
    assert m.oei[0].prioridad == "1" and m.aei[0].prioridad == "1"
    ao = m.poi[2023].ao[0]
    assert ao.agregacion == "Acumulado anual" and ao.prioridad == "Muy alta" and ao.centro_costo == "Oficina de Tecnologías"
    assert sum(ao.financiero_programado_mensual) == Decimal(100000)
    assert sum(ao.financiero_ejecutado_mensual) == Decimal(69000)
    pubs = m.publicado
    assert [(p.anio, p.periodo, p.no_data) for p in pubs] == [(2023, "anual", False), (2024, "anual", True)]


def test_zed_ilo_plan_still_loads():
    plan = load_plan(ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml")
    assert all(p.anio is None and p.periodo == "anual" for p in plan.model.publicado)


BASE = """[entidad]
codigo = "X"
nombre = "X"
[plan]
desde = 2023
hasta = 2025
[[oei]]
codigo = "OEI.01"
denominacion = "o"
[[aei]]
codigo = "AEI.01.01"
oei = "OEI.01"
denominacion = "a"
"""

money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None)
@given(months=st.lists(money, min_size=12, max_size=12), extra=st.sampled_from([None, Decimal("0.01"), Decimal(-1)]))
def test_annual_and_monthly_financial_values_must_agree(months, extra):
    """Both the annual PIM and its months may be given only when the months add up to it."""
    total = sum(months, Decimal(0))
    annual = total if extra is None else total + extra
    text = BASE + f"[[poi.2023.ao]]\ncodigo = \"AO.1\"\naei = \"AEI.01.01\"\npim = {annual}\nfinanciero_programado_mensual = [{', '.join(str(m) for m in months)}]\n"
    plan = plan_from_doc(load_toml_bytes(text.encode(), "p.toml"), strict=False)
    problems = [p.code for p in plan.problems]
    if extra is None:
        assert problems == []
    else:
        assert problems == ["valor_doble"]


@given(rank=st.integers(min_value=1, max_value=99))
def test_numeric_prioridad_is_kept_as_its_rank(rank):
    plan = _plan(BASE.replace('denominacion = "a"\n', f'denominacion = "a"\nprioridad = {rank}\n'))
    assert plan.model.aei[0].prioridad == str(rank)


def test_published_nd_words():
    text = BASE + '[[publicado]]\nfigura = "avance_aei:AEI.01.01"\nvalor = "S/D"\nfuente = "x"\nanio = 2024\nperiodo = "S1"\n'
    p = _plan(text).model.publicado[0]
    assert p.no_data and p.anio == 2024 and p.periodo == "S1"
    text = BASE + '[[publicado]]\nfigura = "avance_aei:AEI.01.01"\nvalor = "4,930,000"\nfuente = "x"\n'
    assert not _plan(text).model.publicado[0].no_data
