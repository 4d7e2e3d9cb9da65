"""Generate a synthetic national corpus of plan files, deterministic by seed.

    python benchmarks/generate_corpus.py OUTDIR [--entities 3000] [--seed 2024]

Every entity gets 10-60 indicators (all sentido / tipo de agregación cases of the
ceplan-2023 vocabulary, some N/D, some missing years, some zeros) and a POI with 30-400
actividades operativas (annual or monthly, some N/D, some programado 0). About one file in
500 is broken on purpose (invalid TOML, a value that is not a number, an AO of an AEI that
does not exist, a sentido the rule set does not know). Entity ``i`` depends only on
``(seed, i)``, so the first 300 entities of a 3,000 corpus are the 300 corpus.
Files go to ``OUTDIR/region-NN/ENTnnnnn.toml`` (25 regions).
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

YEARS = (2023, 2024, 2025)
CASES = [
    ("Ascendente", "Acumulado"),
    ("Ascendente", "No acumulado"),
    ("Descendente", "Acumulado"),
    ("Descendente", "No acumulado"),
    ("No definido", "Máximo permisible"),
    ("No definido", "Mínimo permisible"),
]
BROKEN_EVERY = 500
BROKEN_KINDS = ["sintaxis", "valor", "aei_inexistente", "sentido"]


def num(rng: random.Random, lo: int = 0, hi: int = 100000, places: int = 2) -> str:
    v = rng.randint(lo, hi)
    if places and rng.random() < 0.6:
        return f"{v // 10**places}.{v % 10**places:0{places}d}"
    return str(v // 10**places)


def value(rng: random.Random, nd: float = 0.04) -> str:
    r = rng.random()
    if r < nd:
        return '"N/D"'
    if r < nd + 0.02:
        return "0"
    return num(rng, 100, 50000)


def broken_kind(i: int) -> str | None:
    return BROKEN_KINDS[(i // BROKEN_EVERY) % len(BROKEN_KINDS)] if i % BROKEN_EVERY == BROKEN_EVERY // 2 else None


def entity(seed: int, i: int, n_ao: int | None = None) -> tuple[str, str | None]:
    """The TOML text of entity ``i`` and the kind of breakage (None for a good file);
    ``n_ao`` forces the number of actividades operativas (a very large plan)."""
    rng = random.Random(seed * 1_000_003 + i)
    broken = broken_kind(i)
    code = f"ENT{i:05d}"
    out = [
        f"# Entidad sintética {i} (semilla {seed})",
        "[entidad]",
        f'codigo = "{code}"',
        f'nombre = "Entidad sintética {i:05d}"',
        f'sector = "Sector {rng.randint(1, 19):02d}"',
        "",
        "[plan]",
        'tipo = "PEI"',
        "desde = 2023",
        "hasta = 2025",
        "",
    ]
    n_ind = rng.randint(10, 60)
    n_oei = rng.randint(2, min(6, max(2, n_ind // 5)))
    oeis = [f"OEI.{k + 1:02d}" for k in range(n_oei)]
    aeis: list[tuple[str, str]] = []
    for o in oeis:
        for k in range(rng.randint(1, 5)):
            aeis.append((f"AEI.{o[4:]}.{k + 1:02d}", o))
    for o in oeis:
        out += ["[[oei]]", f'codigo = "{o}"', f'denominacion = "Objetivo {o} de {code}."', ""]
    for a, o in aeis:
        rel = "" if rng.random() < 0.01 else f"relevancia = {rng.randint(1, 3)}"
        out += ["[[aei]]", f'codigo = "{a}"', f'oei = "{o}"', f'denominacion = "Acción {a} de {code}."'] + ([rel] if rel else []) + [""]
    owners = list(oeis) + [rng.choice(aeis)[0] for _ in range(n_ind - len(oeis))]
    for k, de in enumerate(owners):
        sentido, agreg = CASES[rng.randrange(len(CASES))]
        if broken == "sentido" and k == 3:
            sentido = "Creciente"
        base = value(rng, 0.1)
        le = ", ".join(f"{y} = {value(rng, 0.03)}" for y in YEARS)
        vo_years = [y for y in YEARS[:2] if rng.random() > 0.03]
        vo = ", ".join(f"{y} = {value(rng, 0.05)}" for y in vo_years)
        if broken == "valor" and k == 2:
            vo = '2024 = "12%"'
        out += [
            "[[indicador]]",
            f'codigo = "IND.{k + 1:02d}.{de}"',
            f'de = "{de}"',
            f'nombre = "Indicador {k + 1} de {de}."',
            'unidad_medida = "número"',
            f'sentido = "{sentido}"',
            f'agregacion = "{agreg}"',
            f"linea_base = {{ anio = 2022, valor = {base} }}",
            f"logro_esperado = {{ {le} }}",
        ]
        if vo:
            out.append(f"valor_obtenido = {{ {vo} }}")
        out.append("")
    if broken == "sintaxis":
        out.insert(len(out) // 2, "codigo = = roto")
    n_ao = rng.randint(30, 400) if n_ao is None else n_ao
    out += ["[poi.2024]", f"pim = {num(rng, 10**7, 10**10)}", f"devengado = {num(rng, 10**6, 10**10)}", ""]
    for k in range(n_ao):
        a = rng.choice(aeis)[0]
        if broken == "aei_inexistente" and k == 5:
            a = "AEI.99.99"
        out += ["[[poi.2024.ao]]", f'codigo = "AO.{k + 1:04d}"', f'aei = "{a}"']
        if rng.random() < 0.2:
            prog = ", ".join(str(rng.randint(0, 5)) for _ in range(12))
            ejec = ", ".join('"N/D"' if rng.random() < 0.01 else str(rng.randint(0, 5)) for _ in range(12))
            out += [f"programado_mensual = [{prog}]", f"ejecutado_mensual = [{ejec}]"]
        else:
            p = "0" if rng.random() < 0.02 else str(rng.randint(1, 200))
            e = '"N/D"' if rng.random() < 0.03 else str(rng.randint(0, 220))
            out += [f"programado = {p}", f"ejecutado = {e}"]
        out.append("")
    return "\n".join(out), broken


def path_of(root: Path, i: int) -> Path:
    return root / f"region-{i % 25:02d}" / f"ENT{i:05d}.toml"


def generate(root: str | Path, entities: int, seed: int = 2024) -> list[Path]:
    root = Path(root)
    paths = []
    for i in range(entities):
        p = path_of(root, i)
        p.parent.mkdir(parents=True, exist_ok=True)
        text, _ = entity(seed, i)
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="output folder")
    ap.add_argument("--entities", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=2024)
    a = ap.parse_args(argv)
    paths = generate(a.out, a.entities, a.seed)
    size = sum(p.stat().st_size for p in paths)
    broken = sum(1 for i in range(a.entities) if broken_kind(i))
    print(f"{len(paths)} plans ({broken} broken on purpose), {size / 1e6:.1f} MB in {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
