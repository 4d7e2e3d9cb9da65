"""Benchmark pei-rules at national scale, in one run on the same data.

    python benchmarks/run.py [--entities 3000] [--small 300] [--jobs 2] [--work /tmp/pei-bench]

Reports:
1. the evaluation stage (``pei_rules.evaluate`` on already loaded plans) against a
   hand-written pure-Python Decimal function computing the same figures
   (``benchmarks/baseline.py``), as a ratio — and checks both agree on every figure;
2. the whole ``pei-rules batch`` run (``--jobs 1`` and ``--jobs N``) against merely
   parsing the same files with ``tomllib`` (``parse_float=Decimal``), as ratios;
3. peak memory (max RSS of the largest process) and how time grows from the small corpus
   to the large one.

The corpora are generated once (``benchmarks/generate_corpus.py``, deterministic by seed)
under ``--work`` and reused. Timings are wall-clock on this machine; targets: stage <= 2x,
batch --jobs 1 <= 2x the bare parse, --jobs N faster than --jobs 1, memory flat.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate_corpus  # noqa: E402
from baseline import bands_direct, bands_of_engine, evaluate_direct, figures_of_engine  # noqa: E402

PARSE_SCRIPT = r"""
import sys, tomllib
from decimal import Decimal
from pathlib import Path
n = 0
for root in sys.argv[1:]:
    for p in sorted(Path(root).rglob("*.toml"), key=lambda q: q.as_posix()):
        try:
            tomllib.loads(p.read_bytes().decode("utf-8"), parse_float=Decimal)
        except tomllib.TOMLDecodeError:
            pass
        n += 1
print(n, file=sys.stderr)
"""

MEASURE = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
dt = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "seconds": dt, "cpu": ru.ru_utime + ru.ru_stime, "max_rss_mb": ru.ru_maxrss / 1024}))
"""


def corpus(work: Path, n: int, seed: int) -> Path:
    root = work / f"corpus-{n}-seed{seed}"
    stamp = root / ".complete"
    if not stamp.exists():
        t = time.perf_counter()
        generate_corpus.generate(root, n, seed)
        stamp.write_text(f"{n} {seed}\n")
        print(f"  generated {n} plans in {root} ({time.perf_counter() - t:.1f} s)", file=sys.stderr)
    return root


def measure(cmd: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", MEASURE] + cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def stage(root: Path, year: int, rules_spec: str = "ceplan-2023", limit: int | None = None) -> dict:
    """Time evaluate() vs the hand-written baseline on every loadable plan; check agreement.

    The engine is timed twice: untraced (``trace=False``, what ``batch`` runs: the same figures,
    bands and counts) and traced (``trace=True``, what explain/audit/report run: every figure
    also records its inputs with their plan file:line). The target applies to the batch path.
    """
    from pei_rules import PeiError, evaluate, load_plan
    from pei_rules.api import load_rules

    rules, _ = load_rules(rules_spec, year)
    files = sorted(root.rglob("*.toml"), key=lambda q: q.as_posix())[:limit]
    t_engine = t_traced = t_base = 0.0
    ok = broken = 0
    mismatches: list[str] = []
    perf = time.process_time  # CPU time of this process: robust to other load on the machine
    for i, f in enumerate(files):
        try:
            plan = load_plan(f)
        except PeiError:
            broken += 1
            continue
        # rotate the order so no side profits from a warm cache
        try:
            runs = [
                ("engine", lambda: evaluate(plan, rules, year, trace=False)),
                ("traced", lambda: evaluate(plan, rules, year)),
                ("base", lambda: evaluate_direct(plan, year)),
            ]
            k = i % 3
            out = {}
            spent = {}
            for name, fn in runs[k:] + runs[:k]:
                t0 = perf()
                out[name] = fn()
                spent[name] = perf() - t0
        except (PeiError, ValueError):  # the engine's PlanError; the baseline's ValueError
            broken += 1
            continue
        t_engine += spent["engine"]
        t_traced += spent["traced"]
        t_base += spent["base"]
        ok += 1
        direct = out["base"]
        for ev in (out["engine"], out["traced"]):
            if figures_of_engine(ev) != direct or bands_of_engine(ev) != bands_direct(direct):
                mismatches.append(str(f))
                break
    return {
        "plans": ok,
        "broken": broken,
        "engine_s": t_engine,
        "traced_s": t_traced,
        "baseline_s": t_base,
        "ratio": t_engine / t_base if t_base else None,
        "ratio_traced": t_traced / t_base if t_base else None,
        "mismatches": mismatches,
    }


def breakdown(root: Path, year: int, every: int = 10) -> dict:
    """CPU time per plan of each step of the batch pipeline, on every ``every``-th plan, measured
    in this process step after step (robust to other load): what dominates the time."""
    import tomllib
    from decimal import Decimal

    from pei_rules import PeiError, evaluate
    from pei_rules.batch import count_findings, summary_row
    from pei_rules.api import load_rules
    from pei_rules.files import write_atomic
    from pei_rules.plan import plan_from_doc
    from pei_rules.render import to_json_obj
    from pei_rules.tomlsource import load_toml

    rules, _ = load_rules("ceplan-2023", year)
    files = sorted(root.rglob("*.toml"), key=lambda q: q.as_posix())[::every]
    steps = ["tomllib parse (floor)", "read + parse + hash", "schema validation + index", "evaluate", "check", "consolidated row", "JSON render", "atomic write"]
    tot = dict.fromkeys(steps, 0.0)
    clock = time.process_time
    n = 0
    tmp = root.parent / ".breakdown.json"
    for f in files:
        raw = f.read_bytes()
        t0 = clock()
        try:
            tomllib.loads(raw.decode("utf-8"), parse_float=Decimal)
        except tomllib.TOMLDecodeError:
            continue
        t1 = clock()
        try:
            doc = load_toml(f)
            t2 = clock()
            plan = plan_from_doc(doc)
            t3 = clock()
            ev = evaluate(plan, rules, year, trace=False)  # as batch runs it
        except PeiError:
            continue
        t4 = clock()
        count_findings(plan, rules, year)
        t5 = clock()
        summary_row(ev)
        t6 = clock()
        text = json.dumps(to_json_obj(ev), ensure_ascii=False) + "\n"
        t7 = clock()
        write_atomic(tmp, text)
        t8 = clock()
        for k, d in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6, t8 - t7)):
            tot[k] += d
        n += 1
    tmp.unlink(missing_ok=True)
    per = {k: 1000 * v / n for k, v in tot.items()}
    pipeline = sum(v for k, v in per.items() if k != steps[0])
    return {"plans": n, "ms_per_plan": per, "pipeline_ms": pipeline, "ratio_to_parse": pipeline / per[steps[0]]}


