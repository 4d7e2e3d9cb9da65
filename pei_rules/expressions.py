"""Rule expressions: parsed and checked once, when the rule set loads.

An expression is a small arithmetic formula over named inputs, e.g.
``min(tope, 100 * obtenido / esperado)``. The security model:

1. The text is parsed with simpleeval's parser (Python's ``ast``), limited in length,
   nesting depth and node count *before* parsing goes deep.
2. Every node is checked against an allow-list: numbers, declared names, ``+ - * /``,
   unary ``- +``, comparisons, ``and or not``, ``x if c else y``, and calls of the
   declared functions by name with positional arguments. Everything else (attributes,
   subscripts, strings, f-strings, lambdas, comprehensions, ``**``, ``//``, ``%``,
   shifts, bit operators, keywords, starred arguments, walrus) is rejected with the
   file:line:column of the rule and the excerpt.
3. Numeric literals become ``Decimal`` (from their source text, never via float).
4. Evaluation runs on ``Decimal`` in a fixed context (28 significant digits, bounded
   exponent) with every trap on, so any operation has bounded cost; an expression has
   at most ``MAX_NODES`` nodes and no loops, so evaluation work is bounded by a constant.

Two evaluators run the same checked tree:

- :meth:`Expression.evaluate` (the fast path) runs the checked tree compiled to a Python
  code object with empty builtins. Only allow-listed nodes reach the compiler.
- :meth:`Expression.evaluate_traced` runs it with simpleeval, recording every
  intermediate value for explanations. Tests check both agree on every rule.
"""
from __future__ import annotations

import ast
import decimal
import keyword
import operator
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Mapping

import simpleeval

from .errors import ExpressionError, did_you_mean, type_name
from .i18n import msg

MAX_LENGTH = 2000
MAX_DEPTH = 32
MAX_NODES = 400
MAX_ARGS = 16  # arguments of one function call

