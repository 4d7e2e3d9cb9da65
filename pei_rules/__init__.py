"""pei-rules: CEPLAN's PEI/POI evaluation methodology as rules-as-code.

Rule sets (TOML, ``rules/``) hold the methodology; plan files (TOML, ``plans/``) hold an
institution's data; the engine evaluates any plan under any rule set and explains
every figure down to the rule line and the plan line.
"""

__version__ = "0.1.0"

from .errors import PeiError, PlanError, RuleError  # noqa: E402
from .evaluate import Evaluation, Figure, evaluate  # noqa: E402
from .plan import Plan, load_plan  # noqa: E402
from .ruleset import RuleSet, load_ruleset  # noqa: E402

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
