"""Rule sets: load the TOML rule files, resolve ``extends``, validate, compile.

A rule set is a folder of TOML files (all ``*.toml`` directly inside it). Every leaf
value keeps the file:line it was written at, through ``extends`` merges, so that every
figure can cite the rule line it came from (``pei-rules rules show`` prints them).

Nothing in this package knows a CEPLAN number, band or formula: it only knows the shape
of a rule set. The engine vocabulary it does know (figure scopes, aggregation methods,
rounding modes, the inputs each scope provides) is listed in :mod:`pei_rules.vocabulary`.

Layers, lowest first: :mod:`.schema` (the data), :mod:`.reader` (typed access, intervals),
:mod:`.validation` (checks, building), :mod:`.discovery` (finding sets), :mod:`.loader`
(files, ``extends``, caches). This module re-exports what the rest of pei-rules uses.
"""
from __future__ import annotations

from .discovery import (
    MAX_EXTENDS_DEPTH, RULESET_DIR_ENV, Found, available, bundled_dirs, candidates_for_year,
    folder_digest, index, lookup, lookup_bundled, looks_like_path, resolve, resolve_extends, scan_dir, search_dirs,
    session, valid_from,
)
from .loader import forget_rulesets_under, load_ruleset
from .schema import (
    META, AdvanceKind, Aggregate, Band, Convention, Count, Formula, Printing, RuleSet, Scale, ZeroDecision,
)
