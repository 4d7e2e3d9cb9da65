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

from .expressions import CONSTANT_PREFIX, FUNCTION_LIBRARY, Expression

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
        self.scope: dict = {"__builtins__": {}, "Decimal": Decimal, "IRREGULAR": IRREGULAR, "NODATA": NODATA, "type": type, "ERRORS": (ArithmeticError, TypeError, ValueError)}
        self.lines: list[str] = []
        self.n_exprs = 0

    def expression(self, expr: Expression, inputs: tuple[str, ...], target: str) -> None:
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
            self.lines.append(f"    {target} = {'NODATA' if missing else 'IRREGULAR'}")
            return
        body = ast.unparse(_Rename().visit(copy.deepcopy(expr.code_tree.body)))
        self.lines.append(f"    if {' or '.join(f'{v} is None' for v in needed) or 'False'}:")
        self.lines.append(f"        {target} = NODATA")
        self.lines.append("    else:")
        self.lines.append("        try:")
        self.lines.append(f"            {target} = {body}")
        self.lines.append("        except ERRORS:")
        self.lines.append(f"            {target} = IRREGULAR")
        self.lines.append("        else:")
        self.lines.append(f"            if type({target}) is not Decimal:")
        self.lines.append(f"                {target} = IRREGULAR")

    def function(self, name: str, inputs: tuple[str, ...], exprs: list[Expression]) -> None:
        self.lines.append(f"def {name}({', '.join('v_' + n for n in inputs)}):")
        for i, e in enumerate(exprs):
            self.expression(e, inputs, f"r{i}")
        self.lines.append(f"    return ({''.join(f'r{i}, ' for i in range(len(exprs)))})")
        self.lines.append("")

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

    ``cases[(sentido, agregacion)]``: a function of :data:`INDICATOR_INPUTS` returning the
    exact values of the advance kinds (in ``rules.advance_kinds`` order) then of the
    indicator-scope formulas (in ``rules.formulas`` order); ``ao``: a function of
    :data:`AO_INPUTS` returning the exact values of the AO-scope formulas (in order).
    """

    def __init__(self, rules):
        src = _Source(dict(rules.parameters))
        ind_formulas = [fm.expr for fm in rules.formulas.values() if fm.scope == "indicador"]
        names = {}
        for s, ags in rules.cases.items():
            for a in ags:
                if all((s, a) in k.formulas for k in rules.advance_kinds.values()):
                    fname = f"case_{len(names)}"
                    names[(s, a)] = fname
                    src.function(fname, INDICATOR_INPUTS, [k.formulas[(s, a)] for k in rules.advance_kinds.values()] + ind_formulas)
        src.function("ao", AO_INPUTS, [fm.expr for fm in rules.formulas.values() if fm.scope == "ao"])
        ns = src.compile()
        self.source = src.source
        self.cases = {case: ns[fname] for case, fname in names.items()}
        self.ao = ns["ao"]
        self.nd_reasons: dict[str, dict] = {}  # per language: the evaluator's reasons of AO figures without data


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
