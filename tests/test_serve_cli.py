"""``pei-rules serve`` as a user starts it: the real entry point in a subprocess."""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "pei_rules", "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def get(port: int, path: str, host: str | None = None) -> tuple[int, str]:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", path, headers={"Host": host} if host else {})
    r = c.getresponse()
    return r.status, r.read().decode("utf-8")


def test_serve_starts_on_localhost_answers_and_stops_on_ctrl_c():
    port = free_port()
    p = start(port)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = get(port, "/")
                break
            except OSError:
                assert p.poll() is None and time.monotonic() < deadline, p.stderr.read() if p.poll() is not None else "no answer"
                time.sleep(0.1)
        assert status == 200 and "Evaluar un plan" in body
        assert get(port, "/api/rules", host="rebound.example")[0] == 400  # loopback names only
    finally:
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    assert f"abra http://127.0.0.1:{port}/" in err
    assert "Traceback" not in err


def test_a_port_in_use_is_a_clear_message_and_exit_2():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        p = start(port)
        out, err = p.communicate(timeout=60)
    assert p.returncode == 2
    assert f"no se puede escuchar en 127.0.0.1:{port}" in err and "--port" in err
    assert "Traceback" not in err and "abra http" not in err
