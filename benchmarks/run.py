"""Benchmark pei-rules at national scale, in one run on the same data.

    python benchmarks/run.py [--entities 3000] [--small 300] [--huge 30000] [--jobs 2]
                             [--repeat 3] [--work /tmp/pei-bench] [--json FILE]

Reports, with CPU time next to wall-clock (the machine may be shared: CPU is the steadier
figure) and medians of ``--repeat`` paired, interleaved runs:

0. start-up: ``pei-rules --help`` and ``evaluate`` on ZED ILO, median of repeated
   whole-process runs (against a bare ``python -c pass``);
1. the evaluation stage (``pei_rules.evaluate`` on already loaded plans) against two
   hand-written pure-Python Decimal programs computing the same figures
   (``benchmarks/baseline.py``: the plain one and a tighter one) — and checks that all of
   them agree on every figure, band and count;
2. the whole ``pei-rules batch`` (``--jobs 1`` and ``--jobs N``) against merely parsing the
   same files (the floor): with the compiled ``tomli`` wheel (the fastest exact parser; what
   the engine uses) and with the standard library's ``tomllib``; plus a per-step breakdown
   in one process showing what dominates (the parse share included);
3. growth and peak memory (max RSS of the largest process) at ``--small``, ``--entities``
   and, with ``--huge``, 30,000 plans; and the time of one very large plan (2,500 to
   20,000 actividades operativas), which must grow linearly.

The corpora are generated once (``benchmarks/generate_corpus.py``, deterministic by seed)
under ``--work`` and reused. Targets (issue #15): evaluation <= 1.2x the hand-written
baseline; batch --jobs 1 <= 1.5x the compiled-tomli parse; --jobs N >= 0.9 N faster on N
idle cores with identical outputs; start-up <= 150 ms; memory at 30,000 plans within 10 %
of that at 3,000.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate_corpus  # noqa: E402
from baseline import bands_direct, bands_of_engine, evaluate_direct, evaluate_tight, figures_of_engine  # noqa: E402

PARSE_SCRIPT = r"""
import sys
from decimal import Decimal
from pathlib import Path
if sys.argv[1] == "tomli":
    import tomli as parser
else:
    import tomllib as parser
n = 0
for root in sys.argv[2:]:
    for p in sorted(Path(root).rglob("*.toml"), key=lambda q: q.as_posix()):
        try:
            parser.loads(p.read_bytes().decode("utf-8"), parse_float=Decimal)
        except parser.TOMLDecodeError:
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

ZED = ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml"


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


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def startup(repeat: int = 11) -> dict:
    """Median wall and CPU time of whole-process runs (interleaved): bare interpreter, --help, evaluate."""
    cmds = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "pei-rules --help": [sys.executable, "-m", "pei_rules", "--help"],
        "pei-rules evaluate (ZED ILO 2023)": [sys.executable, "-m", "pei_rules", "evaluate", str(ZED), "--year", "2023"],
    }
    wall: dict[str, list[float]] = {k: [] for k in cmds}
    cpu: dict[str, list[float]] = {k: [] for k in cmds}
    env = _env()
    # the modules' bytecode, as an installed package has it: with PYTHONDONTWRITEBYTECODE set
    # (as on the machines measured here) a checkout would compile every module at each start
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "pei_rules")], check=True)
    for _ in range(repeat):
        for k, c in cmds.items():
            t = time.perf_counter()
            proc = subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            _, status, ru = os.wait4(proc.pid, 0)
            wall[k].append(time.perf_counter() - t)
            cpu[k].append(ru.ru_utime + ru.ru_stime)
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode != 0:
                raise SystemExit(f"{' '.join(c)} failed with exit code {proc.returncode}")
    return {k: {"wall_ms": 1000 * statistics.median(wall[k]), "cpu_ms": 1000 * statistics.median(cpu[k])} for k in cmds}


