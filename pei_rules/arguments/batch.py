"""The arguments of ``pei-rules batch`` (run by :mod:`pei_rules.commands.batch`)."""
from __future__ import annotations

from ..i18n import msg
from ._common import add_lang_arg, add_out_arg, add_rules_args, add_year_arg


def register(sub) -> None:
    p = sub.add_parser("batch", help=msg("cli_batch_help"), description=msg("cli_batch_description"))
    p.add_argument("inputs", nargs="+", metavar=msg("cli_mv_dir_or_file"), help=msg("cli_batch_inputs"))
    add_year_arg(p, help_id="cli_batch_year")
    add_rules_args(p)
    p.add_argument("--jobs", type=int, default=1, metavar="N", help=msg("cli_batch_jobs"))
    add_out_arg(p, required=True, metavar_id="cli_mv_outdir", help_id="cli_batch_out")
    p.add_argument("--sort", metavar=msg("cli_mv_column"), help=msg("cli_batch_sort"))
    p.add_argument("--desc", action="store_true", help=msg("cli_batch_desc"))
    p.add_argument("--progress", action="store_true", help=msg("cli_batch_progress"))
    p.add_argument("--quiet", action="store_true", help=msg("cli_batch_quiet"))
    p.add_argument("--no-check", action="store_true", help=msg("cli_batch_no_check"))
    add_lang_arg(p)
    p.set_defaults(run="batch")
