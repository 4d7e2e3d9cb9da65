"""The HTML report and the markdown tables, checked without a browser (fast)."""
from __future__ import annotations

import re
import shutil
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from report_helpers import write_plans

from pei_rules import evaluate, load_plan, load_ruleset, report_model
from pei_rules.cli import main
from pei_rules.errors import RuleError
from pei_rules.html_report import bar_chart, histogram, render_html
from pei_rules.report_text import render_markdown
from pei_rules.report_model import num, report_tables

ROOT = Path(__file__).resolve().parent.parent
ZED = ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml"


# --- a small DOM: enough to read classes, attributes and text -------------------------------------


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children, self.text = tag, dict(attrs), parent, [], ""

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def iter(self):
        yield self
        for c in self.children:
            yield from c.iter()

    def find_all(self, tag=None, cls=None):
        return [n for n in self.iter() if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)]

    def all_text(self) -> str:
        return self.text + "".join(c.all_text() for c in self.children)


VOID = {"meta", "br", "link", "img", "input", "hr", "line", "rect", "path", "circle"}


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        if self.cur.children:
            self.cur.children[-1].text += ""  # keep order simple: text belongs to the open element
        self.cur.text += data


def parse_html(text: str) -> Node:
    b = _Builder()
    b.feed(text)
    return b.root


def external_references(text: str) -> list[str]:
    """Anything a browser would fetch: src/href/url()/@import that is not a fragment or data: URL."""
    found = []
    for m in re.finditer(r"""(?:\bsrc|\bhref|xlink:href)\s*=\s*["']([^"']*)["']""", text, re.IGNORECASE):
        if not m.group(1).startswith(("#", "data:")):
            found.append(m.group(0))
    for m in re.finditer(r"url\(\s*['\"]?([^)'\"]*)", text, re.IGNORECASE):
        if not m.group(1).startswith(("#", "data:")):
            found.append(m.group(0))
    found += re.findall(r"@import[^;]*;", text, re.IGNORECASE)
    found += re.findall(r"<(?:link|iframe|object|embed)\b[^>]*>", text, re.IGNORECASE)
    return found


# --- shared checks (also used by the browser tests on the browser's own DOM) ------------------------


def check_aei_rows(dom: Node, rules) -> int:
    """Every AEI row carries band-<name> of the advance it shows, and says the band as a word."""
    rows = [tr for tr in dom.find_all("tr", "aei")]
    assert rows, "no AEI rows"
    scale_of = {b.name: s for s in rules.scales.values() for b in s.bands}
    labels = {b.name: b.label for s in rules.scales.values() for b in s.bands}
    kind = report_model.entity_kinds.__name__  # documentation only: the row's main figure is the AEI advance
    assert kind
    for tr in rows:
        cells = [c for c in tr.children if c.tag == "td"]
        band_classes = [c for c in tr.classes if c.startswith("band-")]
        assert len(band_classes) == 1, (tr.attrs, band_classes)
        name = band_classes[0][len("band-"):]
        value_text = cells[4].all_text().strip()
        word = cells[5].all_text().strip()
        assert f"band-{name}" in cells[4].classes and f"band-{name}" in cells[5].classes
        if name == "sin_dato":
            assert word == rules.no_data_label
            continue
        shown = Decimal(value_text.replace(",", ""))
        scale = scale_of[name]
        assert scale.classify(shown).name == name, f"{tr.attrs.get('data-code')}: {shown} is not {name}"
        assert word == labels[name]
    return len(rows)


def check_charts(dom: Node, minimum: int) -> None:
    charts = [n for n in dom.find_all("svg") if "chart" in n.classes]
    assert len(charts) >= minimum, f"{len(charts)} charts"
    for svg in charts:
        shapes = [n for n in svg.iter() if n.tag == "rect" and (n.classes & {"bar", "bin", "seg"})]
        assert shapes, f"chart without data shapes: {svg.attrs.get('class')}"
        for r in shapes:
            assert float(r.attrs["width"]) > 0 and float(r.attrs["height"]) > 0


