"""pei-rules: CEPLAN's PEI/POI evaluation methodology as rules-as-code.

Rule sets (TOML, ``rules/``) hold the methodology; plan files (TOML, ``plans/``) hold an
institution's data; the engine evaluates any plan under any rule set and explains
every figure down to the rule line and the plan line.
"""

from ._version import __version__  # noqa: E402

from .errors import PeiError, PlanError, RuleError  # noqa: E402
from .evaluate import Evaluation, Figure, evaluate  # noqa: E402
from .plan import Plan, load_plan  # noqa: E402
from .ruleset import RuleSet, load_ruleset  # noqa: E402


def __getattr__(name: str):
    """``pei_rules.api`` and ``pei_rules.evaluate_file`` load on first use (start-up stays small)."""
    if name in ("api", "evaluate_file"):
        import importlib

        api = importlib.import_module(".api", __name__)  # lazy, for start-up time; api never imports the package
        return api if name == "api" else api.evaluate_file
    raise AttributeError(f"module 'pei_rules' has no attribute {name!r}")

__all__ = [
    "__version__",
    "PeiError",
    "PlanError",
    "RuleError",
    "Evaluation",
    "Figure",
    "evaluate",
    "evaluate_file",
    "api",
    "Plan",
    "load_plan",
    "RuleSet",
    "load_ruleset",
]