#: The Decimal context every expression runs in.
CONTEXT = decimal.Context(
    prec=28,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=999_999,
    Emin=-999_999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


class NoData(Exception):
    """Inputs are N/D (no data): the result is N/D, never zero. ``names`` lists them all."""

    def __init__(self, names: list[str] | str):
        names = [names] if isinstance(names, str) else list(names)
        super().__init__(", ".join(names))
        self.names = names
        self.name = names[0]


class EvalFailure(Exception):
    """Evaluation produced no number (division by zero, invalid operation, overflow)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def _dmin(*args):
    return min(args)  # at least one argument (checked at load); none would be a ValueError, caught


def _dmax(*args):
    return max(args)


#: Every function an expression may call, if the rule set declares it.
FUNCTION_LIBRARY: dict[str, Callable] = {"min": _dmin, "max": _dmax, "abs": abs}

#: The engine's internal names for the literals of an expression ("#k0", "#k1" ...) start
#: with '#': no rule name can (names are lower_case identifiers) and no expression can
#: write one ('#' is rejected in expression text), so a literal can never be shadowed.
CONSTANT_PREFIX = "#k"

#: Names no rule set may declare (parameters, formulas, aggregates, ...): Python's
#: keywords and builtins marker, the function library, and anything with a double
#: underscore or a leading underscore (the namespace the engine keeps for itself).
RESERVED_NAMES = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | {"__builtins__"} | frozenset(FUNCTION_LIBRARY)


def reserved_name(name: str) -> bool:
    """True when ``name`` is in the engine's reserved set (see :data:`RESERVED_NAMES`)."""
    return name in RESERVED_NAMES or name.startswith("_") or "__" in name or name.startswith(CONSTANT_PREFIX)

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_UNARY = {ast.USub: "-", ast.UAdd: "+", ast.Not: "not"}
_CMPOPS = {ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE}
_FORBIDDEN_NAMES = {  # node -> catalogue id of what it is ("a lambda")
    ast.Attribute: "ex_what_attribute",
    ast.Subscript: "ex_what_subscript",
    ast.Lambda: "ex_what_lambda",
    **dict.fromkeys((ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp), "ex_what_comprehension"),
    **dict.fromkeys((ast.JoinedStr, ast.FormattedValue), "ex_what_string"),
    ast.NamedExpr: "ex_what_assignment",
    ast.Starred: "ex_what_starred",
    ast.List: "ex_what_list",
    ast.Tuple: "ex_what_tuple",
    ast.Set: "ex_what_set",
    ast.Dict: "ex_what_dict",
    ast.Slice: "ex_what_slice",
}
_OP_NAMES = {  # operator -> (catalogue id, arguments) of its name ("'**' (power)")
    ast.Pow: ("ex_op_pow", {}),
    ast.FloorDiv: ("ex_op_floordiv", {}),
    ast.Mod: ("ex_op_mod", {}),
    ast.LShift: ("ex_op_shift", {"op": "<<"}),
    ast.RShift: ("ex_op_shift", {"op": ">>"}),
    ast.BitOr: ("ex_op_bits", {"op": "|"}),
    ast.BitAnd: ("ex_op_bits", {"op": "&"}),
    ast.BitXor: ("ex_op_bits", {"op": "^"}),
    ast.MatMult: ("ex_op_matmult", {}),
    ast.Invert: ("ex_op_bits", {"op": "~"}),
}
_CMP_CODES = {ast.Is: "'is'", ast.IsNot: "'is not'", ast.In: "'in'", ast.NotIn: "'not in'"}


def _op_name(op: ast.AST) -> str:
    if type(op) in _CMP_CODES:
        return _CMP_CODES[type(op)]
    key, args = _OP_NAMES.get(type(op), ("ex_what_node", {"node": type(op).__name__}))
    return msg(key, **args)


def _what(node: ast.AST) -> str:
    """What a refused node is, in the language in force."""
    return msg(_FORBIDDEN_NAMES.get(type(node), "ex_what_node"), node=type(node).__name__)


@dataclass
class Where:
    """Where an expression was written, to point errors at the rule file."""

    file: str | None = None
    line: int | None = None
    key: tuple = ()
    rule: str | None = None
    column_offset: int = 0  # column of the expression text inside the line


@dataclass
class Expression:
    """A checked rule expression: its text, the inputs and functions it uses, its trees and code."""
    text: str
    names: frozenset[str]  # input names it reads
    functions: frozenset[str]
    tree: ast.Expression
    code: object = field(repr=False)
    constants: dict[str, Decimal] = field(repr=False, default_factory=dict)
    where: Where | None = None
    code_tree: ast.Expression | None = field(default=None, repr=False, compare=False)
    sorted_names: tuple[str, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        self.sorted_names = tuple(sorted(self.names))
        self._fn = None

    def function(self) -> Callable:
        """The checked expression as a Python function of its inputs, in ``sorted_names`` order.

        Built from the same allow-listed tree as ``code`` (a lambda around it), with empty
        builtins and only the declared functions and the Decimal constants in scope. Callers
        must run it inside ``decimal.localcontext(CONTEXT)`` (see :func:`call_in_context`).
        """
        fn = self._fn
        if fn is None:
            body = self.code_tree.body  # shared, not copied: compiling a tree only reads it
            lam = ast.Expression(
                body=ast.Lambda(
                    args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=n) for n in self.sorted_names], kwonlyargs=[], kw_defaults=[], defaults=[]),
                    body=body,
                )
            )
            ast.fix_missing_locations(lam)
            scope: dict = {"__builtins__": {}}
            scope.update(self.constants)
            for f in self.functions:
                scope[f] = FUNCTION_LIBRARY[f]
            fn = self._fn = eval(compile(lam, "<rule>", "eval"), scope)  # noqa: S307 - allow-listed tree only
        return fn

    def call(self, values: tuple) -> Decimal:
        """Evaluate on input values given in ``sorted_names`` order, in the current Decimal context.

        The fast path of the engine: ``None`` values raise :class:`NoData` naming every missing
        input; arithmetic failures raise :class:`EvalFailure`. The caller has already rejected
        non-finite values (plans cannot hold them; see ``plan._value``).
        """
        for v in values:  # identity tests: "None in values" would compare Decimals with None
            if v is None:
                raise NoData([n for n, v in zip(self.sorted_names, values) if v is None])
        if self.code_tree is None:  # built by hand, not by compile_expression: the checked slow path
            return self.evaluate(dict(zip(self.sorted_names, values)))
        try:
            result = self.function()(*values)
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise _failure(exc) from None
        if type(result) is Decimal:
            return result
        return _as_decimal(result)

    def evaluate(self, env: Mapping[str, Decimal | None], functions: Mapping[str, Callable] | None = None) -> Decimal:
        """Evaluate with Decimal inputs. ``None`` inputs mean N/D and raise :class:`NoData`."""
        scope: dict = {"__builtins__": {}}
        missing = None
        names = self.sorted_names or tuple(sorted(self.names))
        for name in names:
            value = env.get(name)
            if value is None:
                missing = (missing or []) + [name]
            scope[name] = value
        if missing:
            raise NoData(missing)
        _check_finite(scope, names)
        scope.update(self.constants)
        for fn in self.functions:
            scope[fn] = (functions or FUNCTION_LIBRARY)[fn]
        with decimal.localcontext(CONTEXT):
            try:
                result = eval(self.code, scope)  # noqa: S307 - only allow-listed nodes are compiled
            except (ArithmeticError, TypeError, ValueError) as exc:
                raise _failure(exc) from None
        return _as_decimal(result)

    def evaluate_traced(self, env: Mapping[str, Decimal | None]) -> tuple[Decimal, list[tuple[str, Decimal]]]:
        """Evaluate with simpleeval, returning the result and each intermediate value."""
        missing = [n for n in sorted(self.names) if env.get(n) is None]
        if missing:
            raise NoData(missing)
        _check_finite(env, self.sorted_names)
        steps: list[tuple[str, Decimal]] = []
        ev = _TracingEval(names={n: env[n] for n in self.names}, functions={f: FUNCTION_LIBRARY[f] for f in self.functions}, steps=steps)
        with decimal.localcontext(CONTEXT):
            try:
                result = ev.eval(self.text, previously_parsed=self.tree.body)  # self.text is stripped, as parsed
            except (ArithmeticError, TypeError, ValueError) as exc:
                raise _failure(exc) from None
        return _as_decimal(result), steps


