"""The arguments of ``pei-rules rules`` (run by :mod:`pei_rules.commands.rules`)."""
from __future__ import annotations

from ..i18n import msg
from ._common import add_format_arg


def register(sub) -> None:
    p = sub.add_parser("rules", help=msg("cli_rules_help"), description=msg("cli_rules_description"))
    rs = p.add_subparsers(dest="rules_command", metavar=msg("cli_mv_action"))

    pl = rs.add_parser("list", help=msg("cli_rules_list_help"), description=msg("cli_rules_list_description"))
    add_format_arg(pl, choices=("text", "json"), out=False)
    pl.set_defaults(run="rules:run_list")

    ps = rs.add_parser("show", help=msg("cli_rules_show_help"), description=msg("cli_rules_show_description"))
    ps.add_argument("ruleset", metavar=msg("cli_mv_ruleset"), help=msg("cli_rules_show_ruleset"))
    ps.add_argument("--overrides", action="append", metavar=msg("cli_mv_file"), default=[], help=msg("cli_rules_show_overrides"))
    add_format_arg(ps, choices=("text", "json"))
    ps.set_defaults(run="rules:run_show")

    pc = rs.add_parser("check", help=msg("cli_rules_check_help"), description=msg("cli_rules_check_description"))
    pc.add_argument("rulesets", nargs="*", metavar=msg("cli_mv_ruleset"), help=msg("cli_rules_ids"))
    add_format_arg(pc, choices=("text", "json"), out=False)
    pc.set_defaults(run="rules:run_check")

    pt = rs.add_parser("test", help=msg("cli_rules_test_help"), description=msg("cli_rules_test_description"))
    pt.add_argument("rulesets", nargs="*", metavar=msg("cli_mv_ruleset"), help=msg("cli_rules_test_ids"))
    pt.add_argument("--cases", action="append", metavar=msg("cli_mv_file"), default=[], help=msg("cli_rules_test_cases"))
    pt.add_argument("--verbose", "-v", action="store_true", help=msg("cli_rules_test_verbose"))
    add_format_arg(pt, choices=("text", "json"), out=False)
    pt.set_defaults(run="rules:run_test")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
