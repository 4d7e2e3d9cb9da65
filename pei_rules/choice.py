"""Choosing the rule set for a year, when the user names none.

The candidates are the rule sets of the search path whose ``[conjunto] vigencia`` covers
the year (an id declared by two folders with different content is an error naming both:
see :func:`pei_rules.ruleset.lookup`). Preference, highest first:

1. an ``anclado = true`` claim *that holds*: the set has anchor cases (``casos/*.toml`` in
   its own folder, run through the engine's own code) and every one of them passes. A
   claim without passing cases counts for nothing;
2. the latest ``vigencia.desde``;
3. a bundled set before a local one (PEI_RULES_PATH, ./rules);
4. the id, alphabetically last (deterministic).

A candidate that does not load is never picked, and the choice says so. The reason
returned names the folder and the content hash of the set chosen, so an output always
says which files made its numbers.
"""
from __future__ import annotations

from pathlib import Path

from .errors import PeiError, UsageError
from .files import shown_path
from .i18n import msg
from .rulecases import case_files, load_cases, run_case
from .ruleset import Found, RuleSet, candidates_for_year, load_ruleset, session, valid_from


SHOW = 8  # other candidates named in the reason


def anchor_holds(rs: RuleSet, folder: Path) -> tuple[bool, int, int]:
    """(claim holds, cases run, cases failed) for the anchor cases in ``folder/casos``."""
    run = failed = 0
    try:
        for f in case_files(folder):
            for case in load_cases(f, rs.id):
                if rs.id not in case.rulesets:
                    continue
                run += 1
                if not run_case(case, rs).ok:
                    failed += 1
    except PeiError:
        return False, run, failed + 1
    return run > 0 and failed == 0, run, failed


def describe(rs: RuleSet) -> str:
    """``folder …, sha256 …``: which files a result was computed with."""
    return msg("trust_set_used", folder=shown_path(rs.folder), sha=rs.content_hash[:16])



def pick_for_year(year: int) -> tuple[Path, str]:
    """The rule set valid for ``year`` and why it was picked (folder and content hash included)."""
    with session():
        return _pick_for_year(year)


def _pick_for_year(year: int) -> tuple[Path, str]:
    """Every candidate is loaded (one that does not load is named), but anchor cases run only
    as far as the choice needs: candidates claiming an anchor are tried from the best ranked
    (latest vigencia, bundled, id) and the first whose cases pass wins; the others' claims are
    not needed, so their cases are not run. Without such a set, the best ranked one wins."""
    rank = lambda c: (valid_from(c[0]), c[0].bundled, c[0].id or "")  # noqa: E731
    loaded: list[tuple[Found, RuleSet]] = []
    broken: list[str] = []
    for f in candidates_for_year(year):
        try:
            loaded.append((f, load_ruleset(f.folder)))
        except PeiError:  # a rule set that does not load is never picked, and the choice says so
            broken.append(f.id or str(f.folder))
    skipped = msg("trust_skipped_broken", ids=", ".join(broken)) if broken else ""
    if not loaded:
        raise UsageError(f"no rule set declares validity for {year}{skipped}", suggestion="choose one with --rules")
    loaded.sort(key=rank, reverse=True)
    claims: dict[str, tuple[bool, str]] = {}  # id -> (holds, note), for the anchors run
    chosen = None
    for f, rs in loaded:
        if rs.anchored:
            holds, run, failed = anchor_holds(rs, f.folder)
            claims[f.id or ""] = holds, msg("trust_anchor_holds", n=run) if holds else msg("trust_anchor_fails", n=run, failed=failed)
            if holds:
                chosen = (f, rs)
                break
    f, rs = chosen or loaded[0]
    rid = f.id or ""
    why = msg("trust_why_year", id=rid, year=year, used=describe(rs))
    if not f.bundled:
        why += msg("trust_why_local")
    if rs.anchored:
        why += claims[rid][1]
    others = [c[0].id for c in loaded if c[0] is not f]
    unverified = [i for i, (holds, _) in claims.items() if not holds and i != rid]
    if others:
        shown = ", ".join(others[:SHOW]) + (f" (+{len(others) - SHOW})" if len(others) > SHOW else "")
        why += msg("trust_why_others", ids=shown)
    if unverified:
        why += msg("trust_why_unverified", ids=", ".join(unverified))
    return f.folder, why + skipped


__all__ = ["anchor_holds", "describe", "pick_for_year"]
