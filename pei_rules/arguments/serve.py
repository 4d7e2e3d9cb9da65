"""The arguments of ``pei-rules serve`` (run by :mod:`pei_rules.commands.serve`)."""
from __future__ import annotations

from ..i18n import msg
from ..serve.settings import MIB, Settings


def register(sub) -> None:
    p = sub.add_parser("serve", help=msg("cli_serve_help"), description=msg("cli_serve_description"))
    p.add_argument("--host", default="127.0.0.1", help=msg("cli_serve_host"))
    p.add_argument("--port", type=int, default=8000, help=msg("cli_serve_port"))
    p.add_argument("--workers", type=int, default=Settings.workers, metavar="N", help=msg("cli_serve_workers", n=Settings.workers))
    p.add_argument("--max-upload-mb", type=float, default=Settings.max_body_bytes / MIB, metavar="MIB", help=msg("cli_serve_max_upload", n=f"{Settings.max_body_bytes / MIB:g}"))
    p.add_argument("--max-file-mb", type=float, default=Settings.max_file_bytes / MIB, metavar="MIB", help=msg("cli_serve_max_file", n=f"{Settings.max_file_bytes / MIB:g}"))
    p.add_argument("--max-files", type=int, default=Settings.max_files, metavar="N", help=msg("cli_serve_max_files", n=Settings.max_files))
    p.add_argument("--allow-user-rules", action="store_true", help=msg("cli_serve_allow_user_rules"))
    p.add_argument("--lang", choices=("es", "en"), default=None, help=msg("cli_serve_lang"))
    p.set_defaults(run="serve")