def _failure(exc: Exception) -> EvalFailure:
    """The evaluation failure an arithmetic error stands for (Decimal traps are on)."""
    if isinstance(exc, decimal.DivisionByZero):
        return EvalFailure("division_by_zero", "division by zero")
    if isinstance(exc, decimal.Overflow):
        return EvalFailure("overflow", "number too large")
    if isinstance(exc, decimal.InvalidOperation):
        return EvalFailure("invalid_operation", "undefined operation (e.g. 0/0)")
    # not reachable through the allow-list, kept so no arithmetic error ever escapes
    return EvalFailure("invalid_operation", f"{type(exc).__name__}: {exc}")


def _check_finite(env: Mapping, names: tuple[str, ...]) -> None:
    """NaN and infinities are not values: reject them before any arithmetic (min(100, inf) is 100).
    ``names`` in sorted order: the first bad one is named."""
    for name in names:
        v = env[name]
        if isinstance(v, Decimal) and not v.is_finite():
            raise EvalFailure("invalid_operation", f"input '{name}' is {v}, not a finite number")


def _as_decimal(value) -> Decimal:
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise EvalFailure("invalid_operation", f"expression produced {value}, not a finite number")
        return value
    if isinstance(value, int):
        return Decimal(value)
    raise EvalFailure("invalid_operation", f"expression produced {type(value).__name__}, not a number")


#: The operators the traced evaluator knows: the allow-list's, nothing more.
_TRACED_OPERATORS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_,
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
}


class _TracingEval(simpleeval.SimpleEval):
    """simpleeval with only our operators, recording intermediate values."""

    def __init__(self, names, functions, steps):
        super().__init__(operators=dict(_TRACED_OPERATORS), functions=functions, names=names)
        self._steps = steps

    def _eval(self, node):
        value = super()._eval(node)
        if isinstance(node, (ast.BinOp, ast.Call, ast.IfExp, ast.UnaryOp)) and not (
            isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant)
        ):
            label = ast.get_source_segment(self.expr, node) or ast.unparse(node)
            self._steps.append((label, value))
        return value


def _fail(message: str, text: str, where: Where | None, node: ast.AST | None = None, suggestion: str | None = None):
    w = where or Where()
    col = None
    if node is not None and hasattr(node, "col_offset"):
        col = w.column_offset + node.col_offset + 1
    excerpt = text if len(text) <= 200 else text[:200] + "…"
    raise ExpressionError(
        message, file=w.file, line=w.line, column=col if len(text) <= 200 else None, key=w.key, rule=w.rule,
        excerpt=excerpt if w.column_offset == 0 else None, suggestion=suggestion,
    )


