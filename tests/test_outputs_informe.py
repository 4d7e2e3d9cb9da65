"""The Informe de evaluación (``pei-rules informe``), read back as a person sees it: opened
with python-docx (headings, tables, cell texts and shading), and rendered to PDF by
LibreOffice and to PNG by pdftoppm (once per suite: conversions are slow)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from report_helpers import ROOT, ZED, colors_of

from pei_rules.outputs.common import band_colors, tint
from pei_rules.ruleset import load_ruleset, resolve


def run_cli(*args: str, cwd: Path = ROOT, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run([sys.executable, "-m", "pei_rules", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


def need(program: str, package: str) -> None:
    if shutil.which(program):
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {program} is missing: .ci/run must install it ({package})")
    pytest.skip(f"{program} is not installed ({package}); CI runs these tests")


@pytest.fixture(scope="module")
def informe_path(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("informe") / "informe.docx"
    r = run_cli("informe", str(ZED), "--year", "2023", "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def document(informe_path):
    return docx.Document(informe_path)


def headings(d) -> list[str]:
    return [p.text for p in d.paragraphs if p.style.name.startswith("Heading") or p.style.name == "Title"]


def table_with(d, *header: str):
    for tb in d.tables:
        cells = [c.text for c in tb.rows[0].cells]
        if all(h in cells for h in header):
            return tb
    raise AssertionError(f"no table with headers {header}")


def rows(tb) -> dict[str, list[str]]:
    out = {}
    for r in tb.rows[1:]:
        texts = [c.text for c in r.cells]
        out.setdefault(texts[0] or texts[1], texts)
    return out


def fill(cell) -> str | None:
    shd = cell._tc.tcPr.find(qn("w:shd")) if cell._tc.tcPr is not None else None
    return shd.get(qn("w:fill")) if shd is not None else None


def body_text(d) -> str:
    """Every paragraph and table cell before the receipt annex, in document order."""
    parts = []
    for block in d.element.body.iterchildren():
        if block.tag == qn("w:p"):
            text = "".join(t.text or "" for t in block.iter(qn("w:t")))
            if text.startswith(("Anexo 5.", "Annex 5.")):
                break
            parts.append(text)
        elif block.tag == qn("w:tbl"):
            parts.append(" | ".join("".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in block.iter(qn("w:tc"))))
    return "\n".join(parts)


def test_structure_of_the_seed(document):
    hs = headings(document)
    expected = [
        "Resumen ejecutivo",
        "Cumplimiento de los Objetivos Estratégicos Institucionales",
        "Cumplimiento de las Acciones Estratégicas Institucionales",
        "Perspectivas para el logro de la situación futura deseada",
        "Medidas recomendadas",
        "1. Prioridades de la política institucional",
        "2. Análisis de resultados de los Objetivos Estratégicos Institucionales",
        "3. Análisis de implementación de las Acciones Estratégicas Institucionales",
        "3.1 Avance en la implementación de las AEI",
        "3.2 Identificación de las AEI críticas",
        "4. Conclusiones y recomendaciones",
        "Anexos",
        "Anexo 5. Recibo y trazabilidad",
    ]
    positions = [hs.index(h) for h in expected]
    assert positions == sorted(positions), hs
    assert "I. Promover capacidades logísticas en la región Moquegua." in hs
    assert any(h.startswith("AEI.02.01 Habilitación de nuevas áreas") for h in hs)


def test_advance_table_corrected_figures_with_semaforo(document):
    colors = band_colors(load_ruleset(resolve("ceplan-2023")))
    tb = table_with(document, "Código", "Denominación", "Avance %", "Semáforo")
    r = rows(tb)
    assert r["AEI.02.01"][2:] == ["50,0", "Rojo"]  # the seed prints 100.0 in its detail table; corrected
    assert r["AEI.03.02"][2:] == ["66,7", "Rojo"]
    assert r["OEI.02"][2:] == ["24,4", "Rojo"]
    assert r["OEI.01"][2:] == ["N/D", "Sin dato"]  # not recomputable: never 0, never the seed's 100.0
    assert r["AEI.01.01"][2:] == ["100,0", "Verde"]
    last = [c.text for c in tb.rows[-1].cells]
    assert last[1] == "Ejecución ponderada de AEI del PEI 2023" and last[2:] == ["95,10", "Verde"]
    by_code = {row.cells[0].text: row for row in tb.rows[1:]}
    assert fill(by_code["AEI.02.01"].cells[2]) == tint(colors["rojo"], 0.45)
    assert fill(by_code["AEI.02.01"].cells[3]) == tint(colors["rojo"], 0.45)  # colour and word
    assert fill(by_code["AEI.01.01"].cells[2]) == tint(colors["verde"], 0.45)


def test_counts_poi_and_financial_tables(document):
    counts = rows(table_with(document, "Año 2023", "Sin dato", "Total"))
    assert counts["Ejecución física de Acciones estratégicas-AEI"][1:] == ["1", "0", "11", "0", "12"]
    assert counts["Indicadores de Acciones Estratégicas-AEI"][1:] == ["2", "0", "10", "0", "12"]
    assert counts["Actividades operativas (Ejecución física)"][1:] == ["2", "0", "25", "0", "27"]
    poi = table_with(document, "Plan", "N° de AO", "PIM 2023")
    assert [c.text for c in poi.rows[1].cells] == ["POI", "27", "S/\u00a04\u00a0930\u00a0000,00", "S/\u00a03\u00a0661\u00a0516,08", "74,27", "27", "92,59"]
    pei = table_with(document, "Plan", "AEI", "N° de AEI críticas")
    assert [c.text for c in pei.rows[1].cells] == ["PEI", "12", "12", "12", "2"]


def test_aei_detail_and_b7_annex(document):
    detail = next(tb for tb in document.tables if tb.rows[1].cells[0].text == "AEI.03.02")
    texts = [[c.text for c in r.cells] for r in detail.rows]
    assert texts[1][5:] == ["66,7", "Rojo"]
    assert texts[2][:1] == ["IND.01.AEI.03.02"] and texts[2][2:] == ["DOI", "30", "20", "66,7", "Rojo"]
    assert texts[3][1] == "Ejecución física de la AEI" and texts[3][5:] == ["50,0", "Rojo"]
    b7 = table_with(document, "LB año", "Logro esp. 2022", "Logro esp. 2025")
    r = rows(b7)
    assert r["IND.01.03.02"][-3:] == ["20", "66,7", "Rojo"] and r["IND.01.03.02"][4] == "Ascendente"


def test_critical_aei_by_the_rule(document):
    text = "\n".join(p.text for p in document.paragraphs)
    assert "En el proceso resultó crítica la implementación de 2 AEI: la AEI.02.01 y la AEI.03.02" in text
    assert "La AEI.03.02 «Mejora de capacidades para la gestión de riesgos frente a desastres» es crítica por: Avance de la AEI 66,7 % (rojo); Ejecución física de la AEI 50,0 % (rojo)." in text
    assert "De las 12 acciones estratégicas, la ejecución física fue menor al 75 % en 1 —" in text


def test_seed_inconsistencies_annex(document):
    tb = table_with(document, "Cifra", "Publicado", "Recalculado", "Causas probables (auditoría)")
    statuses = [r.cells[3].text for r in tb.rows[1:]]
    assert statuses.count("No coincide") == 16 and statuses.count("No se puede recalcular") == 2
    first = [c.text for c in tb.rows[1].cells]
    assert first[0] == "Avance del OEI OEI.01" and first[1] == "100,0"


def test_receipt_only_in_the_last_annex(document):
    rules = load_ruleset(resolve("ceplan-2023"))
    body = body_text(document)
    assert rules.content_hash not in body and not re.search(r"\b[0-9a-f]{16,}\b", body)
    kinds = set(rules.figure_kinds())
    assert not [w for w in re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", body) if w in kinds], "internal figure ids in the body"
    assert not re.search(r"\b[a-z_]+:(?:AEI|OEI|IND|AO)\.", body)
    for english in ("rule set", " is valid", "anchored", "Traffic", "Advance", " the "):
        assert english not in body, english
    receipt = table_with(document, "Dato", "Valor")
    values = {r.cells[0].text: r.cells[1].text for r in receipt.rows[1:]}
    assert values["Huella del conjunto de reglas (sha256)"] == rules.content_hash
    assert "ceplan-2023" in values["Por qué se eligió"]
    trace = rows(table_with(document, "Dirección de la cifra", "Origen (regla)"))
    assert trace["Ejecución ponderada de AEI"][1:3] == ["ejecucion_ponderada", "95,10"]


def test_placeholders_visible_and_narrative_replaces_them(document, tmp_path):
    placeholders = [p for p in document.paragraphs if p.text.startswith("[Por completar:")]
    assert len(placeholders) >= 20
    assert all(r.font.highlight_color is not None for p in placeholders for r in p.runs)
    plan = tmp_path / "plan.toml"
    plan.write_text(
        ZED.read_text(encoding="utf-8")
        + '\n[[narrativa]]\nseccion = "criticas"\ncodigo = "AEI.02.01"\ntexto = """Cambio de prioridades del MEF.\n\nMedidas:\n\n- convenio con el GORE\n- expediente actualizado"""\n'
        + '\n[[narrativa]]\nseccion = "conclusiones"\nanio = 2023\ntexto = "Se cumplió lo esencial del plan."\n'
        + '\n[[narrativa]]\nseccion = "conclusiones"\nanio = 2024\ntexto = "Texto de otro año."\n',
        encoding="utf-8",
    )
    out = tmp_path / "i.docx"
    r = run_cli("informe", str(plan), "--year", "2023", "--out", str(out))
    assert r.returncode == 0, r.stderr
    d = docx.Document(out)
    paras = [p.text for p in d.paragraphs]
    assert "Cambio de prioridades del MEF." in paras and "Se cumplió lo esencial del plan." in paras
    assert "Texto de otro año." not in paras
    bullets = [p.text for p in d.paragraphs if p.style.name == "List Bullet"]
    assert bullets == ["convenio con el GORE", "expediente actualizado"]
    assert len([p for p in paras if p.startswith("[Por completar:")]) == len(placeholders) - 2


@pytest.mark.parametrize(
    "narrativa,message",
    [
        ('seccion = "aei"\ncodigo = "AEI.09.09"\ntexto = "x"', "AEI.09.09"),
        ('seccion = "aei"\ntexto = "x"', "codigo"),
        ('seccion = "resumen"\ncodigo = "OEI.01"\ntexto = "x"', "codigo"),
        ('seccion = "epilogo"\ntexto = "x"', "seccion"),
    ],
)
def test_broken_narrative(tmp_path, narrativa, message):
    plan = tmp_path / "plan.toml"
    text = ZED.read_text(encoding="utf-8") + "\n[[narrativa]]\n" + narrativa + "\n"
    plan.write_text(text, encoding="utf-8")
    out = tmp_path / "i.docx"
    r = run_cli("informe", str(plan), "--year", "2023", "--out", str(out))
    assert r.returncode == 2 and message in r.stderr and "plan.toml:" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def _ruleset(tmp_path: Path, informe: str) -> Path:
    folder = tmp_path / "reglas-informe"
    folder.mkdir()
    (folder / "ruleset.toml").write_text('[conjunto]\nid = "informe-prueba"\nextends = "ceplan-2023"\nvigencia = { desde = 2023, hasta = 2024 }\n', encoding="utf-8")
    (folder / "informe.toml").write_text(informe, encoding="utf-8")
    return folder


def test_rules_choose_critical_aei_and_words(tmp_path):
    folder = _ruleset(
        tmp_path,
        '[informe.criticas]\ncifras = ["ejecucion_fisica_aei"]\nbandas = ["rojo"]\n\n'
        '[informe.oraciones.criticas.si_uno]\nes = "Una sola AEI crítica en {anio}: {criticas}."\nen = "One critical AEI in {anio}: {criticas}."\n',
    )
    out = tmp_path / "i.docx"
    r = run_cli("informe", str(ZED), "--year", "2023", "--rules", str(folder), "--out", str(out))
    assert r.returncode == 0, r.stderr
    text = "\n".join(p.text for p in docx.Document(out).paragraphs)
    assert "Una sola AEI crítica en 2023: la AEI.03.02." in text
    assert "AEI.02.01 Habilitación" in text  # still in 3.1 …
    assert text.count("es crítica por:") == 1  # … but only AEI.03.02 in 3.2


@pytest.mark.parametrize(
    "informe,message",
    [
        ('[informe.oraciones.critica]\nes = "La {codigo} por {motivo}."\n', "motivo"),
        ('[informe.criticas]\ncifras = ["avance_aei"]\nbandas = ["morado"]\n', "morado"),
        ('[informe.criticas]\ncifras = ["ejecucion_ponderada"]\nbandas = ["rojo"]\n', "ejecucion_ponderada"),
        ('[informe.figuras]\navance_aei = "avance_oei"\n', "avance_oei"),
        ('[informe.oraciones.resumen_aei]\nes = "abre { y no cierra"\n', "plantilla"),
        ('[informe.oraciones.criticas.si_uno]\nes = "{criticas}"\nfr = "{criticas}"\n', "fr"),
        ('[informe.formato]\nseparador = ","\n', "separador"),
        ('[informe.formato]\ndecimal = "\\u0001"\n', "separador"),  # a control character: refused, not a crash
    ],
)
def test_broken_informe_rules(tmp_path, informe, message):
    folder = _ruleset(tmp_path, informe)
    out = tmp_path / "i.docx"
    r = run_cli("informe", str(ZED), "--year", "2023", "--rules", str(folder), "--out", str(out))
    assert r.returncode == 2 and message in r.stderr and "informe.toml:" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_control_characters_in_sentences_and_narrative_never_break_the_document(tmp_path):
    """A stray control character (pasted from another program) in a rule file's sentence or in
    the plan's narrative is dropped from the Word document, which still opens."""
    folder = _ruleset(tmp_path, '[informe.oraciones.criticas.si_uno]\nes = "Una\\u0007 sola AEI crítica\\u000b: {criticas}."\n')
    plan = tmp_path / "plan.toml"
    plan.write_text(ZED.read_text(encoding="utf-8") + '\n[[narrativa]]\nseccion = "resumen"\ntexto = "Texto con \\u0002control\\ufffe."\n', encoding="utf-8")
    out = tmp_path / "i.docx"
    r = run_cli("informe", str(plan), "--year", "2023", "--rules", str(folder), "--out", str(out))
    assert r.returncode == 0, r.stderr
    text = "\n".join(p.text for p in docx.Document(out).paragraphs)
    assert "Texto con control." in text


