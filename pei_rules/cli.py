"""The ``pei-rules`` command line.

Each sub-command lives in its own module under :mod:`pei_rules.commands` and exposes
``register(subparsers)``; this module discovers them, so adding a command never edits
this file. Exit codes: 0 success; 1 the command ran and found a difference or a
problem (audit mismatches, check errors, failed rule tests); 2 broken input or usage.
No traceback is ever printed: an unexpected failure prints one paragraph and exits 3.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from . import __version__
from .errors import PeiError, UsageError
from .sanitize import terminal_text

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 on usage errors already; keep one paragraph
        self.print_usage(sys.stderr)
        sys.stderr.write(f"pei-rules: error: {message}\n")
        sys.exit(EXIT_INPUT)


def command_names() -> list[str]:
    """The sub-commands: the public modules of :mod:`pei_rules.commands` (none is imported)."""
    from . import commands

    return sorted(m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_"))


def requested_command(argv: list[str], names: list[str]) -> str | None:
    """The sub-command named on the command line (the first word that is not an option), or
    None when there is none or it is not a command (then every command is loaded for help)."""
    for a in argv:
        if a == "--":
            return None
        if a.startswith("-"):
            continue
        return a if a in names else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every sub-command, or only with ``only`` (start-up: running a command
    imports that command's module and what it needs, not every command's)."""
    parser = _Parser(prog="pei-rules", description="Evaluate Peruvian PEI/POI plans with CEPLAN's methodology as rules-as-code.")
    parser.add_argument("--version", action="version", version=f"pei-rules {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    from . import commands

    for name in command_names():
        if only is not None and name != only:
            continue
        if only is None and _listed_only(sub, name):
            continue
        module = importlib.import_module(f"{commands.__name__}.{name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def _listed_only(sub, name: str) -> bool:
    """For the top-level help (no command named), a command whose one-line help is in the
    catalogue (``cli_<name>_help``) is listed from there without importing its module; a
    command named on the line is always built by its own ``register``."""
    from .i18n import has, msg

    key = f"cli_{name}_help"
    if not has(key):
        return False
    sub.add_parser(name, help=msg(key), add_help=False)
    return True


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(requested_command(argv, command_names()))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_INPUT
    try:
        return int(args.func(args) or 0)
    except PeiError as exc:
        sys.stderr.write(terminal_text(f"pei-rules: {exc}\n"))  # no ESC sequence from a file reaches the terminal
        return EXIT_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("pei-rules: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except RecursionError:
        sys.stderr.write("pei-rules: input is nested too deeply to process\n")
        return EXIT_INPUT
    except MemoryError:
        sys.stderr.write("pei-rules: input is too large to process\n")
        return EXIT_INPUT
    except Exception as exc:  # never a traceback for users; say what and where to report
        sys.stderr.write(
            f"pei-rules: internal error ({type(exc).__name__}: {exc}). This is a bug in pei-rules, not in your files; "
            "please report it with the command you ran.\n"
        )
        return EXIT_INTERNAL


def run() -> None:
    sys.exit(main())


__all__ = ["main", "run", "UsageError"]