def stage(root: Path, year: int, rules_spec: str = "ceplan-2023", limit: int | None = None) -> dict:
    """Time evaluate() vs the hand-written baselines on every loadable plan; check agreement.

    The engine is timed untraced (``trace=False``, what ``batch`` runs: the same figures,
    bands and counts) and traced (``trace=True``, what explain/audit/report run: every figure
    also records its inputs with their plan file:line); the order of the four programs
    rotates from plan to plan. The target applies to the batch path.
    """
    from pei_rules import PeiError, evaluate, load_plan
    from pei_rules.ruleset import load_ruleset, resolve

    rules = load_ruleset(resolve(rules_spec))
    files = sorted(root.rglob("*.toml"), key=lambda q: q.as_posix())[:limit]
    spent_total = {"engine": 0.0, "traced": 0.0, "base": 0.0, "tight": 0.0}
    ok = broken = 0
    mismatches: list[str] = []
    perf = time.process_time  # CPU time of this process: robust to other load on the machine
    for i, f in enumerate(files):
        try:
            plan = load_plan(f)
        except PeiError:
            broken += 1
            continue
        try:
            runs = [
                ("engine", lambda: evaluate(plan, rules, year, trace=False)),
                ("traced", lambda: evaluate(plan, rules, year)),
                ("base", lambda: evaluate_direct(plan, year)),
                ("tight", lambda: evaluate_tight(plan, year)),
            ]
            k = i % len(runs)
            out = {}
            spent = {}
            for name, fn in runs[k:] + runs[:k]:
                t0 = perf()
                out[name] = fn()
                spent[name] = perf() - t0
        except (PeiError, ValueError):  # the engine's PlanError; the baseline's ValueError
            broken += 1
            continue
        for name, v in spent.items():
            spent_total[name] += v
        ok += 1
        direct = out["base"]
        if out["tight"] != direct:
            mismatches.append(f"{f} (tight baseline)")
        for ev in (out["engine"], out["traced"]):
            if figures_of_engine(ev) != direct or bands_of_engine(ev) != bands_direct(direct):
                mismatches.append(str(f))
                break
    b, t = spent_total["base"], spent_total["tight"]
    return {
        "plans": ok,
        "broken": broken,
        "engine_s": spent_total["engine"],
        "traced_s": spent_total["traced"],
        "baseline_s": b,
        "tight_s": t,
        "ratio": spent_total["engine"] / b if b else None,
        "ratio_tight": spent_total["engine"] / t if t else None,
        "ratio_traced": spent_total["traced"] / b if b else None,
        "mismatches": mismatches,
    }


def breakdown(root: Path, year: int, every: int = 10) -> dict:
    """CPU time per plan of each step of the batch pipeline, on every ``every``-th plan, measured
    in this process step after step (robust to other load): what dominates the time."""
    import hashlib
    import tomllib
    from decimal import Decimal

    import tomli

    from pei_rules import PeiError, evaluate
    from pei_rules.batch import _dumps, count_findings, summary_row
    from pei_rules.files import write_atomic
    from pei_rules.plan import plan_from_doc
    from pei_rules.jsonformat import to_compact_json_obj  # what batch writes (format_version 2)
    from pei_rules.ruleset import load_ruleset, resolve
    from pei_rules.tomlsource import load_toml

    rules = load_ruleset(resolve("ceplan-2023"))
    files = sorted(root.rglob("*.toml"), key=lambda q: q.as_posix())[::every]
    floors = ["tomllib parse", "compiled tomli parse (floor)"]
    steps = [
        "read + parse + hash (load_toml)",
        "schema validation + index",
        "evaluate",
        "check (count)",
        "consolidated row",
        "JSON render (orjson, format_version 2)",
        "write (temp + rename)",
    ]
    tot = dict.fromkeys(floors + steps, 0.0)
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
        tomli.loads(raw.decode("utf-8"), parse_float=Decimal)
        t2 = clock()
        try:
            doc = load_toml(f)
            t3 = clock()
            plan = plan_from_doc(doc)
            t4 = clock()
            ev = evaluate(plan, rules, year, trace=False)  # as batch runs it
        except PeiError:
            continue
        t5 = clock()
        count_findings(plan, rules, year)
        t6 = clock()
        summary_row(ev)
        t7 = clock()
        data = _dumps(to_compact_json_obj(ev)) + b"\n"
        hashlib.sha256(data).hexdigest()
        t8 = clock()
        write_atomic(tmp, data, durable=False)
        t9 = clock()
        ts = (t0, t1, t2, t3, t4, t5, t6, t7, t8, t9)
        for k, a, b in zip(floors + steps, ts, ts[1:]):
            tot[k] += b - a
        n += 1
    tmp.unlink(missing_ok=True)
    per = {k: 1000 * v / n for k, v in tot.items()}
    pipeline = sum(per[k] for k in steps)
    floor = per[floors[1]]
    return {
        "plans": n,
        "ms_per_plan": per,
        "pipeline_ms": pipeline,
        "ratio_to_parse": pipeline / floor,
        "ratio_to_tomllib": pipeline / per[floors[0]],
        "parse_share": floor / pipeline,
    }


