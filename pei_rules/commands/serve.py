"""``pei-rules serve``: the web page and the JSON API (see docs/serve.md)."""
from __future__ import annotations

import socket
import sys

from ..errors import UsageError
from ..i18n import msg, t
from ..serve.settings import LOOPBACK_HOSTS, MIB, Settings

LOCAL = ("127.0.0.1", "localhost", "::1")


def run(args) -> int:
    if not 0 < args.port < 65536:
        raise UsageError(msg("cli_serve_bad_port", port=args.port))
    for name in ("workers", "max_files"):
        if getattr(args, name) < 1:
            raise UsageError(msg("cli_serve_at_least_one", name=name.replace("_", "-")))
    for name in ("max_upload_mb", "max_file_mb"):
        if not getattr(args, name) > 0:
            raise UsageError(msg("cli_serve_positive", name=name.replace("_", "-")))
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
