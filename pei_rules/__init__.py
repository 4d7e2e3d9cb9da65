"""pei-rules: CEPLAN's PEI/POI evaluation methodology as rules-as-code.

Rule sets (TOML, ``rules/``) hold the methodology; plan files (TOML, ``plans/``) hold an
institution's data; the engine evaluates any plan under any rule set and explains
every figure down to the rule line and the plan line.
"""

__version__ = "0.1.0"

from .errors import PeiError, PlanError, RuleError  # noqa: E402

#: names loaded on first use, so that ``import pei_rules`` (and every command's start-up) does
#: not import pydantic and the engine before a command needs them
_LAZY = {
    "Evaluation": "evaluate",
    "Figure": "evaluate",
    "evaluate": "evaluate",
    "Plan": "plan",
    "load_plan": "plan",
    "RuleSet": "ruleset",
    "load_ruleset": "ruleset",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pei_rules' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # once loaded, an ordinary attribute
    return value

__all__ = [
    "__version__",
    "PeiError",
    "PlanError",
    "RuleError",
    "Evaluation",
    "Figure",
    "evaluate",
    "Plan",
    "load_plan",
    "RuleSet",
    "load_ruleset",
]
