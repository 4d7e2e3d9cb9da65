"""A rule set prepared once into specialised Python functions (issue #15, item 2).

The reference evaluator (:mod:`pei_rules.evaluate`) runs each rule expression through a
generic loop: it gathers the inputs by name, builds a :class:`~pei_rules.evaluate.Figure`,
calls the expression, rounds and classifies. For a rule set used on thousands of plans
(``batch``, ``evaluate --format json/csv``) that loop is most of the time. Here a rule set
is turned, once, into Python source — one function per (sentido, agregación) case of the
indicators, computing every advance kind and indicator formula of the case straight from
the plan's numbers, and one function for the formulas of an actividad operativa — compiled
once and cached by a digest of the source and of the values its names are bound to (equal
rule content, equal functions).

A generated function returns the exact value of each formula, :data:`NODATA` when an input
has no data, or :data:`IRREGULAR` when the formula would not give a plain number: a division
by zero (whose decision the rule set takes per case), anything but a ``Decimal``. The evaluator then runs
the reference code for that one figure, so every reason, zero decision and error is the
reference's own. The functions hold no rule number of their own: parameters and the
expressions' literals are bound from the loaded rule set.
"""
from __future__ import annotations

import ast
import copy
import hashlib
import threading
from decimal import Decimal

from . import vocabulary as V
from .expressions import CONSTANT_PREFIX, FUNCTION_LIBRARY, Expression
from .figures import ND, OK
from .i18n import Message

#: what a generated function returns for a formula the reference code must compute
IRREGULAR = object()
#: what it returns for a formula with an input without data (N/D, never zero)
NODATA = object()

#: the inputs of an indicator's formulas (``_Evaluator.indicator_env``, annual evaluation),
#: in the order the generated functions take them
INDICATOR_INPUTS = ("obtenido", "esperado", "base", "obtenido_acumulado", "esperado_acumulado", "esperado_final")
#: the inputs of an actividad operativa's formulas (``_Evaluator.ao_env``, annual values)
AO_INPUTS = ("programado", "ejecutado", "pim", "devengado")

_compiled: dict[str, dict] = {}  # sha256 of the generated source and its bound values -> its namespace
_lock = threading.Lock()


