"""Options shared by the sub-commands' declarations (light: the catalogue and the vocabulary)."""
from __future__ import annotations

import argparse

from ..i18n import LANGS, msg
from ..vocabulary import OVERRIDE_NAME, PERIODS

#: the text renderings of ``evaluate`` (pei_rules.report_text.RENDERERS; a test keeps them equal)
TEXT_FORMATS = ("text", "json", "csv", "markdown")


def add_rules_args(p: argparse.ArgumentParser, multiple: bool = False) -> None:
    if multiple:
        p.add_argument("--rules", action="append", metavar=msg("cli_mv_ruleset"), help=msg("cli_opt_rules_two"))
    else:
        p.add_argument("--rules", metavar=msg("cli_mv_ruleset"), help=msg("cli_opt_rules"))
    p.add_argument("--no-overrides", action="store_true", help=msg("cli_opt_no_overrides", name=OVERRIDE_NAME))


def add_year_arg(p: argparse.ArgumentParser, required: bool = False, help_id: str = "cli_opt_year") -> None:
    p.add_argument("--year", type=int, required=required, metavar=msg("cli_mv_year"), help=msg(help_id))


def add_plan_arg(p: argparse.ArgumentParser, help_id: str = "cli_opt_plan", metavar_id: str = "cli_mv_plan", dest: str = "plan") -> None:
    p.add_argument(dest, metavar=msg(metavar_id), help=msg(help_id))


def add_lang_arg(p: argparse.ArgumentParser) -> None:
    """``--lang es|en``: the language of everything the command prints (default: ``PEI_RULES_LANG`` or es)."""
    p.add_argument("--lang", choices=LANGS, default=None, help=msg("cli_opt_lang"))


def add_out_arg(p: argparse.ArgumentParser, required: bool = False, metavar_id: str = "cli_mv_file", help_id: str = "cli_opt_out") -> None:
    p.add_argument("--out", required=required, metavar=msg(metavar_id), help=msg(help_id))


def add_format_arg(p: argparse.ArgumentParser, choices=TEXT_FORMATS, default="text", out: bool = True) -> None:
    p.add_argument("--format", choices=choices, default=default, help=msg("cli_opt_format", default=default))
    add_lang_arg(p)
    if out:
        add_out_arg(p)


def add_period_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--period", choices=PERIODS, default="anual", help=msg("cli_opt_period"))
    p.add_argument("--semester", type=int, choices=(1, 2), metavar="N", help=msg("cli_opt_semester"))
