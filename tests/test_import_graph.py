"""Layers point down: the library never imports the command line, and nothing hides a cycle.

The graph is read from the source (``ast``), so it holds every import, module-level or
inside a function. Rules:

- no module outside ``pei_rules.commands`` / ``pei_rules.cli`` imports either of them;
- the graph of ``pei_rules`` modules, function-level imports included, has no cycle
  (so a function-level import can never be the way a cycle was dodged);
- function-level imports of ``pei_rules`` modules exist only in the command line (lazy
  loading of sub-commands) and in the package's lazy ``__getattr__``.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pei_rules

PKG = Path(pei_rules.__file__).resolve().parent
TOP = {"pei_rules.cli", "pei_rules.commands", "pei_rules.__main__"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def _resolve(mod: str, is_pkg: bool, level: int, name: str | None) -> str:
    if level == 0:
        return name or ""
    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _imports(mod: str, path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for every import of a pei_rules module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    mods = _modules()
    is_pkg = path.name == "__init__.py"
    out = []

    def visit(node, in_func: bool):
        for child in ast.iter_child_nodes(node):
            inner = in_func or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for a in child.names:
                    if a.name.startswith("pei_rules"):
                        out.append((a.name, child.lineno, in_func))
            elif isinstance(child, ast.ImportFrom):
                target = _resolve(mod, is_pkg, child.level, child.module)
                if not target.startswith("pei_rules"):
                    continue
                for a in child.names:
                    sub = f"{target}.{a.name}"
                    out.append((sub if sub in mods else target, child.lineno, in_func))
            visit(child, inner)

    visit(tree, False)
    return out


def _graph() -> dict[str, list[tuple[str, int, bool]]]:
    return {m: _imports(m, p) for m, p in _modules().items()}


def _is_top(mod: str) -> bool:
    return any(mod == t or mod.startswith(t + ".") for t in TOP)


def test_library_never_imports_the_command_line():
    upward = []
    for mod, edges in _graph().items():
        if _is_top(mod):
            continue
        for target, line, _ in edges:
            if _is_top(target):
                upward.append(f"{mod}:{line} imports {target}")
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_no_import_cycle():
    graph = {m: sorted({t for t, _, _ in edges if t != m and t != "pei_rules"}) for m, edges in _graph().items()}
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def dfs(m: str):
        state[m] = 1
        stack.append(m)
        for n in graph.get(m, []):
            if state.get(n) == 1:
                cycles.append(" -> ".join(stack[stack.index(n):] + [n]))
            elif n in graph and not state.get(n):
                dfs(n)
        stack.pop()
        state[m] = 2

    for m in graph:
        if not state.get(m):
            dfs(m)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_function_level_import_below_the_command_line():
    hidden = []
    for mod, edges in _graph().items():
        if _is_top(mod) or mod == "pei_rules":
            continue
        for target, line, in_func in edges:
            if in_func:
                hidden.append(f"{mod}:{line} imports {target} inside a function")
    assert not hidden, "\n".join(hidden)


def test_no_module_imports_the_package_itself():
    """``from . import __version__`` makes every module depend on ``__init__`` (a cycle)."""
    bad = [f"{m}:{line}" for m, edges in _graph().items() if m != "pei_rules" for t, line, _ in edges if t == "pei_rules"]
    assert not bad, bad


def test_the_graph_is_read():
    """The test would pass vacuously if the reader found nothing: it must see known edges."""
    g = _graph()
    assert ("pei_rules.evaluate", True) in {(t, True) for t, _, _ in g["pei_rules.api"]}
    assert any(t.startswith("pei_rules.commands") for t, _, _ in g["pei_rules.cli"])


#: functions still longer than MAX_FUNCTION lines (none left): the list only shrinks — a new
#: long function, or one that grows past its entry, fails
LONG_FUNCTIONS: dict[str, int] = {}
MAX_FUNCTION = 80


def test_functions_stay_short():
    """ruleset._build (362 lines) and compile_expression (205) are split; no other function
    may grow past MAX_FUNCTION lines."""
    too_long = []
    for p in sorted(PKG.rglob("*.py")):
        tree = ast.parse(p.read_text(encoding="utf-8"))

        def visit(node, prefix: str):
            for n in ast.iter_child_nodes(node):
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    size = n.end_lineno - n.lineno + 1
                    name = f"{p.relative_to(PKG).as_posix()}::{prefix}{n.name}"
                    if size >= MAX_FUNCTION and size > LONG_FUNCTIONS.get(name, 0):
                        too_long.append(f"{name}: {size} lines")
                    visit(n, prefix + n.name + ".")
                elif isinstance(n, ast.ClassDef):
                    visit(n, prefix + n.name + ".")

        visit(tree, "")
    assert not too_long, too_long