# --- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zed_html(zed_eval):
    return render_html(zed_eval, "es")


@pytest.fixture(scope="module")
def zed_dom(zed_html):
    return parse_html(zed_html)


# --- the evaluation report ----------------------------------------------------------------------------


def test_report_shows_the_published_figures_formatted_as_peruvian_reports(zed_html):
    for text in ("95.10", "92.59", "74.27", "4,930,000.00", "3,661,516.08", "100.00", "24.4", "66.7"):
        assert text in zed_html, text


def test_report_is_self_contained(zed_html):
    assert external_references(zed_html) == []
    assert "<script" not in zed_html  # the single report needs no JavaScript


def test_each_aei_row_carries_the_band_of_its_advance(zed_dom, rules_2023):
    assert check_aei_rows(zed_dom, rules_2023) == 12


def test_rows_follow_the_report_order_oei_indicators_aei(zed_dom, zed_plan):
    table = next(t for t in zed_dom.find_all("table") if t.attrs.get("id") == "tabla-objetivos")
    codes = [tr.attrs["data-code"] for tr in table.find_all("tr") if "data-code" in tr.attrs]
    expected = []
    for o in zed_plan.model.oei:
        expected.append(o.codigo)
        expected += [i.codigo for i in zed_plan.model.indicador if i.de == o.codigo]
        for a in zed_plan.model.aei:
            if a.oei == o.codigo:
                expected.append(a.codigo)
                expected += [i.codigo for i in zed_plan.model.indicador if i.de == a.codigo]
    assert codes == expected


def test_every_banded_cell_has_a_word_next_to_its_colour(zed_dom, rules_2023):
    words = {b.label for s in rules_2023.scales.values() for b in s.bands} | {rules_2023.no_data_label}
    banded = [c for c in zed_dom.find_all("td") if any(x.startswith("band-") for x in c.classes) and "num" in c.classes]
    assert len(banded) > 40
    for td in banded:
        if "word" in td.classes:
            continue
        tr = td.parent
        cells = [c for c in tr.children if c.tag == "td"]
        i = cells.index(td)
        neighbour = cells[i + 1] if i + 1 < len(cells) else None
        band = td.attrs["data-band"]
        said = neighbour is not None and neighbour.attrs.get("data-band") == band and neighbour.all_text().strip() in words
        said = said or tr.attrs.get("data-code", "").startswith("conteo") or "conteo" in tr.classes
        assert said, f"{tr.attrs.get('data-code')}: band {band} only as a colour"


def test_charts_are_present_and_drawn_from_the_figures(zed_dom, zed_eval):
    check_charts(zed_dom, 4)
    bars = [r for r in zed_dom.find_all("rect", "bar") if "chart-avance_aei" in r.parent.classes]
    assert len(bars) == 12
    for r in bars:
        f = zed_eval.figures[f"avance_aei:{r.attrs['data-code']}"]
        assert Decimal(r.attrs["data-value"]) == f.value and f"band-{f.band_name}" in r.classes
    bins = [r for r in zed_dom.find_all("rect", "bin") if "chart-ejecucion_fisica_ao" in r.parent.classes]
    assert sum(int(r.attrs["data-count"]) for r in bins) == 27


def test_published_section_lists_published_beside_recomputed(zed_dom):
    table = next(t for t in zed_dom.find_all("table") if t.attrs.get("id") == "tabla-publicado")
    rows = {tr.attrs["data-code"]: tr for tr in table.find_all("tr") if "data-code" in tr.attrs}
    assert "status-match" in rows["ejecucion_ponderada"].classes
    differs = [tr for tr in table.find_all("tr") if "status-mismatch" in tr.classes]
    assert any(tr.attrs["data-code"] == "avance_aei:AEI.03.02" for tr in differs)


