"""PDF through programs already on the machine, never the network:

* the HTML report with headless Chromium's ``--print-to-pdf`` (A4 from the report's
  ``@page`` rules, running header and "Página X de Y" in the page margins);
* the DOCX informe with LibreOffice headless (``soffice --convert-to pdf``), which keeps
  the document's A4 pages, header and page-number fields.

Both run in a fresh temporary profile with the network disabled (Chromium: no reachable
proxy, every host unresolvable). A missing program is a usage error (exit 2) that says
which package to install; ``PEI_RULES_CHROMIUM`` / ``PEI_RULES_SOFFICE`` may name the binary.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import UsageError
from ..i18n import msg

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
SOFFICE_NAMES = ("soffice", "libreoffice")
TIMEOUT = 240


def _find(env: str, names: tuple[str, ...]) -> str | None:
    chosen = os.environ.get(env)
    if chosen:
        return chosen if Path(chosen).is_file() or shutil.which(chosen) else None
    for name in names:
        p = shutil.which(name)
        if p:
            return p
    return None


def find_chromium() -> str | None:
    return _find("PEI_RULES_CHROMIUM", CHROMIUM_NAMES)


def find_soffice() -> str | None:
    return _find("PEI_RULES_SOFFICE", SOFFICE_NAMES)


def _run(cmd: list[str], what: str) -> None:
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        raise UsageError(msg("doc_pdf_timeout", program=what, seconds=TIMEOUT)) from None
    except OSError as exc:
        raise UsageError(msg("doc_pdf_failed", program=what, why=exc.strerror or str(exc))) from None
    if r.returncode != 0:
        tail = (r.stderr or r.stdout or "").strip().splitlines()[-1:] or [str(r.returncode)]
        raise UsageError(msg("doc_pdf_failed", program=what, why=tail[0][:300]))


def chromium_command(binary: str, profile: Path, *args: str) -> list[str]:
    """Headless Chromium with the network disabled."""
    return [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        *args,
    ]


def html_to_pdf(html: str) -> bytes:
    """Print a self-contained HTML page to PDF with headless Chromium (page size and margins
    from its CSS ``@page``; Chromium's own date/URL header and footer switched off)."""
    binary = find_chromium()
    if binary is None:
        raise UsageError(msg("doc_pdf_no_chromium"))
    with tempfile.TemporaryDirectory(prefix="pei-pdf-") as tmp:
        src, out = Path(tmp) / "informe.html", Path(tmp) / "informe.pdf"
        src.write_text(html, encoding="utf-8")
        _run(chromium_command(binary, Path(tmp) / "perfil", "--no-pdf-header-footer", f"--print-to-pdf={out}", src.as_uri()), "Chromium")
        if not out.is_file() or out.stat().st_size == 0:
            raise UsageError(msg("doc_pdf_failed", program="Chromium", why="no PDF"))
        return out.read_bytes()


def soffice_convert(data: bytes, suffix: str, to: str, program_label: str = "LibreOffice") -> bytes:
    """Convert a document (``data`` with file ``suffix``) to format ``to`` (``pdf``, ``png``)
    with LibreOffice headless, in a fresh profile."""
    binary = find_soffice()
    if binary is None:
        raise UsageError(msg("doc_pdf_no_soffice"))
    with tempfile.TemporaryDirectory(prefix="pei-soffice-") as tmp:
        src = Path(tmp) / f"documento{suffix}"
        src.write_bytes(data)
        profile = (Path(tmp) / "perfil").as_uri()
        _run([binary, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nolockcheck", "--nodefault", "--convert-to", to, "--outdir", tmp, str(src)], program_label)
        out = Path(tmp) / f"documento.{to.split(':')[0]}"
        if not out.is_file() or out.stat().st_size == 0:
            raise UsageError(msg("doc_pdf_failed", program=program_label, why="no output"))
        return out.read_bytes()


def docx_to_pdf(data: bytes) -> bytes:
    """A .docx as PDF, through LibreOffice headless."""
    return soffice_convert(data, ".docx", "pdf")
