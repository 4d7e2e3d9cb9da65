"""Shared fixtures: the repository's rule sets and the ZED ILO plan."""
from __future__ import annotations

from pathlib import Path

import pytest

from pei_rules import evaluate, load_plan, load_ruleset

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
PLANS = ROOT / "plans"
ZED = PLANS / "zed-ilo" / "pei-2023-2025.toml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def zed_plan():
    return load_plan(ZED)


@pytest.fixture(scope="session")
def rules_2023():
    return load_ruleset(RULES / "ceplan-2023")


@pytest.fixture(scope="session")
def zed_eval(zed_plan, rules_2023):
    return evaluate(zed_plan, rules_2023, 2023)