def big_plans(work: Path, sizes=(2500, 5000, 10000, 20000), year: int = 2024) -> dict:
    """CPU time of one plan's whole batch pipeline as it grows: linear means the 20,000-AO plan
    takes 8x the 2,500-AO one. Each size in a fresh process (best of 3 runs)."""
    folder = work / "big-plans"
    folder.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        p = folder / f"ao{n}.toml"
        if not p.exists():
            p.write_text(generate_corpus.entity(2024, 1, n_ao=n)[0], encoding="utf-8")
    script = r"""
import sys, time
from pathlib import Path
from pei_rules.batch import Job, Settings, run_one, _init_worker
s = Settings(year=int(sys.argv[2]), rules="ceplan-2023", no_overrides=True, created="x")
_init_worker(s)
out = Path(sys.argv[3])
best = None
for _ in range(3):
    t = time.process_time()
    row = run_one(Job(1, sys.argv[1], str(out)), s)
    dt = time.process_time() - t
    assert row["estado"] == "ok", row
    best = dt if best is None else min(best, dt)
print(best)
"""
    res = {}
    for n in sizes:
        r = subprocess.run([sys.executable, "-c", script, str(folder / f"ao{n}.toml"), str(year), str(folder)], capture_output=True, text=True, env=_env(), check=True)
        res[n] = float(r.stdout.strip().splitlines()[-1])
    return res


def batch(root: Path, year: int, jobs: int, out: Path) -> dict:
    r = measure([sys.executable, "-m", "pei_rules", "batch", str(root), "--year", str(year), "--out", str(out), "--jobs", str(jobs), "--quiet"])
    if r["rc"] not in (0, 1):
        raise SystemExit(f"batch failed with exit code {r['rc']}")
    return r


def parse(root: Path, parser: str = "tomli") -> dict:
    return measure([sys.executable, "-c", PARSE_SCRIPT, parser, str(root)])