def _kind_of(node: ast.AST, text: str, where: Where | None) -> str:
    """'number' or 'condition' of an allow-listed node; conditions only steer 'x if c else y'."""

    def need(n: ast.AST, want: str) -> str:
        got = _kind_of(n, text, where)
        if got != want:
            if want == "number":
                _fail(msg("ex_condition_as_number"), text, where, n)
            _fail(msg("ex_number_as_condition"), text, where, n)
        return got

    t = type(node)
    if t is ast.Constant:
        return "condition" if isinstance(node.value, bool) else "number"
    if t is ast.Name:
        return "number"
    if t is ast.BinOp:
        need(node.left, "number")
        need(node.right, "number")
        return "number"
    if t is ast.UnaryOp:
        if isinstance(node.op, ast.Not):
            need(node.operand, "condition")
            return "condition"
        need(node.operand, "number")
        return "number"
    if t is ast.Compare:
        for n in [node.left, *node.comparators]:
            need(n, "number")
        return "condition"
    if t is ast.BoolOp:
        for n in node.values:
            need(n, "condition")
        return "condition"
    if t is ast.IfExp:
        need(node.test, "condition")
        kind = _kind_of(node.body, text, where)
        need(node.orelse, kind)
        return kind
    if t is ast.Call:
        for n in node.args:
            need(n, "number")
        return "number"
    _fail(msg("ex_not_allowed", what=_what(node)), text, where, node)  # pragma: no cover - checked before
    return "number"


class _Checker:
    """Walks a parsed expression against the allow-list, collecting the names and functions it
    uses; every refusal is an ExpressionError naming the column (``_fail``)."""

    def __init__(self, text: str, where: Where | None, allowed_names, allowed_functions):
        self.text, self.where = text, where
        self.allowed_names, self.allowed_functions = allowed_names, allowed_functions
        self.names: set[str] = set()
        self.funcs: set[str] = set()
        self.count = 0

    def fail(self, message: str, node: ast.AST | None = None, suggestion: str | None = None):
        _fail(message, self.text, self.where, node, suggestion=suggestion)

    def check(self, node: ast.AST, depth: int) -> None:
        self.count += 1
        if self.count > MAX_NODES:
            self.fail(msg("ex_too_many_parts", max=MAX_NODES))
        if depth > MAX_DEPTH * 2:
            self.fail(msg("ex_too_deep"), node)
        t = type(node)
        visit = self._VISITORS.get(t)
        if visit is None:
            self.fail(msg("ex_not_allowed", what=_what(node)), node)
        visit(self, node, depth)

    def constant(self, node: ast.Constant, depth: int) -> None:
        v = node.value
        if isinstance(v, bool):
            return
        what = "ex_what_none" if v is None else "ex_what_string" if isinstance(v, (str, bytes)) else "ex_what_complex" if isinstance(v, complex) else None
        if what:
            self.fail(msg("ex_not_allowed", what=msg(what)), node)
        if not isinstance(v, (int, float)):
            self.fail(msg("ex_constant", value=repr(v)), node)
        src = (ast.get_source_segment(self.text, node) or "").lower()
        if src.startswith(("0x", "0o", "0b")):
            self.fail(msg("ex_only_decimal"), node)

    def name(self, node: ast.Name, depth: int) -> None:
        if node.id.startswith("_"):
            self.fail(msg("ex_underscore", name=node.id), node)
        if node.id in self.allowed_functions:
            self.fail(msg("ex_function_as_value", name=node.id), node)
        if node.id not in self.allowed_names:
            known = msg("ex_known_inputs", names=", ".join(sorted(self.allowed_names)))
            self.fail(msg("ex_unknown_input", name=node.id), node, suggestion=" ".join(x for x in (did_you_mean(node.id, self.allowed_names), known) if x))
        self.names.add(node.id)

    def binop(self, node: ast.BinOp, depth: int) -> None:
        if type(node.op) not in _BINOPS:
            self.fail(msg("ex_operator_not_allowed", op=_op_name(node.op)), node)
        self.check(node.left, depth + 1)
        self.check(node.right, depth + 1)

    def unaryop(self, node: ast.UnaryOp, depth: int) -> None:
        if type(node.op) not in _UNARY:
            self.fail(msg("ex_operator_not_allowed", op=_op_name(node.op)), node)
        self.check(node.operand, depth + 1)

    def boolop(self, node: ast.BoolOp, depth: int) -> None:
        for v in node.values:
            self.check(v, depth + 1)

    def compare(self, node: ast.Compare, depth: int) -> None:
        for op in node.ops:
            if type(op) not in _CMPOPS:
                self.fail(msg("ex_comparison_not_allowed", op=_op_name(op)), node)
        self.check(node.left, depth + 1)
        for c in node.comparators:
            self.check(c, depth + 1)

    def ifexp(self, node: ast.IfExp, depth: int) -> None:
        self.check(node.test, depth + 1)
        self.check(node.body, depth + 1)
        self.check(node.orelse, depth + 1)

    def call(self, node: ast.Call, depth: int) -> None:
        if not isinstance(node.func, ast.Name):
            self.fail(msg("ex_call_by_name"), node)
        fname = node.func.id
        if fname not in self.allowed_functions or fname not in FUNCTION_LIBRARY:
            declared = ", ".join(sorted(self.allowed_functions)) or msg("ex_no_functions")
            self.fail(msg("ex_call_not_allowed", name=fname), node, suggestion=msg("ex_declared_functions", names=declared))
        if node.keywords:
            self.fail(msg("ex_keywords"), node)
        if not node.args:
            self.fail(msg("ex_needs_args", name=fname), node)
        if len(node.args) > MAX_ARGS:
            self.fail(msg("ex_max_args", name=fname, max=MAX_ARGS), node)
        self.funcs.add(fname)
        for a in node.args:
            self.check(a, depth + 1)

    _VISITORS = {
        ast.Constant: constant,
        ast.Name: name,
        ast.BinOp: binop,
        ast.UnaryOp: unaryop,
        ast.BoolOp: boolop,
        ast.Compare: compare,
        ast.IfExp: ifexp,
        ast.Call: call,
    }