def test_english_labels(zed_eval):
    text = render_html(zed_eval, "en")
    assert 'lang="en"' in text and "Traffic light" in text and "Published figures against recomputed ones" in text
    assert "Semáforo" not in text


def test_prints_on_a4(zed_html):
    assert "@page{size:A4" in zed_html and "@media print" in zed_html


def test_band_colours_come_from_the_rule_set(tmp_path, zed_plan):
    rules_dir = tmp_path / "r"
    shutil.copytree(ROOT / "rules" / "ceplan-2023", rules_dir)
    sem = rules_dir / "semaforo.toml"
    sem.write_text(sem.read_text(encoding="utf-8").replace('color = "#2e7d32"', 'color = "#123456"'), encoding="utf-8")
    html = render_html(evaluate(zed_plan, load_ruleset(rules_dir), 2023))
    assert 'fill="#123456"' in html and "#2e7d32" not in html


def test_a_bad_band_colour_is_a_rule_error_with_its_line(tmp_path):
    rules_dir = tmp_path / "r"
    shutil.copytree(ROOT / "rules" / "ceplan-2023", rules_dir)
    sem = rules_dir / "semaforo.toml"
    sem.write_text(sem.read_text(encoding="utf-8").replace('color = "#2e7d32"', 'color = "green"'), encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        load_ruleset(rules_dir)
    e = exc.value
    assert e.file.endswith("semaforo.toml") and e.line and "color" in str(e) and "green" in str(e)


def test_bands_without_colour_still_render(tmp_path, zed_plan):
    rules_dir = tmp_path / "r"
    shutil.copytree(ROOT / "rules" / "ceplan-2023", rules_dir)
    sem = rules_dir / "semaforo.toml"
    sem.write_text(re.sub(r'(?m)^color = ".*"\n', "", sem.read_text(encoding="utf-8")), encoding="utf-8")
    dom = parse_html(render_html(evaluate(zed_plan, load_ruleset(rules_dir), 2023)))
    check_charts(dom, 4)


def test_plan_without_poi_or_published_values(tmp_path, rules_2023):
    text = ZED.read_text(encoding="utf-8").split("[[publicado]]", 1)[0]
    text = re.sub(r"(?ms)^\[poi\.2023\].*?(?=^\[\[publicado\]\]|\Z)", "", text)
    p = tmp_path / "plan.toml"
    p.write_text(text, encoding="utf-8")
    ev = evaluate(load_plan(p), rules_2023, 2023)
    html = render_html(ev)
    assert 'id="tabla-publicado"' not in html and 'id="tabla-ao"' not in html
    assert 'id="tabla-objetivos"' in html


# --- numbers ------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=2))
def test_numbers_use_comma_thousands_and_point_decimals(d):
    text = num(d)
    assert Decimal(text.replace(",", "")) == d
    intpart = text.lstrip("-").split(".")[0]
    groups = intpart.split(",")
    assert all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3
    if "." in text:
        assert len(text.split(".")[1]) == 2  # the figure's own decimals are kept


def test_money_and_counts_formatting():
    assert report_model.money(Decimal(4930000)) == "4,930,000.00"
    assert num(Decimal("3661516.08")) == "3,661,516.08"
    assert num(1234567) == "1,234,567"
    assert num(None) == "N/D" and num(None, "en") == "N/A"


# --- chart functions on their own -----------------------------------------------------------------------


def test_histogram_counts_every_value_once(rules_2023):
    scale = rules_2023.scales["ceplan"]
    colors = {"rojo": "#c62828", "amarillo": "#f9a825", "verde": "#2e7d32", "sin_dato": "#9e9e9e"}
    vals = [Decimal(x) for x in ("0", "10", "74.99", "75", "94.99", "95", "100", "180.5")] + [None, None]
    dom = parse_html(histogram("t", vals, scale, colors, "es", "n"))
    bins = dom.find_all("rect", "bin")
    assert sum(int(b.attrs["data-count"]) for b in bins) == 10
    by_band = {}
    for b in bins:
        band = next(c for c in b.classes if c.startswith("band-"))
        by_band[band] = by_band.get(band, 0) + int(b.attrs["data-count"])
    assert by_band == {"band-rojo": 3, "band-amarillo": 2, "band-verde": 3, "band-sin_dato": 2}


def test_bar_chart_with_no_data_item(rules_2023):
    scale = rules_2023.scales["ceplan"]
    items = [("A", "a", Decimal(50), "rojo", "Rojo"), ("B", "b", None, "sin_dato", "Sin dato")]
    svg = bar_chart("t", items, scale, {}, "es")
    dom = parse_html(svg)
    assert len(dom.find_all("rect", "bar")) == 1 and "N/D" in svg


# --- markdown: the same tables ----------------------------------------------------------------------------


def test_markdown_has_the_same_tables_as_the_html(zed_eval, zed_dom):
    md = render_markdown(zed_eval, "es")
    tables = report_tables(zed_eval, "es")
    md_titles = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    html_titles = [h.all_text().strip() for h in zed_dom.find_all("h2")]
    assert md_titles == [t.title for t in tables] == html_titles
    for tb in tables:
        header = "| " + " | ".join(tb.headers)
        assert re.sub(r"\s+", " ", header) in re.sub(r" +", " ", md), tb.key
        html_table = next(t for t in zed_dom.find_all("table") if t.attrs.get("id") == f"tabla-{tb.key}")
        assert len([tr for tr in html_table.find_all("tr") if tr.parent.tag == "tbody"]) == len(tb.rows)
    for text in ("95.10", "92.59", "74.27", "4,930,000.00"):
        assert text in md


def test_markdown_cells_cannot_break_the_table():
    assert report_model.markdown_cell("a | b\nc") == "a \\| b c"


# --- the command ----------------------------------------------------------------------------------------------


def test_cli_writes_the_report(tmp_path):
    out = tmp_path / "zed.html"
    assert main(["report", str(ZED), "--year", "2023", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.parametrize(
    "argv, words",
    [
        (["report", "--out", "x.html"], ["PLAN", "--batch"]),
        (["report", str(ZED), "--batch", "plans", "--out", "x.html"], ["no ambos"]),
        (["report", "no-such-plan.toml", "--out", "x.html"], ["no-such-plan.toml"]),
        (["report", str(ZED), "--year", "2023", "--out", "no/such/folder/x.html"], ["no/such/folder"]),
        (["report", "--batch", "no-such-folder", "--year", "2023", "--out", "x.html"], ["no-such-folder"]),
    ],
)
def test_cli_usage_errors_exit_2(argv, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for w in words:
        assert w in err


def test_batch_report_from_plan_files_and_from_a_batch_folder(tmp_path):
    plans = tmp_path / "plans"
    write_plans(plans)
    direct = tmp_path / "direct.html"
    assert main(["report", "--batch", str(plans), "--year", "2023", "--out", str(direct)]) == 1  # one plan is broken
    outdir = tmp_path / "lote"
    assert main(["batch", str(plans), "--year", "2023", "--out", str(outdir), "--quiet"]) == 1
    from_folder = tmp_path / "lote.html"
    assert main(["report", "--batch", str(outdir), "--out", str(from_folder)]) == 1
    for path in (direct, from_folder):
        text = path.read_text(encoding="utf-8")
        dom = parse_html(text)
        rows = dom.find_all("tr", "entidad")
        assert [r.attrs["data-code"] for r in rows] == ["ENT-A", "ENT-B", "ENT-C", "ENT-D", "ROTA"]
        assert "state-error" in rows[-1].classes and "zz-rota.toml:" in rows[-1].all_text() and "Hacia arriba" in rows[-1].all_text()
        assert rows[0].attrs["data-band"] == "verde" and rows[1].attrs["data-band"] == "rojo"
        assert "95.10" in rows[0].all_text()
        check_charts(dom, 1)
        assert external_references(text) == []
        assert "table.sortable" in text and 'class="sortable batch"' in text


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.decimals(min_value=Decimal(-50), max_value=Decimal(400), places=2)), min_size=1, max_size=30))
def test_histogram_puts_every_value_in_its_own_band(values):
    """Whatever the values, each is counted once, in the band the rule set gives it."""
    from pei_rules import load_ruleset as _load

    rules = _load(ROOT / "rules" / "ceplan-2023")
    scale = rules.scales["ceplan"]
    dom = parse_html(histogram("t", values, scale, {}, "es", "n"))
    got: dict[str, int] = {}
    for b in dom.find_all("rect", "bin"):
        band = next(c for c in b.classes if c.startswith("band-"))
        got[band] = got.get(band, 0) + int(b.attrs["data-count"])
    want: dict[str, int] = {}
    for v in values:
        band = "band-sin_dato" if v is None else f"band-{scale.classify(v).name}"
        want[band] = want.get(band, 0) + 1
    assert got == want


def test_histogram_respects_an_open_lower_bound(tmp_path):
    """A value on a bound goes to the band that contains it, even inside a bin that starts there."""
    rules_dir = tmp_path / "r"
    shutil.copytree(ROOT / "rules" / "ceplan-2023", rules_dir)
    sem = rules_dir / "semaforo.toml"
    text = sem.read_text(encoding="utf-8").replace('intervalo = "(-inf, 75)"', 'intervalo = "(-inf, 75]"').replace('intervalo = "[75, 95)"', 'intervalo = "(75, 95)"')
    sem.write_text(text, encoding="utf-8")
    scale = load_ruleset(rules_dir).scales["ceplan"]
    dom = parse_html(histogram("t", [Decimal(75), Decimal("75.5")], scale, {}, "es", "n"))
    bands = sorted(next(c for c in b.classes if c.startswith("band-")) for b in dom.find_all("rect", "bin"))
    assert bands == ["band-amarillo", "band-rojo"]


def test_batch_report_warns_when_the_batch_folder_is_incomplete(tmp_path):
    plans = tmp_path / "plans"
    write_plans(plans, broken=False)
    outdir = tmp_path / "lote"
    assert main(["batch", str(plans), "--year", "2023", "--out", str(outdir), "--quiet"]) == 0
    (outdir / "manifiesto.json").unlink()
    page = tmp_path / "lote.html"
    assert main(["report", "--batch", str(outdir), "--out", str(page)]) == 1  # the page is written, and the exit says the folder is not intact
    text = page.read_text(encoding="utf-8")
    assert 'class="warn"' in text and "manifiesto.json" in text
    assert len(parse_html(text).find_all("tr", "entidad")) == 4


def test_batch_report_rejects_a_summary_that_is_not_one(tmp_path, capsys):
    outdir = tmp_path / "lote"
    outdir.mkdir()
    (outdir / "resumen.json").write_text("{\"rows\": 3}", encoding="utf-8")
    assert main(["report", "--batch", str(outdir), "--out", str(tmp_path / "x.html")]) == 2
    assert "resumen.json" in capsys.readouterr().err


def test_batch_report_survives_a_damaged_entity_file(tmp_path):
    plans = tmp_path / "plans"
    write_plans(plans, broken=False)
    outdir = tmp_path / "lote"
    assert main(["batch", str(plans), "--year", "2023", "--out", str(outdir), "--quiet"]) == 0
    victim = sorted((outdir / "entidades").glob("*.json"))[1]
    victim.write_text("[1, 2]", encoding="utf-8")
    page = tmp_path / "lote.html"
    assert main(["report", "--batch", str(outdir), "--out", str(page)]) == 1
    rows = parse_html(page.read_text(encoding="utf-8")).find_all("tr", "entidad")
    assert "state-error" in rows[1].classes and victim.name in rows[1].all_text()
    assert 'class="warn"' in page.read_text(encoding="utf-8")  # the manifest's hash no longer matches
