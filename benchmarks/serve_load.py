"""Load test of ``pei-rules serve``: N evaluations from C concurrent clients, on 127.0.0.1 only.

    PYTHONPATH=. python3 benchmarks/serve_load.py [--requests 200] [--clients 8] [--timeout 120]

Starts the server in this process (uvicorn on a free loopback port, never another address),
sends ``POST /api/evaluate`` with the ZED ILO plan and its variants (alternating Spanish and
English requests, two rule sets), checks every response against the figures the library
computes directly (the same as ``pei-rules evaluate --format json``), and prints latency
percentiles and throughput. It stops by itself: after the last request, or at the time limit
(then it reports how many were left). ``tests/test_serve_load.py`` runs a smaller version
that asserts correctness, not timing.
"""
from __future__ import annotations

import argparse
import http.client
import json
import re
import socket
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import uvicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pei_rules.evaluate import evaluate  # noqa: E402
from pei_rules.plan import load_plan  # noqa: E402
from pei_rules.render import to_json_obj  # noqa: E402
from pei_rules.ruleset import available, load_ruleset  # noqa: E402
from pei_rules.serve.app import create_app  # noqa: E402
from pei_rules.serve.settings import LOOPBACK_HOSTS, Settings  # noqa: E402

ZED = ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml"
LOOPBACK = "127.0.0.1"


@contextmanager
def running_server(settings: Settings | None = None):
    """The app served by uvicorn in a background thread on 127.0.0.1 (a free port); yields the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, 0))
    port = sock.getsockname()[1]
    settings = settings or Settings(allowed_hosts=LOOPBACK_HOSTS)
    config = uvicorn.Config(create_app(settings), host=LOOPBACK, port=port, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


def variants() -> list[tuple[str, str]]:
    """(name, TOML text) of the plans the load uses: ZED ILO and scaled copies."""
    text = ZED.read_text(encoding="utf-8")
    out = [("zed-ilo.toml", text)]
    for i, factor in enumerate(("0.5", "0.8", "1.2"), 1):
        out.append((f"variante-{i}.toml", scale(text, factor, f"VAR{i}")))
    return out


def scale(text: str, factor: str, code: str) -> str:
    pat = re.compile(r"(valor_obtenido = \{ 2023 = )([0-9.]+)( \})")
    text = text.replace('codigo = "ZEDILO"', f'codigo = "{code}"', 1)
    return pat.sub(lambda m: f"{m.group(1)}{(Decimal(m.group(2)) * Decimal(factor)).quantize(Decimal('0.01'))}{m.group(3)}", text)


def expected(name: str, text: str, rules_id: str, year: int = 2023) -> dict:
    """What ``pei-rules evaluate --format json`` computes for this plan: figures, counts, summary."""
    plan = load_plan(name, raw=text.encode("utf-8"), display=name)
    ev = evaluate(plan, load_ruleset(available()[rules_id]), year)
    return comparable(to_json_obj(ev))


def comparable(doc: dict) -> dict:
    """The parts of an evaluation document that must not depend on how it was asked for."""
    return {k: doc[k] for k in ("format", "format_version", "entity", "plan", "year", "figures", "counts", "summary")} | {
        "rule_set": doc["receipt"]["rule_set"]["content_hash"],
        "plan_sha256": doc["receipt"]["plan"]["sha256"],
    }


def post(port: int, path: str, body: dict, timeout: float = 60) -> tuple[int, dict, float]:
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    data = json.dumps(body).encode("utf-8")
    t0 = time.perf_counter()
    try:
        conn.request("POST", path, body=data, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    return resp.status, json.loads(raw), time.perf_counter() - t0


def load(port: int, n_requests: int, n_clients: int, time_limit: float) -> dict:
    plans = variants()
    rule_ids = ["ceplan-2023", "ceplan-2023-fijo-321"]
    want = {(name, rid): expected(name, text, rid) for name, text in plans for rid in rule_ids}
    jobs = []
    for i in range(n_requests):
        name, text = plans[i % len(plans)]
        rid = rule_ids[(i // len(plans)) % len(rule_ids)]
        jobs.append((name, text, rid, "en" if i % 2 else "es"))
    deadline = time.monotonic() + time_limit
    latencies: list[float] = []
    wrong: list[str] = []
    skipped = 0
    lock = threading.Lock()

    def one(job):
        nonlocal skipped
        name, text, rid, lang = job
        if time.monotonic() > deadline:
            with lock:
                skipped += 1
            return
        status, doc, dt = post(port, f"/api/evaluate?lang={lang}", {"plan": text, "plan_name": name, "year": 2023, "rules": rid})
        with lock:
            latencies.append(dt)
            if status != 200:
                wrong.append(f"{name} {rid} {lang}: HTTP {status} {doc}")
            elif comparable(doc) != want[(name, rid)]:
                wrong.append(f"{name} {rid} {lang}: figures differ from the library's")

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=n_clients) as pool:
        list(pool.map(one, jobs))
    wall = time.perf_counter() - t0
    lat = sorted(latencies)

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))] * 1000 if lat else float("nan")

    return {
        "requests": n_requests,
        "clients": n_clients,
        "done": len(lat),
        "skipped_at_time_limit": skipped,
        "wrong": wrong,
        "wall_s": round(wall, 2),
        "throughput_per_s": round(len(lat) / wall, 1) if wall else None,
        "latency_ms": {"p50": round(pct(50), 1), "p90": round(pct(90), 1), "p99": round(pct(99), 1), "max": round(pct(100), 1), "mean": round(statistics.fmean(lat) * 1000, 1) if lat else None},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=Settings.workers, help="server worker threads")
    ap.add_argument("--timeout", type=float, default=120, help="stop sending after this many seconds")
    args = ap.parse_args(argv)
    with running_server(Settings(workers=args.workers, allowed_hosts=LOOPBACK_HOSTS)) as port:
        r = load(port, args.requests, args.clients, args.timeout)
    print(json.dumps(r, indent=2, ensure_ascii=False))
    return 1 if r["wrong"] else 0


if __name__ == "__main__":
    sys.exit(main())