def _checked_text(text: object, where: Where | None) -> str:
    """The expression's text, refused before parsing when it is not one short line of plain
    ASCII without comments, nor nested too deeply for the parser."""
    if not isinstance(text, str):
        _fail(msg("ex_not_string", type=type_name(text)), str(text)[:200], where)
    if not text.strip():
        _fail(msg("ex_empty"), text, where)
    text = text.strip()
    if len(text) > MAX_LENGTH:
        _fail(msg("ex_too_long", max=MAX_LENGTH, n=len(text)), text, where)
    if "\n" in text.strip() or "\r" in text:
        _fail(msg("ex_single_line"), text.splitlines()[0] if text.splitlines() else text, where)
    # only printable ASCII: Python folds look-alike letters (NFKC) into identifiers, so
    # 'ｍｉｎ' or a mathematical bold 'o' would silently read as another name
    for i, ch in enumerate(text):
        if not (" " <= ch <= "~"):
            bad = ast.Constant(value=0)
            bad.col_offset = i
            _fail(msg("ex_not_ascii", char=repr(ch), code=f"{ord(ch):04X}"), text, where, bad)
    if "#" in text:
        bad = ast.Constant(value=0)
        bad.col_offset = text.index("#")
        _fail(msg("ex_hash"), text, where, bad)
    # nesting is limited before the parser recurses into it
    depth = max_depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            max_depth = max(max_depth, depth)
        elif ch in ")]}":
            depth -= 1
    if max_depth > MAX_DEPTH:
        _fail(msg("ex_parens_deep", depth=max_depth, max=MAX_DEPTH), text, where)
    return text


_SYNTAX = [  # Python's parser messages -> catalogue id (the parser's words are English)
    (r"invalid syntax\. Perhaps you forgot a comma\?", "ex_syntax_comma"),
    (r"invalid syntax", "ex_syntax_invalid"),
    (r"'(?P<char>.)' was never closed", "ex_syntax_never_closed"),
    (r"unmatched '(?P<char>.)'", "ex_syntax_unmatched"),
    (r"closing parenthesis '(?P<close>.)' does not match opening parenthesis '(?P<open>.)'", "ex_syntax_mismatch"),
    (r"invalid (decimal|hexadecimal|octal|binary|digit|imaginary) .*literal|invalid digit|leading zeros", "ex_syntax_bad_number"),
    (r"unterminated (triple-quoted )?string", "ex_syntax_unterminated"),
    (r"expected 'else' after 'if' expression", "ex_syntax_expected_else"),
    (r"expected '(?P<char>[^']+)'", "ex_syntax_expected"),
    (r"unexpected character after line continuation", "ex_syntax_backslash"),
]