class _Source:
    """Python source of the generated functions and the values their names stand for."""

    def __init__(self, params: dict[str, Decimal]):
        self.params = params
        self.scope: dict = {"__builtins__": {}, "Decimal": Decimal, "IRREGULAR": IRREGULAR, "NODATA": NODATA, "type": type, "OK": OK, "ND_": ND, "ERRORS": (ArithmeticError, TypeError, ValueError)}
        self.lines: list[str] = []
        self.n_exprs = 0

    def expression(self, expr: Expression, inputs: tuple[str, ...], target: str, ind: str = "    ") -> None:
        """Lines computing ``expr`` into ``target`` (IRREGULAR when it would not give a number)."""
        self.n_exprs += 1
        tag = f"e{self.n_exprs}_"
        local = {n: f"v_{n}" for n in inputs}
        needed: list[str] = []
        missing = False
        for n in expr.sorted_names:
            if n in local:
                needed.append(local[n])
            elif n in self.params:
                self.scope[f"p_{n}"] = self.params[n]
            else:
                missing = True  # neither an input nor a parameter: N/D, said by the reference code

        class _Rename(ast.NodeTransformer):
            def visit_Name(self, node: ast.Name):
                if node.id.startswith(CONSTANT_PREFIX):
                    new = tag + "k" + node.id[len(CONSTANT_PREFIX):]
                elif node.id in local:
                    new = local[node.id]
                elif node.id in FUNCTION_LIBRARY and node.id in expr.functions:
                    new = "f_" + node.id
                else:
                    new = "p_" + node.id
                return ast.copy_location(ast.Name(id=new, ctx=node.ctx), node)

        for cname, value in expr.constants.items():
            self.scope[tag + "k" + cname[len(CONSTANT_PREFIX):]] = value
        for f in expr.functions:
            self.scope["f_" + f] = FUNCTION_LIBRARY[f]
        if missing or expr.code_tree is None:
            self.lines.append(f"{ind}{target} = {'NODATA' if missing else 'IRREGULAR'}")
            return
        body = ast.unparse(_Rename().visit(copy.deepcopy(expr.code_tree.body)))
        self.lines += [ind + x for x in (
            f"if {' or '.join(f'{v} is None' for v in needed) or 'False'}:", f"    {target} = NODATA", "else:", "    try:",
            f"        {target} = {body}", "    except ERRORS:", f"        {target} = IRREGULAR", "    else:",
            f"        if type({target}) is not Decimal:", f"            {target} = IRREGULAR")]

    def row(self, j: int, target: str, scope: str, scale, on_rounded: bool, ind: str, nodata: str | None = None) -> None:
        """Lines storing figure ``j``'s row (``figures.ROW``, as ``make`` stores it) from ``target``,
        or a placeholder (the dict keeps its place) and the figure in ``rest`` for the reference
        code; ``nodata``: the key of a reason said before of a figure without data (AO figures)."""
        x, chain = "value" if on_rounded else target, []
        for i, b in enumerate(scale.bands if _inline(scale) else ()):  # Scale.classify, written out: the first band whose upper bound is not below x
            chain += [f"{'elif' if i else 'if'} {x} {'<=' if b.upper_closed else '<'} U{j}_{i}:" if b.upper is not None else "else:", f"    band = K{j}_{i}"]
            if b.upper is None:
                break
        band = "band" if chain else f"B{j}({x})" if scale else "None"
        self.lines += [ind + ln for ln in (
            f"fid = P{j} + code", "value = None", f"if type({target}) is Decimal:", "    try:",
            f"        value = {target}.quantize(Q{j}, rounding=MODE)", "    except ERRORS:", "        pass",
            "    else:", "        if not value:", "            value = value.copy_abs()", "if value is not None:", *["    " + c for c in chain],
            f"    figures[fid] = (fid, N{j}, code, {scope!r}, L{j}, {target}, value, D{j}, OK, None, R{j}, T{j}, M{j}, {band}, S{j}, owner)",
            *([f"elif {target} is NODATA and (reason := ND{j}.get({nodata})) is not None:",
               f"    figures[fid] = (fid, N{j}, code, {scope!r}, L{j}, None, None, None, ND_, reason, R{j}, T{j}, None, None, S{j}, owner)"] if nodata else []),
            "else:", "    figures[fid] = None", f"    rest.append({'(ao, fid, ' + target + ')' if nodata else f'({j}, {target})'})", f"    {target} = IRREGULAR")]

    def consts(self, scales: list, nodata: bool) -> None:
        """The closure's names of each figure's constants (``Prepared.bind``), unpacked once."""
        names = [f"(P{j}, N{j}, L{j}, R{j}, T{j}, M{j}, Q{j}, D{j}, S{j}, B{j}{f', ND{j}' if nodata else ''})" for j in range(len(scales))]
        self.lines.append(f"    {', '.join(names)}, MODE = C")
        self.lines += [f"    {''.join(f'K{j}_{i}, U{j}_{i}, ' for i in range(len(sc.bands)))}= B{j}" for j, sc in enumerate(scales) if _inline(sc)]

    def compile(self) -> dict:
        text = "\n".join(self.lines) + "\n"
        # the digest covers the source and every value its names are bound to (parameters,
        # literals): equal digests, equal functions
        bound = "\n".join(f"{k} = {v!r}" for k, v in sorted(self.scope.items()) if isinstance(v, Decimal))
        digest = hashlib.sha256((text + "\n# bound\n" + bound).encode()).hexdigest()
        with _lock:
            ns = _compiled.get(digest)
            if ns is None:
                if len(_compiled) >= 256:  # many rule sets made and dropped (tests, a server): start again
                    _compiled.clear()
                ns = dict(self.scope)
                exec(compile(text, f"<rule set {digest[:12]}>", "exec"), ns)  # noqa: S102 - built from allow-listed rule trees only
                _compiled[digest] = ns
        self.source = text
        return ns


