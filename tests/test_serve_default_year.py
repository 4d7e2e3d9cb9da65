"""``serve`` chooses the year as the library does: :func:`pei_rules.api.default_year`."""
from __future__ import annotations

from pathlib import Path

import pytest

from pei_rules import api
from pei_rules.errors import UsageError
from pei_rules.serve import service
from pei_rules.serve.errors import ServeError
from pei_rules.serve.service import Options, Service
from pei_rules.serve.uploads import PlanSource

ZED = Path(__file__).resolve().parents[1] / "plans" / "zed-ilo" / "pei-2023-2025.toml"


def _source(text: str) -> PlanSource:
    return PlanSource("zed.toml", text.encode("utf-8"), "toml")


def test_the_service_asks_the_library_for_the_year(monkeypatch):
    svc = Service()
    ev = svc.evaluation(_source(ZED.read_text(encoding="utf-8")), Options())
    assert ev.year == api.default_year(ev.plan) == 2023
    asked = []
    monkeypatch.setattr(api, "default_year", lambda plan: asked.append(plan) or 2024)
    assert svc.evaluation(_source(ZED.read_text(encoding="utf-8")), Options()).year == 2024 and asked


def test_a_plan_without_values_is_a_422_naming_it():
    plan = api.load_plan(ZED)
    for ind in plan.model.indicador:
        ind.valor_obtenido.clear()
    plan.model.poi.clear()
    with pytest.raises(UsageError):
        api.default_year(plan)
    with pytest.raises(ServeError) as ei:
        service.default_year(plan)
    assert ei.value.status == 422 and ei.value.key == "serve_err_no_year"
