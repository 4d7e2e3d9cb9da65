"""The one bounded reader and the one atomic writer (pei_rules/files.py), and every command
that reads a file going through it: FIFOs, devices and links to /dev/zero are refused at
once, nothing larger than the limit is read."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pei_rules.cli import main
from pei_rules.errors import InputFileError, UsageError
from pei_rules.files import read_limited, read_text_limited, sha256_limited, write_atomic


def _specials(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "r.fifo"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    return {"fifo": fifo, "zero-link": zero, "dev-zero": Path("/dev/zero"), "dev-null": Path("/dev/null"), "folder": tmp_path}


def _within(seconds: float, fn):
    """Run fn in a thread; fail if it does not return within ``seconds`` (a FIFO would block)."""
    box: dict = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box["exc"] = exc

    th = threading.Thread(target=run, daemon=True)
    th.start()
    th.join(seconds)
    assert not th.is_alive(), "the read blocked"
    if "exc" in box:
        raise box["exc"]
    return box.get("value")


@pytest.mark.parametrize("kind", ["fifo", "zero-link", "dev-zero", "dev-null", "folder"])
def test_reader_refuses_what_is_not_a_regular_file(tmp_path, kind):
    target = _specials(tmp_path)[kind]
    with pytest.raises(InputFileError) as exc:
        _within(5, lambda: read_limited(target, 1024, "JSON"))
    assert exc.value.file == str(target)


def test_reader_refuses_missing_file(tmp_path):
    with pytest.raises(InputFileError):
        read_limited(tmp_path / "nope.json", 10, "JSON")


@settings(max_examples=40, deadline=None)
@given(size=st.integers(0, 3000), limit=st.integers(0, 3000))
def test_reader_reads_at_most_the_limit(tmp_path_factory, size, limit):
    p = tmp_path_factory.mktemp("lim") / "f.bin"
    p.write_bytes(b"a" * size)
    if size <= limit:
        assert read_limited(p, limit) == b"a" * size
    else:
        with pytest.raises(InputFileError):
            read_limited(p, limit)


def test_reader_hash_and_text(tmp_path):
    import hashlib

    p = tmp_path / "t.json"
    p.write_bytes("\ufeff{\"a\": \"ñ\"}".encode())
    assert read_text_limited(p, 100) == '{"a": "ñ"}'
    assert sha256_limited(p) == hashlib.sha256(p.read_bytes()).hexdigest()
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\n\xff")
    with pytest.raises(InputFileError) as exc:
        read_text_limited(bad, 100)
    assert exc.value.line == 2


def test_writer_text_bytes_and_errors(tmp_path):
    write_atomic(tmp_path / "a.txt", "uno\r\ndos")
    assert (tmp_path / "a.txt").read_bytes() == b"uno\r\ndos"
    write_atomic(tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    with pytest.raises(UsageError):
        write_atomic(tmp_path / "missing" / "x.txt", "x")
    with pytest.raises(UsageError):
        write_atomic(tmp_path, "x")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_common_still_exports_the_writer():
    from pei_rules.commands import _common
    from pei_rules import files

    assert _common.write_atomic is files.write_atomic


@pytest.mark.parametrize("kind", ["fifo", "zero-link", "dev-zero"])
def test_audit_of_a_stored_result_refuses_special_files(tmp_path, capsys, kind):
    target = _specials(tmp_path)[kind]
    rc = _within(20, lambda: main(["audit", str(target)]))
    err = capsys.readouterr().err
    assert rc == 2, err
    assert str(target) in err and "Traceback" not in err


@pytest.mark.parametrize("kind", ["fifo", "zero-link"])
def test_report_of_a_batch_folder_with_special_manifest_or_summary(tmp_path, capsys, kind):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "resumen.json").symlink_to("/dev/zero") if kind == "zero-link" else os.mkfifo(folder / "resumen.json")
    rc = _within(20, lambda: main(["report", "--batch", str(folder), "--out", str(tmp_path / "r.html")]))
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "Traceback" not in err