def test_english_informe(tmp_path):
    out = tmp_path / "en.docx"
    r = run_cli("informe", str(ZED), "--year", "2023", "--lang", "en", "--out", str(out))
    assert r.returncode == 0, r.stderr
    d = docx.Document(out)
    assert "Executive summary" in headings(d) and "3.2 Critical AEIs" in headings(d)
    r = rows(table_with(d, "Code", "Name", "Advance %", "Traffic light"))
    assert r["AEI.02.01"][2:] == ["50.0", "Red"]
    body = body_text(d)
    for spanish in ("Rojo", "Verde", "En el proceso", "Por completar"):
        assert spanish not in body, spanish


def test_informe_as_pdf_rendered(tmp_path):
    """One LibreOffice conversion for the suite: A4 pages, header and page numbers, the
    semáforo colours painted; then pdftoppm turns a page into pixels."""
    need("soffice", "libreoffice-writer-nogui")
    need("pdftoppm", "poppler-utils")
    out = tmp_path / "informe.pdf"
    r = run_cli("informe", str(ZED), "--year", "2023", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:5] == b"%PDF-"
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, timeout=60).stdout
    assert re.search(r"Page size:\s+595(\.\d+)? x 841(\.\d+)?|Page size:\s+595(\.\d+)? x 842", info), info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 12 <= pages <= 40
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, timeout=60).stdout
    assert "Página 3 de" in text and "ZED ILO · Evaluación anual 2023 del PEI 2023-2025" in text
    assert "95,10" in text and "Identificación de las AEI críticas" in text
    _contents_pages_are_right(text)
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "3", "-l", "3", str(out), str(tmp_path / "p")], check=True, timeout=120)
    png = next(tmp_path.glob("p*.png"))
    colors = colors_of(png, step=2)
    assert len(colors) > 20  # not blank
    rules = load_ruleset(resolve("ceplan-2023"))
    for band in ("rojo", "verde"):
        want = tuple(int(tint(band_colors(rules)[band], 0.45)[i : i + 2], 16) for i in (0, 2, 4))
        assert any(sum(abs(a - b) for a, b in zip(c, want)) < 12 for c in colors), band