def _entity(path: Path) -> dict:
    """An entity file without its creation time (two runs differ only in that)."""
    doc = json.loads(path.read_bytes())
    doc.get("receipt", {}).pop("created", None)
    return doc


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="pei-rules national-scale benchmark")
    ap.add_argument("--entities", type=int, default=3000)
    ap.add_argument("--small", type=int, default=300)
    ap.add_argument("--huge", type=int, default=0, metavar="N", help="also measure peak memory at N plans (e.g. 30000; takes many minutes)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="paired runs of parse and batch (medians reported)")
    ap.add_argument("--work", default=os.environ.get("PEI_BENCH_WORK", "/tmp/pei-bench"))
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    a = ap.parse_args(argv)
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    log(f"pei-rules benchmark: {a.entities} entities (and {a.small}), seed {a.seed}, year {a.year}, {os.cpu_count()} CPUs")
    big = corpus(work, a.entities, a.seed)
    small = corpus(work, a.small, a.seed)
    size_mb = sum(p.stat().st_size for p in big.rglob("*.toml")) / 1e6
    loads = [os.getloadavg()[0]]

    log("  0/5 start-up ...")
    su = startup()
    log(f"      {su}")
    log("  1/5 evaluation stage vs hand-written baselines ...")
    st = stage(big, a.year)
    log(f"      engine {st['engine_s']:.2f} s CPU (traced {st['traced_s']:.2f}), baseline {st['baseline_s']:.2f}, tight {st['tight_s']:.2f}")
    bd = breakdown(big, a.year)
    log(f"      breakdown: {bd}")
    log(f"  2/5 {a.repeat} paired runs: tomllib parse, compiled tomli parse, batch --jobs 1, batch --jobs {a.jobs} ...")
    runs: dict[str, list[dict]] = {"tomllib": [], "tomli": [], "j1": [], "jn": []}
    pairs = []
    for r in range(a.repeat):
        order = ["tomli", "tomllib", "j1", "jn"]
        order = order[r % 4 :] + order[: r % 4]  # rotate: no side always runs on a warm cache
        got = {}
        for k in order:
            if k in ("tomli", "tomllib"):
                got[k] = parse(big, k)
            else:
                got[k] = batch(big, a.year, 1 if k == "j1" else a.jobs, work / ("out-j1" if k == "j1" else f"out-j{a.jobs}"))
            runs[k].append(got[k])
            loads.append(os.getloadavg()[0])
        pairs.append(got)
        log(f"      run {r + 1}: " + ", ".join(f"{k} {v['seconds']:.1f} s wall {v['cpu']:.1f} s CPU" for k, v in got.items()))
    same = (work / "out-j1" / "resumen.csv").read_bytes() == (work / f"out-j{a.jobs}" / "resumen.csv").read_bytes()
    ent1 = sorted((work / "out-j1" / "entidades").glob("*.json"))
    entn = sorted((work / f"out-j{a.jobs}" / "entidades").glob("*.json"))
    same_entities = [p.name for p in ent1] == [p.name for p in entn] and all(_entity(x) == _entity(y) for x, y in zip(ent1, entn))
    pr = lambda num, den, key: statistics.median(p[num][key] / p[den][key] for p in pairs)  # noqa: E731
    log("  3/5 growth and memory ...")
    b_small = batch(small, a.year, 1, work / "out-small")
    b_huge = None
    if a.huge:
        huge = corpus(work, a.huge, a.seed)
        log(f"      batch --jobs 1 on {a.huge} plans ...")
        b_huge = batch(huge, a.year, 1, work / "out-huge")
    log("  4/5 one very large plan ...")
    bp = big_plans(work)
    loads.append(os.getloadavg()[0])

    n_all = st["plans"] + st["broken"]
    res = {
        "entities": a.entities,
        "corpus_mb": round(size_mb, 1),
        "cpus": os.cpu_count(),
        "load_average_1min": loads,
        "startup_ms": su,
        "stage": st,
        "breakdown": bd,
        "runs": runs,
        "median": {k: {"seconds": _median(v, "seconds"), "cpu": _median(v, "cpu"), "max_rss_mb": _median(v, "max_rss_mb")} for k, v in runs.items()},
        "batch_j1_vs_tomli_cpu": pr("j1", "tomli", "cpu"),
        "batch_j1_vs_tomli_wall": pr("j1", "tomli", "seconds"),
        "batch_j1_vs_tomllib_cpu": pr("j1", "tomllib", "cpu"),
        "tomllib_vs_tomli_cpu": pr("tomllib", "tomli", "cpu"),
        "jobs_speedup_wall": pr("j1", "jn", "seconds"),
        "jobs_cpu_ratio": pr("jn", "j1", "cpu"),
        "jobs_identical_csv": same,
        "jobs_identical_entities": same_entities,
        "small": {"plans": a.small, **b_small},
        "huge": {"plans": a.huge, **b_huge} if b_huge else None,
        "big_plan_cpu_s": bp,
    }
    med = res["median"]
    ms = lambda s, n: f"{1000 * s / n:.2f} ms/plan"  # noqa: E731
    yes = lambda ok: "yes" if ok else "NO"  # noqa: E731
    j1, jn, tl, tq = med["j1"], med["jn"], med["tomli"], med["tomllib"]
    jobs_eff = res["jobs_speedup_wall"] / a.jobs
    lines = [
        f"corpus: {a.entities} plans ({st['broken']} broken on purpose), {size_mb:.1f} MB; {os.cpu_count()} CPUs; "
        f"load average (1 min) during the run {min(loads):.1f}-{max(loads):.1f}; medians of {a.repeat} paired runs",
        "",
        "0. start-up (median of 11 whole-process runs)",
    ]
    lines += [f"   {k:36s} {v['wall_ms']:7.0f} ms wall  {v['cpu_ms']:7.0f} ms CPU" for k, v in su.items()]
    worst = max(v["wall_ms"] for k, v in su.items() if k.startswith("pei-rules"))
    worst_cpu = max(v["cpu_ms"] for k, v in su.items() if k.startswith("pei-rules"))
    lines += [
        f"   target <= 150 ms: {yes(worst <= 150)} (wall), {yes(worst_cpu <= 150)} (CPU)",
        "",
        "1. evaluation stage (plans already loaded; CPU time)",
        f"   pei-rules evaluate      {st['engine_s']:8.2f} s   {ms(st['engine_s'], st['plans'])}   (trace=False, as batch runs it)",
        f"   ... with derivations    {st['traced_s']:8.2f} s   {ms(st['traced_s'], st['plans'])}   (trace=True, as explain/audit/report run it)",
        f"   hand-written baseline   {st['baseline_s']:8.2f} s   {ms(st['baseline_s'], st['plans'])}",
        f"   tighter hand-written    {st['tight_s']:8.2f} s   {ms(st['tight_s'], st['plans'])}",
        f"   ratio                   {st['ratio']:8.2f} x   (target <= 1.2: {yes(st['ratio'] <= 1.2)}); {st['ratio_tight']:.2f} x the tighter one; with derivations {st['ratio_traced']:.2f} x",
        f"   figures, bands and counts identical (engine both modes, both baselines): {'yes' if not st['mismatches'] else 'NO: ' + ', '.join(st['mismatches'][:5])}",
        "",
        "2. whole batch vs bare parse (medians; CPU time of all processes, and wall-clock)",
        f"   tomllib parse only       {tq['seconds']:8.2f} s wall  {tq['cpu']:8.2f} s CPU   {ms(tq['cpu'], n_all)} CPU",
        f"   compiled tomli parse     {tl['seconds']:8.2f} s wall  {tl['cpu']:8.2f} s CPU   {ms(tl['cpu'], n_all)} CPU   (the floor; tomllib is {res['tomllib_vs_tomli_cpu']:.2f}x it)",
        f"   batch --jobs 1           {j1['seconds']:8.2f} s wall  {j1['cpu']:8.2f} s CPU   {ms(j1['cpu'], n_all)} CPU   {j1['max_rss_mb']:.0f} MB",
        f"     ratio to the floor     {res['batch_j1_vs_tomli_cpu']:.2f} x CPU, {res['batch_j1_vs_tomli_wall']:.2f} x wall (target <= 1.5: {yes(res['batch_j1_vs_tomli_cpu'] <= 1.5)}); {res['batch_j1_vs_tomllib_cpu']:.2f} x the tomllib parse",
        f"   batch --jobs {a.jobs}           {jn['seconds']:8.2f} s wall  {jn['cpu']:8.2f} s CPU   {jn['max_rss_mb']:.0f} MB per process",
        f"     speed-up               x{res['jobs_speedup_wall']:.2f} wall = {jobs_eff:.2f} N (target >= 0.9 N on idle cores: {yes(jobs_eff >= 0.9)}); CPU x{res['jobs_cpu_ratio']:.2f} of --jobs 1",
        f"   --jobs 1 and --jobs {a.jobs} outputs identical: consolidated CSV {yes(same)}, every entity file {yes(same_entities)}",
        f"   per plan, step by step in one process (CPU, every 10th plan, {bd['plans']} plans):",
    ]
    lines += [f"     {k:34s} {v:7.2f} ms" for k, v in bd["ms_per_plan"].items()]
    lines += [
        f"     {'pipeline (all but the floors)':34s} {bd['pipeline_ms']:7.2f} ms   {bd['ratio_to_parse']:.2f} x the compiled-tomli parse"
        f" ({bd['ratio_to_tomllib']:.2f} x tomllib); the parse is {100 * bd['parse_share']:.0f} % of it",
        "",
        "3. growth and memory (max RSS of the largest process)",
        f"   batch --jobs 1, {a.small:6d} plans  {b_small['seconds']:8.2f} s wall  {b_small['cpu']:8.2f} s CPU   {ms(b_small['cpu'], a.small)} CPU   {b_small['max_rss_mb']:.0f} MB",
        f"   batch --jobs 1, {a.entities:6d} plans  {j1['seconds']:8.2f} s wall  {j1['cpu']:8.2f} s CPU   {ms(j1['cpu'], n_all)} CPU   {j1['max_rss_mb']:.0f} MB",
    ]
    if b_huge:
        grow = b_huge["max_rss_mb"] / j1["max_rss_mb"] - 1
        lines += [
            f"   batch --jobs 1, {a.huge:6d} plans  {b_huge['seconds']:8.2f} s wall  {b_huge['cpu']:8.2f} s CPU   {ms(b_huge['cpu'], a.huge)} CPU   {b_huge['max_rss_mb']:.0f} MB",
            f"   memory at {a.huge} vs {a.entities}: {100 * grow:+.1f} % (target within 10 %: {yes(abs(grow) <= 0.10)})",
        ]
    base_n = min(bp)
    lines += [f"   one plan of {n:5d} AO (whole batch pipeline, CPU, best of 3): {1000 * t:8.1f} ms  x{t / bp[base_n]:.1f} for x{n / base_n:.0f}" for n, t in bp.items()]
    print("\n".join(lines))
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2) + "\n")
    return 0 if not st["mismatches"] and same and same_entities else 1


if __name__ == "__main__":
    sys.exit(main())
