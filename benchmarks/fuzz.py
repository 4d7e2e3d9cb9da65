"""Long fuzzing run over plan files, rule files and rule expressions.

    python benchmarks/fuzz.py --minutes 10            # all targets, in turn
    python benchmarks/fuzz.py --minutes 3 --target plans --seed 7

It runs the checks of ``tests/test_fuzz_inputs.py`` and ``tests/test_sandbox_escapes.py``
(the suite runs them with a few dozen examples) in rounds of ``--examples`` Hypothesis
examples each, fresh random data every round, until the time is up. It stops at the first
failure and prints Hypothesis' minimal falsifying example; exit 0 means no failure in the
whole run. Nothing is written outside a temporary folder, and no example database is kept.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import strategies as S
import test_fuzz_inputs as F
import test_sandbox_escapes as X
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st


def _targets(tmp: Path, examples: int):
    cfg = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )

    @cfg
    @given(case=S.broken_plans())
    def plans(case):
        doc, what, key = case
        F.check_broken_plan(S.to_toml(doc).encode("utf-8"), what, key, Path(tempfile.mkdtemp(dir=tmp)))

    @cfg
    @given(case=S.broken_plans())
    def commands(case):
        doc, what, key = case
        F.check_every_command(S.to_toml(doc).encode("utf-8"), Path(tempfile.mkdtemp(dir=tmp)))

    @cfg
    @given(raw=S.mutate_bytes(S.to_toml(S.valid_plan_doc()).encode("utf-8")))
    def bytes_(raw):
        F.check_damaged_bytes(raw, Path(tempfile.mkdtemp(dir=tmp)))

    @cfg
    @given(case=S.valid_edge_plans())
    def edges(case):
        doc, esperado, obtenido = case
        F.check_valid_edges(S.to_toml(doc).encode("utf-8"), esperado, obtenido, Path(tempfile.mkdtemp(dir=tmp)), F.RULES_2023)

    @cfg
    @given(case=S.broken_rule_files(F.RULE_DOCS))
    def rules(case):
        F.check_mutated_rules(case, Path(tempfile.mkdtemp(dir=tmp)), S.VALID_PLAN_PATH)

    @cfg
    @given(case=S.broken_rule_files(F.RULE_DOCS))
    def rulecommands(case):
        F.check_rule_commands(case, Path(tempfile.mkdtemp(dir=tmp)))

    @cfg
    @given(text=S.allowed_expressions(sorted(X.INPUTS - {"tope"}), sorted(X.FUNCS)), data=st.data())
    def expressions(text, data):
        X.test_random_allowed_expressions_are_bounded.hypothesis.inner_test(text=text, data=data)

    @cfg
    @given(data=st.data())
    def bundled(data):
        X.test_bundled_expressions_are_bounded_on_any_input.hypothesis.inner_test(data=data)

    return {"plans": plans, "commands": commands, "bytes": bytes_, "edges": edges, "rules": rules, "rulecommands": rulecommands, "expressions": expressions, "bundled": bundled}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=5.0, help="how long to run (default 5)")
    ap.add_argument("--target", action="append", choices=["plans", "commands", "bytes", "edges", "rules", "rulecommands", "expressions", "bundled"], help="only these targets (repeatable)")
    ap.add_argument("--examples", type=int, default=200, help="Hypothesis examples per round (default 200)")
    ap.add_argument("--seed", type=int, default=None, help="seed for the rounds (default: random)")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    end = time.monotonic() + args.minutes * 60
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="pei-fuzz-") as tmp:
        targets = _targets(Path(tmp), args.examples)
        names = args.target or list(targets)
        rounds = 0
        while time.monotonic() < end:
            name = names[rounds % len(names)]
            round_seed = rng.getrandbits(64)
            t0 = time.monotonic()
            try:
                seed(round_seed)(targets[name])()
            except Exception:
                traceback.print_exc()
                print(f"\nFAILED: target '{name}', round seed {round_seed} (rerun with --target {name} --seed ...)", file=sys.stderr)
                return 1
            counts[name] = counts.get(name, 0) + args.examples
            rounds += 1
            print(f"[{time.strftime('%H:%M:%S')}] {name}: {args.examples} examples in {time.monotonic() - t0:.1f} s", flush=True)
    total = sum(counts.values())
    print(f"no failure: {total} examples ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}) in {args.minutes} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
