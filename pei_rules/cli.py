"""The ``pei-rules`` command line.

Each sub-command is declared in its own module under :mod:`pei_rules.arguments`
(``register(subparsers)``: arguments and help texts, light to import) and run by a function
of its module under :mod:`pei_rules.commands`; this module discovers the declarations, so
adding a command never edits this file, and imports only the command that runs: building
the parser (``--help`` included) loads no command and no engine. Exit codes: 0 success; 1 the command ran and found a difference or a
problem (audit mismatches, check errors, failed rule tests); 2 broken input or usage.
No traceback is ever printed: an unexpected failure prints one paragraph and exits 3.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import os
import pkgutil
import sys
from contextlib import contextmanager

from . import arguments, commands
from ._version import __version__
from .errors import PeiError, UsageError
from .i18n import LANGS, current_lang, msg, using_lang
from .sanitize import terminal_text

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


#: argparse's own words (it looks them up through ``argparse._`` when it builds, formats and
#: fails) and the catalogue ids that say them in the language in force
_ARGPARSE_WORDS = {
    "usage: ": "cli_ap_usage",
    "options": "cli_ap_options",
    "positional arguments": "cli_ap_positionals",
    "show this help message and exit": "cli_ap_help",
    "the following arguments are required: %s": "cli_ap_required",
    "invalid choice: %(value)r (choose from %(choices)s)": "cli_ap_invalid_choice",
    "unrecognized arguments: %s": "cli_ap_unrecognized",
    "expected one argument": "cli_ap_expected_one",
    "expected at least one argument": "cli_ap_expected_at_least_one",
    "expected at most one argument": "cli_ap_expected_at_most_one",
    "invalid %(type)s value: %(value)r": "cli_ap_invalid_value",
    "argument %(argument_name)s: %(message)s": "cli_ap_argument",
    "ambiguous option: %(option)s could match %(matches)s": "cli_ap_ambiguous",
    "one of the arguments %s is required": "cli_ap_one_required",
    "not allowed with argument %s": "cli_ap_not_allowed",
    "ignored explicit argument %r": "cli_ap_ignored_explicit",
}


def _argparse_text(text: str) -> str:
    key = _ARGPARSE_WORDS.get(text)
    return msg(key) if key else text


@contextmanager
def _argparse_in_language():
    """argparse's words in the language in force, only while the command line is parsed."""
    saved = argparse._
    argparse._ = _argparse_text
    try:
        yield
    finally:
        argparse._ = saved


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 on usage errors already; keep one paragraph
        self.print_usage(sys.stderr)
        sys.stderr.write(f"pei-rules: {msg('cli_error', message=message)}\n")
        sys.exit(EXIT_INPUT)


def command_names() -> list[str]:
    """The sub-commands: the public modules of :mod:`pei_rules.arguments` (none is imported)."""
    return sorted(m.name for m in pkgutil.iter_modules(arguments.__path__) if not m.name.startswith("_"))


def requested_command(argv: list[str], names: list[str]) -> str | None:
    """The sub-command named on the command line (the first word that is not an option, nor
    the value of --lang), or None when there is none or it is not a command (then every
    command is declared, for help)."""
    skip = False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == "--":
            return None
        if a == "--lang":
            skip = True
            continue
        if a.startswith("-"):
            continue
        return a if a in names else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser, its texts in the language in force (``set_lang`` / ``PEI_RULES_LANG``), with
    every sub-command or only with ``only``. Declarations only: no command module is imported."""
    with _argparse_in_language():
        parser = _Parser(prog="pei-rules", description=msg("cli_description"))
        parser.add_argument("--version", action="version", version=f"pei-rules {__version__}", help=msg("cli_version_help"))
        parser.add_argument("--lang", dest="top_lang", choices=LANGS, help=msg("cli_opt_lang"))
        sub = parser.add_subparsers(dest="command", metavar=msg("cli_mv_command"), parser_class=_Parser)
        for name in command_names():
            if only is None or name == only:
                importlib.import_module(f"{arguments.__name__}.{name}").register(sub)
    return parser


def command_function(spec: str):
    """The function a declaration names (``run="evaluate"``, ``run="rules:run_list"``), from its
    module under :mod:`pei_rules.commands`, imported now: the one command that runs."""
    module, _, function = spec.partition(":")
    return getattr(importlib.import_module(f"{commands.__name__}.{module}"), function or "run")


def _lang_in(argv: list[str]) -> str | None:
    """``--lang X`` / ``--lang=X`` anywhere on the command line (help texts need it before parsing)."""
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    with using_lang(_lang_in(argv) or current_lang()):
        return _main(argv)


def _main(argv: list[str]) -> int:
    parser = build_parser(requested_command(argv, command_names()))
    with _argparse_in_language():
        args = parser.parse_args(argv)
    if getattr(args, "lang", None) is None and hasattr(args, "lang"):
        args.lang = current_lang()
    func = command_function(args.run) if getattr(args, "run", None) else getattr(args, "func", None)
    if _gc_paused_for_startup and not gc.isenabled():  # the command is imported: collect from now on
        gc.freeze()
        gc.enable()
    if func is None:
        with _argparse_in_language():
            parser.print_help()
        return EXIT_INPUT
    try:
        return int(func(args) or 0)
    except PeiError as exc:
        sys.stderr.write(terminal_text(f"pei-rules: {exc}\n"))  # no ESC sequence from a file reaches the terminal
        return EXIT_INPUT
    except KeyboardInterrupt:
        sys.stderr.write(f"pei-rules: {msg('cli_interrupted')}\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except RecursionError:
        sys.stderr.write(f"pei-rules: {msg('cli_too_deep')}\n")
        return EXIT_INPUT
    except MemoryError:
        sys.stderr.write(f"pei-rules: {msg('cli_too_large')}\n")
        return EXIT_INPUT
    except Exception as exc:  # never a traceback for users; say what and where to report
        sys.stderr.write(f"pei-rules: {msg('cli_internal_error', kind=type(exc).__name__, detail=exc)}\n")
        return EXIT_INTERNAL


_gc_paused_for_startup = False


def run() -> None:
    """The ``pei-rules`` process (pydantic plugins off unless asked for). Until the command's
    module is imported the garbage collector is paused: what the imports make lives as long
    as the process, and collecting it cost a fifth of ``evaluate``'s start-up
    (docs/performance.md); it then runs as usual, the imported objects set aside (``gc.freeze``)."""
    global _gc_paused_for_startup
    # pydantic's documented switch: no scan of every installed distribution for pydantic plugins
    # when the plan schema is built (3 ms); an empty PYDANTIC_DISABLE_PLUGINS turns them back on
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _gc_paused_for_startup = gc.isenabled()
    gc.disable()
    sys.exit(main())


__all__ = ["main", "run", "UsageError"]