class Prepared:
    """The specialised functions of one rule set (see the module's documentation).

    ``case_i(C)`` (one per (sentido, agregación) case) and ``ao_i(C)`` (one per AO-scope
    formula) make, from the figures' constants ``C`` (:meth:`bind`), a function storing the
    rows of an indicator's figures (advance kinds, principal, indicator formulas) or of one
    formula for every AO; a figure they cannot make as a row is left as a placeholder and put
    in ``rest`` for the reference code.
    """

    def __init__(self, rules):
        self.rules, src = rules, _Source(dict(rules.parameters))
        self.kinds = list(rules.advance_kinds.items())
        self.ind_formulas = [(n, fm) for n, fm in rules.formulas.items() if fm.scope == "indicador"]
        self.ao_formulas = [(n, fm) for n, fm in rules.formulas.items() if fm.scope == "ao"]
        nk, on_rounded, w = len(self.kinds), rules.compare == "redondeado", " " * 8
        self.pi = pi = list(rules.advance_kinds).index(rules.principal)
        scaled = [rules.scales.get(rules.band_for.get(k)) for k in [f"avance_{k}" for k, _ in self.kinds] + ["avance_indicador"] + [n for n, _ in self.ind_formulas]]
        self.case_names: dict[tuple, str] = {}
        for s, ags in rules.cases.items():
            for a in ags:
                if all((s, a) in k.formulas for _, k in self.kinds):
                    self.case_names[(s, a)] = fname = f"case_{len(self.case_names)}"
                    src.lines.append(f"def {fname}(C):")
                    src.consts(scaled, False)
                    src.lines.append(f"    def run(figures, rest, code, owner, {', '.join('v_' + n for n in INDICATOR_INPUTS)}):")
                    for i, e in enumerate([k.formulas[(s, a)] for _, k in self.kinds] + [fm.expr for _, fm in self.ind_formulas]):
                        src.expression(e, INDICATOR_INPUTS, f"r{i}", w)
                    for j in range(len(scaled)):
                        if j == nk:  # the principal advance: its kind's value, when a row
                            src.lines.append(f"{w}rp = r{pi}")
                        src.row(j, f"r{j - (j > nk)}" if j != nk else "rp", "indicador", scaled[j], on_rounded, w)
                    src.lines.append("    return run")
        for i, (n, fm) in enumerate(self.ao_formulas):
            src.lines.append(f"def ao_{i}(C):")
            src.consts([rules.scales.get(rules.band_for.get(n))], True)
            src.lines += ["    def run(items, figures, rest):", f"{w}for ao, code, owner, {', '.join('v_' + n for n in AO_INPUTS)}, how in items:"]
            src.expression(fm.expr, AO_INPUTS, "r0", w + "    ")
            src.row(0, "r0", "ao", rules.scales.get(rules.band_for.get(n)), on_rounded, w + "    ", f"({', '.join(f'v_{n} is None' for n in AO_INPUTS)}, how)")
            src.lines.append("    return run")
        self.ns = src.compile()
        self.source = src.source
        self.bound: dict[str, tuple] = {}  # per language: the functions of the cases and of the AO formulas
        self.nd_reasons: dict[str, dict] = {}  # per language and AO formula (None: indicators): the reasons of figures without data

    def bind(self, lang: str) -> tuple[dict, dict]:
        """The functions storing the rows, made with the figures' constants (labels, rule lines, rounding,
        bands, reasons said before) in language ``lang``; a case's come with its constants."""
        got = self.bound.get(lang)
        if got is not None:
            return got
        rules, quanta = self.rules, {}

        def cfg(kind: str) -> tuple:
            d, scale = rules.decimals[kind], rules.band_for.get(kind)
            sc = rules.scales[scale] if scale else None
            return quanta.setdefault(d, Decimal(1).scaleb(-d)), d, scale, tuple(y for b in sc.bands for y in (b, b.upper)) if _inline(sc) else sc and sc.classify

        mode, nd = V.ROUNDING_MODES[rules.rounding_mode], self.nd_reasons.setdefault(lang, {})
        principal = ("avance_indicador:", "avance_indicador", rules.label_of("avance_indicador"), rules.ref("avance", "principal"),
                     Message("ev_principal", kind=f"avance_{rules.principal}"), None, *cfg("avance_indicador"))
        formulas = [(n + ":", n, fm.label, fm.ref, fm.expr.text, None, *cfg(n)) for n, fm in self.ind_formulas]
        consts = {(s, a): (*[(f"avance_{kn}:", f"avance_{kn}", k.label, k.refs[(s, a)], k.formulas[(s, a)].text, f"{s} / {a}", *cfg(f"avance_{kn}"))
                             for kn, k in self.kinds], principal, *formulas) for (s, a) in self.case_names}
        cases = {(s, a): (self.ns[f]((*consts[(s, a)], mode)), consts[(s, a)]) for (s, a), f in self.case_names.items()}
        aos = {n: self.ns[f"ao_{i}"](((n + ":", n, fm.label, fm.ref, fm.expr.text, None, *cfg(n), nd.setdefault(n, {})), mode)) for i, (n, fm) in enumerate(self.ao_formulas)}
        got = self.bound[lang] = (cases, aos)
        return got


def _inline(scale) -> bool:
    """Whether the generated code classifies on ``scale``'s bands itself (its last band unbounded, as loading checks)."""
    return scale is not None and bool(scale.bands) and scale.bands[-1].upper is None


_prepared: dict[int, tuple[object, Prepared]] = {}  # id(rule set) -> (the set, its functions)


def prepared(rules) -> Prepared:
    """The specialised functions of ``rules``, made once per loaded rule set (the generated
    source is compiled once per distinct content, see :class:`_Source`)."""
    got = _prepared.get(id(rules))
    if got is not None and got[0] is rules:
        return got[1]
    p = Prepared(rules)
    with _lock:
        if len(_prepared) > 64:  # rule sets loaded and dropped (tests, a server): keep the table small
            _prepared.clear()
        _prepared[id(rules)] = (rules, p)
    return p


__all__ = ["AO_INPUTS", "INDICATOR_INPUTS", "IRREGULAR", "NODATA", "Prepared", "prepared"]