def _contents_pages_are_right(text: str) -> None:
    """The contents page as a reader sees it: every entry has a dotted leader and a page number,
    and that page (the PDF's own page, counted from the form feeds) carries the heading."""
    pages = text.split("\f")
    contents = next(p for p in pages if "Contenido" in p)
    entries, pending = [], ""
    for line in contents.split("Contenido", 1)[1].splitlines():
        if not line.strip() or line.strip().startswith("Página"):
            continue
        pending = f"{pending} {line.strip()}".strip()  # an entry may wrap onto a second line
        m = re.fullmatch(r"(.*?)\s*\.{3,}\s*(\d+)", pending)
        if m:
            entries.append((m.group(1).rstrip("."), m.group(2)))
            pending = ""
    assert not pending, pending
    titles = [t for t, _ in entries]
    for want in ("Resumen ejecutivo", "3.2 Identificación de las AEI críticas", "4. Conclusiones y recomendaciones", "Anexos"):
        assert want in titles, titles
    assert len(entries) >= 15
    numbers = [int(n) for _, n in entries]
    assert numbers == sorted(numbers) and numbers[0] >= 3, entries
    for title, n in entries:
        page = re.sub(r"\s+", " ", pages[int(n) - 1])
        assert re.sub(r"\s+", " ", title)[:40] in page, (title, n)