def batch(root: Path, year: int, jobs: int, out: Path) -> dict:
    r = measure([sys.executable, "-m", "pei_rules", "batch", str(root), "--year", str(year), "--out", str(out), "--jobs", str(jobs), "--quiet"])
    if r["rc"] not in (0, 1):
        raise SystemExit(f"batch failed with exit code {r['rc']}")
    return r


def parse(root: Path) -> dict:
    return measure([sys.executable, "-c", PARSE_SCRIPT, str(root)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="pei-rules national-scale benchmark")
    ap.add_argument("--entities", type=int, default=3000)
    ap.add_argument("--small", type=int, default=300)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--work", default=os.environ.get("PEI_BENCH_WORK", "/tmp/pei-bench"))
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    a = ap.parse_args(argv)
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    print(f"pei-rules benchmark: {a.entities} entities (and {a.small}), seed {a.seed}, year {a.year}, {os.cpu_count()} CPUs", file=sys.stderr)
    big = corpus(work, a.entities, a.seed)
    small = corpus(work, a.small, a.seed)
    size_mb = sum(p.stat().st_size for p in big.rglob("*.toml")) / 1e6

    print("  1/4 evaluation stage vs hand-written baseline ...", file=sys.stderr)
    st = stage(big, a.year)
    print(f"      engine {st['engine_s']:.2f} s CPU (traced {st['traced_s']:.2f}), baseline {st['baseline_s']:.2f} s CPU, ratio {st['ratio']:.2f} (traced {st['ratio_traced']:.2f})", file=sys.stderr)
    bd = breakdown(big, a.year)
    print(f"      breakdown: {bd}", file=sys.stderr)
    print("  2/4 bare tomllib parse ...", file=sys.stderr)
    p_big = parse(big)
    p_small = parse(small)
    print(f"      {p_big}", file=sys.stderr)
    print("  3/4 batch --jobs 1 ...", file=sys.stderr)
    b1 = batch(big, a.year, 1, work / "out-j1")
    print(f"      {b1}", file=sys.stderr)
    print(f"  4/4 batch --jobs {a.jobs} and the small corpus ...", file=sys.stderr)
    bn = batch(big, a.year, a.jobs, work / f"out-j{a.jobs}")
    print(f"      {bn}", file=sys.stderr)
    b_small = batch(small, a.year, 1, work / "out-small")

    same = (work / "out-j1" / "resumen.csv").read_bytes() == (work / f"out-j{a.jobs}" / "resumen.csv").read_bytes()
    res = {
        "entities": a.entities,
        "corpus_mb": round(size_mb, 1),
        "cpus": os.cpu_count(),
        "stage": st,
        "parse_s": p_big["seconds"],
        "batch_j1_s": b1["seconds"],
        f"batch_j{a.jobs}_s": bn["seconds"],
        "parse_cpu_s": p_big["cpu"],
        "batch_j1_cpu_s": b1["cpu"],
        f"batch_j{a.jobs}_cpu_s": bn["cpu"],
        "batch_vs_parse_j1_cpu": b1["cpu"] / p_big["cpu"],
        "batch_vs_parse_j1": b1["seconds"] / p_big["seconds"],
        f"batch_vs_parse_j{a.jobs}": bn["seconds"] / p_big["seconds"],
        "jobs_identical_csv": same,
        "breakdown": bd,
        "small_entities": a.small,
        "parse_small_s": p_small["seconds"],
        "batch_small_j1_s": b_small["seconds"],
        "time_growth": b1["seconds"] / b_small["seconds"],
        "cpu_growth": b1["cpu"] / b_small["cpu"],
        "size_growth": a.entities / a.small,
        "rss_mb": {"parse": p_big["max_rss_mb"], "batch_j1": b1["max_rss_mb"], f"batch_j{a.jobs}": bn["max_rss_mb"], "batch_small_j1": b_small["max_rss_mb"]},
    }
    ms = lambda s, n: f"{1000 * s / n:.2f} ms/plan"  # noqa: E731
    n_all = st["plans"] + st["broken"]
    try:
        load = " (load average %.1f %.1f %.1f)" % os.getloadavg()
    except OSError:
        load = ""
    lines = [
        f"corpus: {a.entities} plans ({st['broken']} broken on purpose), {size_mb:.1f} MB; {os.cpu_count()} CPUs{load}",
        "",
        "1. evaluation stage (plans already loaded; CPU time)",
        f"   pei-rules evaluate      {st['engine_s']:8.2f} s   {ms(st['engine_s'], st['plans'])}   (trace=False, as batch runs it)",
        f"   ... with derivations    {st['traced_s']:8.2f} s   {ms(st['traced_s'], st['plans'])}   (trace=True, as explain/audit/report run it)",
        f"   hand-written baseline   {st['baseline_s']:8.2f} s   {ms(st['baseline_s'], st['plans'])}",
        f"   ratio                   {st['ratio']:8.2f} x   (target <= 2); with derivations {st['ratio_traced']:.2f} x;   figures identical: {'yes' if not st['mismatches'] else 'NO: ' + ', '.join(st['mismatches'][:5])}",
        "",
        "2. whole batch vs bare parse (wall-clock, and CPU time of all processes)",
        f"   tomllib parse only      {p_big['seconds']:8.2f} s wall  {p_big['cpu']:8.2f} s CPU   {ms(p_big['cpu'], n_all)} CPU",
        f"   batch --jobs 1          {b1['seconds']:8.2f} s wall  {b1['cpu']:8.2f} s CPU   {ms(b1['cpu'], n_all)} CPU"
        f"   ratio {res['batch_vs_parse_j1_cpu']:.2f} x CPU, {res['batch_vs_parse_j1']:.2f} x wall (target <= 2)",
        f"   batch --jobs {a.jobs}          {bn['seconds']:8.2f} s wall  {bn['cpu']:8.2f} s CPU"
        f"   ratio {res[f'batch_vs_parse_j{a.jobs}']:.2f} x wall (target: faster than --jobs 1: {'yes' if bn['seconds'] < b1['seconds'] else 'NO'}, x{b1['seconds'] / bn['seconds']:.2f})",
        f"   --jobs 1 and --jobs {a.jobs} consolidated CSV identical: {'yes' if same else 'NO'}",
        f"   per plan, step by step in one process (CPU, every 10th plan, {bd['plans']} plans):",
    ]
    lines += [f"     {k:28s} {v:7.2f} ms" for k, v in bd["ms_per_plan"].items()]
    lines += [
        f"     {'pipeline (all but the floor)':28s} {bd['pipeline_ms']:7.2f} ms   ratio {bd['ratio_to_parse']:.2f} x the bare parse",
        "",
        "3. growth and memory (max RSS of the largest process)",
        f"   batch --jobs 1, {a.small:5d} plans  {b_small['seconds']:8.2f} s wall  {b_small['cpu']:8.2f} s CPU   {ms(b_small['cpu'], a.small)} CPU   {b_small['max_rss_mb']:.0f} MB",
        f"   batch --jobs 1, {a.entities:5d} plans  {b1['seconds']:8.2f} s wall  {b1['cpu']:8.2f} s CPU   {ms(b1['cpu'], n_all)} CPU   {b1['max_rss_mb']:.0f} MB",
        f"   CPU time x{res['cpu_growth']:.2f} (wall x{res['time_growth']:.2f}) for x{res['size_growth']:.0f} plans; memory {b_small['max_rss_mb']:.0f} -> {b1['max_rss_mb']:.0f} MB"
        f" (--jobs {a.jobs}: {bn['max_rss_mb']:.0f} MB per process; bare parse {p_big['max_rss_mb']:.0f} MB)",
    ]
    print("\n".join(lines))
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2) + "\n")
    return 0 if not st["mismatches"] and same else 1


if __name__ == "__main__":
    sys.exit(main())
