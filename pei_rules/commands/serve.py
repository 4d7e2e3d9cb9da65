"""``pei-rules serve``: the web page and the JSON API (see docs/serve.md)."""
from __future__ import annotations

import socket
import sys

from ..errors import UsageError
from ..i18n import t
from ..serve.settings import LOOPBACK_HOSTS, MIB, Settings

LOCAL = ("127.0.0.1", "localhost", "::1")


def register(sub) -> None:
    p = sub.add_parser(
        "serve",
        help="web page and JSON API on this machine (http://127.0.0.1:8000/)",
        description=(
            "Serve a web page (Spanish, English switch) to upload plans or Aplicativo sheets, see the evaluation as the "
            "HTML report shows it with every figure explained, check and audit results, downloads, rule-set comparison "
            "and batch tables; and a JSON API (POST /api/evaluate, /api/explain, /api/audit, /api/check, /api/diff, "
            "GET /api/rules; schema at /api/openapi.json). Binds to 127.0.0.1 unless --host says otherwise."
        ),
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=Settings.workers, metavar="N", help=f"evaluations at the same time (threads; default {Settings.workers})")
    p.add_argument("--max-upload-mb", type=float, default=Settings.max_body_bytes / MIB, metavar="MIB", help="largest upload, all files together (default %(default)g)")
    p.add_argument("--max-file-mb", type=float, default=Settings.max_file_bytes / MIB, metavar="MIB", help="largest single file (default %(default)g)")
    p.add_argument("--max-files", type=int, default=Settings.max_files, metavar="N", help="files per upload, zip members included (default %(default)d)")
    p.add_argument(
        "--allow-user-rules",
        action="store_true",
        help="also evaluate rule files the user uploads (an override file, or a whole rule set extending a server set by id), under the same sandbox",
    )
    p.add_argument("--lang", choices=("es", "en"), default="es", help="language of the start-up message (the page has its own switch)")
    p.set_defaults(func=run)


def run(args) -> int:
    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be between 1 and 65535, got {args.port}")
    for name in ("workers", "max_files"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("max_upload_mb", "max_file_mb"):
        if not getattr(args, name) > 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive")
    settings = Settings(
        max_body_bytes=int(args.max_upload_mb * MIB),
        max_file_bytes=int(args.max_file_mb * MIB),
        max_files=args.max_files,
        workers=args.workers,
        allow_user_rules=args.allow_user_rules,
        allowed_hosts=LOOPBACK_HOSTS if args.host in LOCAL else None,
    )
    import uvicorn  # only this command needs the server; keeps the other commands' start-up fast

    from ..serve.app import create_app

    app = create_app(settings)
    sock = _bind(args.host, args.port, args.lang)
    if args.host not in LOCAL:
        sys.stderr.write(t(args.lang, "serve_cli_not_local", host=args.host) + "\n")
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    sys.stderr.write(t(args.lang, "serve_cli_listening", host=shown, port=args.port) + "\n")
    sys.stderr.flush()
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning", access_log=False, lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
    return 0


def _bind(host: str, port: int, lang: str) -> socket.socket:
    """The listening socket, or a clear message (the port is taken, the address is not this machine's)."""
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(2048)
    except OSError as exc:
        raise UsageError(t(lang, "serve_cli_cannot_listen", host=host, port=port, reason=exc.strerror or str(exc))) from None
    return sock
