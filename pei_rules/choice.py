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

The candidates are ranked from their headers (``ruleset.toml``'s ``[conjunto]``: id,
vigencia, the ``anclado`` claim) and where they were found; only then are they loaded, best
first, and a claim's cases run, until no set left could rank above the best one loaded (a
set's own rank is never above its header's: a claim that fails drops it to the unanchored
group). Sets ranked below the pick are not loaded. A candidate that does not load is never
picked, and the choice says so (it names those it tried: any that would have been preferred).
The reason returned names the folder and the content hash of the set chosen, so an output
always says which files made its numbers.
"""
from __future__ import annotations

from pathlib import Path

from .errors import PeiError, UsageError
from .files import shown_path
from .i18n import Message, msg
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


def describe(rs: RuleSet) -> Message:
    """``folder …, sha256 …``: which files a result was computed with."""
    return Message("trust_set_used", folder=shown_path(rs.folder), sha=rs.content_hash[:16])



def pick_for_year(year: int) -> tuple[Path, Message]:
    """The rule set valid for ``year`` and why it was picked (folder and content hash included):
    one message, ``rs_choice_why``, whose optional clauses are messages or empty."""
    with session():
        return _pick_for_year(year)


def _key(f: Found, holds: bool) -> tuple:
    return holds, valid_from(f), f.bundled, f.id


def _pick_for_year(year: int) -> tuple[Path, Message]:
    found = candidates_for_year(year)
    # ranked from the headers (the claim read where the vigencia is): no set ranks above its own
    keys = {f.id: _key(f, f.meta.get("anclado") is True) for f in found}
    best: tuple[Found, RuleSet, Message | str] | None = None
    broken: list[str] = []
    unverified: list[str] = []
    for f in sorted(found, key=lambda f: keys[f.id], reverse=True):
        if best and keys[best[0].id] > keys[f.id]:
            break  # the pick is certain: the sets ranked below it are not loaded
        try:
            rs = load_ruleset(f.folder)
        except PeiError:  # a rule set that does not load is never picked, and the choice says so
            broken.append(f.id)
            continue
        note: Message | str = ""
        if keys[f.id][0]:
            holds, run, failed = anchor_holds(rs, f.folder)
            note = Message("trust_anchor_holds", n=run) if holds else Message("trust_anchor_fails", n=run, failed=failed)
            keys[f.id] = _key(f, holds)
            unverified += [] if holds else [f.id]
        if best is None or keys[f.id] > keys[best[0].id]:
            best = f, rs, note
    skipped = Message("trust_skipped_broken", ids=", ".join(broken)) if broken else ""
    if best is None:
        raise UsageError(msg("rs_no_set_for_year", year=year, skipped=skipped), suggestion=msg("rs_choose_with_rules"))
    f, rs, note = best
    others = sorted((i for i in keys if i != f.id and i not in broken), key=keys.get, reverse=True)
    shown = ", ".join(others[:SHOW]) + (f" (+{len(others) - SHOW})" if len(others) > SHOW else "")
    unverified = [i for i in unverified if i != f.id]
    return f.folder, Message(  # one message; its optional clauses are messages or empty
        "rs_choice_why", id=f.id, year=year, used=describe(rs), local="" if f.bundled else Message("trust_why_local"),
        anchor=note, others=Message("trust_why_others", ids=shown) if others else "",
        unverified=Message("trust_why_unverified", ids=", ".join(unverified)) if unverified else "", skipped=skipped,
    )


__all__ = ["anchor_holds", "describe", "pick_for_year"]
