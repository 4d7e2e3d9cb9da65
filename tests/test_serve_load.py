"""The server under concurrent load on 127.0.0.1 gives the command line's figures.

A smaller run of benchmarks/serve_load.py: a real uvicorn server on a free loopback port,
8 concurrent clients, Spanish and English requests interleaved, two rule sets; every
response must equal the library's evaluation. Timing is printed, never asserted.
"""
from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import serve_load  # noqa: E402

from pei_rules.serve.settings import LOOPBACK_HOSTS, Settings  # noqa: E402


def test_concurrent_requests_give_the_same_figures():
    with serve_load.running_server(Settings(workers=4, allowed_hosts=LOOPBACK_HOSTS)) as port:
        r = serve_load.load(port, n_requests=32, n_clients=8, time_limit=240)
    print(r)
    assert r["wrong"] == []
    assert r["done"] == 32 and r["skipped_at_time_limit"] == 0


def test_concurrent_languages_do_not_mix():
    """Spanish and English requests at once: each answer is in its own language."""
    broken = {"plan": "x = [", "year": 2023}
    want = {"es": "No se pudo leer «plan.toml».", "en": "'plan.toml' could not be read."}
    with serve_load.running_server(Settings(workers=4, allowed_hosts=LOOPBACK_HOSTS)) as port:

        def one(i):
            lang = "en" if i % 2 else "es"
            status, doc, _ = serve_load.post(port, f"/api/evaluate?lang={lang}", broken)
            return lang, status, doc["error"]["message"]

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(one, range(40)))
    assert all(status == 422 for _, status, _ in results)
    assert [m for lang, _, m in results if m != want[lang]] == []