def test_contents_entries_point_at_their_headings(document):
    """In the DOCX the contents lines are PAGEREF fields to bookmarks on the headings (Word fills
    in the pages on opening, LibreOffice when laying out); no heading is listed twice, the
    OEI subsections of section 2 are not listed (as in the seed)."""
    body = document.element.body
    marks = {b.get(qn("w:name")): b.getparent() for b in body.iter(qn("w:bookmarkStart")) if b.get(qn("w:name")).startswith("_Toc")}
    refs = [i.text.split()[1] for i in body.iter(qn("w:instrText")) if i.text.strip().startswith("PAGEREF")]
    assert len(refs) >= 15 and len(refs) == len(set(refs)) == len(marks)
    assert set(refs) == set(marks)
    listed = ["".join(t.text for t in marks[r].iter(qn("w:t"))) for r in refs]
    assert listed[0] == "Resumen ejecutivo" and "Anexos" in listed
    assert not any(x.startswith("I. ") for x in listed)
    settings = document.settings.element
    assert settings.find(qn("w:updateFields")).get(qn("w:val")) == "true"


def test_pdf_without_libreoffice_is_a_clear_error(tmp_path):
    out = tmp_path / "i.pdf"
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "PEI_RULES_SOFFICE": str(tmp_path / "no-hay-soffice")}
    r = subprocess.run([sys.executable, "-m", "pei_rules", "informe", str(ZED), "--year", "2023", "--out", str(out)], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and "LibreOffice" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_rules_check_validates_the_informe_section(tmp_path):
    folder = _ruleset(tmp_path, '[informe.oraciones.critica]\nes = "La {codigo} por {motivo}."\n')
    r = run_cli("rules", "check", str(folder))
    assert r.returncode == 1 and "informe.toml:2" in r.stdout + r.stderr and "motivo" in r.stdout + r.stderr
    r = run_cli("rules", "check", "ceplan-2023")
    assert r.returncode == 0, r.stdout + r.stderr
