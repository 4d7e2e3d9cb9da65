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


# --- writing to what is not a regular file ---------------------------------------------------

ZED = Path(__file__).resolve().parent.parent / "plans" / "zed-ilo" / "pei-2023-2025.toml"


def test_out_dev_null_stays_a_device():
    """``--out /dev/null`` (run as root) once replaced the device with a regular file (temp file +
    rename): a character device or a pipe is written as a stream, never replaced."""
    import stat as _stat

    assert main(["evaluate", str(ZED), "--year", "2023", "--format", "json", "--out", "/dev/null"]) == 0
    st_ = os.stat("/dev/null")
    if not _stat.S_ISCHR(st_.st_mode):  # put the machine right before failing
        os.unlink("/dev/null")
        os.mknod("/dev/null", 0o666 | _stat.S_IFCHR, os.makedev(1, 3))
        pytest.fail("/dev/null was replaced by a regular file")
    assert not list(Path("/dev").glob(".null.*.part"))


def test_out_fifo_is_written_as_a_stream(tmp_path):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: dict = {}

    def reader():
        with open(fifo, "rb") as fh:
            got["data"] = fh.read()

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    _within(10, lambda: write_atomic(fifo, "hola\n"))
    th.join(10)
    assert got["data"] == b"hola\n" and fifo.is_fifo()


def test_out_through_a_link_writes_its_target(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new"


def test_out_socket_is_refused(tmp_path, capsys):
    import socket

    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        with pytest.raises(UsageError, match="no es un archivo común|not a regular file"):
            write_atomic(path, "x")
        assert main(["evaluate", str(ZED), "--year", "2023", "--out", str(path)]) == 2
    assert "s.sock" in capsys.readouterr().err