def _syntax_detail(text: str) -> str:
    """Python's syntax-error text in the language in force (as it is when it is not known)."""
    for pattern, key in _SYNTAX:
        m = re.match(pattern, text or "")  # compiled on first use: a syntax error, not each start
        if m:
            return msg(key, **m.groupdict())
    return msg("ex_syntax_python", detail=text)


def _parsed(text: str, where: Where | None) -> ast.Expr:
    """The one expression statement of ``text``."""
    try:
        parsed = ast.parse(text)  # what simpleeval.SimpleEval.parse does, without dropping statements
    except SyntaxError as exc:
        node = None
        if exc.offset:
            node = ast.Constant(value=0)
            node.col_offset = exc.offset - 1
        _fail(msg("ex_syntax", detail=_syntax_detail(exc.msg)), text, where, node)
    except (RecursionError, MemoryError, ValueError):
        _fail(msg("ex_malformed"), text, where)
    if len(parsed.body) != 1:
        _fail(msg("ex_one_expression"), text, where, parsed.body[1] if parsed.body else None)
    body = parsed.body[0]
    if not isinstance(body, ast.Expr):
        _fail(msg("ex_not_statement", kind=type(body).__name__.lower()), text, where, body)
    return body


def _decimal_trees(value: ast.AST, text: str, where: Where | None) -> tuple[ast.Expression, ast.Expression, dict[str, Decimal]]:
    """The traced tree (literals as Decimal, from their source text) and the compiled one
    (literals read by name at evaluation time), with those named constants."""
    constants: dict[str, Decimal] = {}

    class _Decimalize(ast.NodeTransformer):
        def visit_Constant(self, node: ast.Constant):
            if isinstance(node.value, bool):
                return node
            src = ast.get_source_segment(text, node) or repr(node.value)
            try:
                value = Decimal(src.replace("_", ""))
            except decimal.InvalidOperation:
                value = Decimal(repr(node.value))
            if not value.is_finite() or abs(value.adjusted()) > 100:
                _fail(msg("ex_number_range", number=src[:40]), text, where, node)
            cname = f"{CONSTANT_PREFIX}{len(constants)}"
            constants[cname] = value
            new = ast.Constant(value=value)
            return ast.copy_location(new, node)

    # every node has its location (parsed, or copied with copy_location): no fix_missing_locations
    traced_tree = ast.Expression(body=_Decimalize().visit(value))
    names_for = iter(constants)

    class _Named(ast.NodeTransformer):  # the same literals, in the same order, of a second parse
        def visit_Constant(self, node: ast.Constant):
            if not isinstance(node.value, bool):
                return ast.copy_location(ast.Name(id=next(names_for), ctx=ast.Load()), node)
            return node

    # parsed again rather than copied: copy.deepcopy of the tree was most of a rule set's compile time
    compiled_tree = ast.Expression(body=_Named().visit(ast.parse(text).body[0].value))
    return traced_tree, compiled_tree, constants


def compile_expression(
    text: object,
    allowed_names: set[str] | frozenset[str],
    allowed_functions: set[str] | frozenset[str],
    where: Where | None = None,
) -> Expression:
    """Parse and check an expression against the allow-list; raise ExpressionError."""
    text = _checked_text(text, where)
    body = _parsed(text, where)
    checker = _Checker(text, where, allowed_names, allowed_functions)
    checker.check(body.value, 0)
    # numbers and conditions do not mix: True / True, (a < b) + 1 or not x would compute
    # with Python ints and floats instead of Decimal (or divide by zero outside the traps)
    if _kind_of(body.value, text, where) != "number":
        _fail(msg("ex_must_give_number"), text, where, body.value)
    traced_tree, compiled_tree, constants = _decimal_trees(body.value, text, where)
    code = compile(compiled_tree, "<rule>", "eval")
    return Expression(
        text=text.strip(),
        names=frozenset(checker.names),
        functions=frozenset(checker.funcs),
        tree=traced_tree,
        code=code,
        constants=constants,
        where=where,
        code_tree=compiled_tree,
    )
