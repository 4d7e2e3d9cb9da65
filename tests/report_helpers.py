"""Helpers for the report tests: plan variants for batch reports, a small PNG reader, Chromium."""
from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZED = ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml"

_OBTAINED = re.compile(r"(valor_obtenido = \{ 2023 = )([0-9.]+)( \})")


def plan_variant(code: str, name: str, factor: str) -> str:
    """The ZED ILO plan as another entity whose 2023 obtained values are scaled by ``factor``."""
    text = ZED.read_text(encoding="utf-8")
    text = text.replace('codigo = "ZEDILO"', f'codigo = "{code}"', 1)
    text = text.replace('nombre = "Zona Especial de Desarrollo Ilo - ZED ILO"', f'nombre = "{name}"', 1)
    text = _OBTAINED.sub(lambda m: f"{m.group(1)}{(Decimal(m.group(2)) * Decimal(factor)).quantize(Decimal('0.01'))}{m.group(3)}", text)
    return text.split("[[publicado]]", 1)[0]


def write_plans(folder: Path, broken: bool = True) -> list[Path]:
    """Four plan variants (different bands) and, optionally, one broken plan."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for code, name, factor in (("ENT-A", "Entidad A", "1"), ("ENT-B", "Entidad B", "0.3"), ("ENT-C", "Entidad C", "0.8"), ("ENT-D", "Entidad D", "0.55")):
        p = folder / f"{code.lower()}.toml"
        p.write_text(plan_variant(code, name, factor), encoding="utf-8")
        out.append(p)
    if broken:
        p = folder / "zz-rota.toml"
        p.write_text(plan_variant("ROTA", "Entidad rota", "1").replace('sentido = "Ascendente"', 'sentido = "Hacia arriba"', 1), encoding="utf-8")
        out.append(p)
    return out


# --- PNG -----------------------------------------------------------------------------------


def read_png(path: Path) -> tuple[int, int, int, list[bytes]]:
    """(width, height, bytes per pixel, rows) of an 8-bit RGB/RGBA PNG, unfiltered."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6), f"unsupported PNG (depth {depth}, colour type {color})"
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if ft == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ft == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev))
        elif ft == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ft == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def colors_of(path: Path, step: int = 3) -> dict[tuple[int, int, int], int]:
    """Pixel colours (sampled every ``step`` pixels and rows) with their counts."""
    width, height, bpp, rows = read_png(path)
    out: dict[tuple[int, int, int], int] = {}
    for y in range(0, height, step):
        row = rows[y]
        for x in range(0, width * bpp, bpp * step):
            c = (row[x], row[x + 1], row[x + 2])
            out[c] = out.get(c, 0) + 1
    return out


# --- Chromium ----------------------------------------------------------------------------------

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    env = os.environ.get("PEI_RULES_CHROMIUM")
    if env:  # an explicit choice: that binary or nothing
        return env if Path(env).is_file() or shutil.which(env) else None
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    for name in CANDIDATES:
        p = shutil.which(name)
        if p:
            return p
    return None


def chromium(binary: str, profile: Path, *args: str, timeout: int = 90) -> subprocess.CompletedProcess:
    """Headless Chromium with the network disabled (no proxy reachable, every host unresolvable)."""
    cmd = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
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
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False)
