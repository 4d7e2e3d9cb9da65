"""What a server accepts: limits on uploads and work, and whether user rule sets are allowed."""
from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    #: the whole request body (all files together), in bytes
    max_body_bytes: int = 20 * MIB
    #: one uploaded file (or one member of a zip), in bytes
    max_file_bytes: int = 5 * MIB
    #: files per request, counting the members of a zip
    max_files: int = 200
    #: a zip's members, uncompressed, all together (zip bombs)
    max_unzipped_bytes: int = 100 * MIB
    #: evaluations running at the same time (worker threads)
    workers: int = 4
    #: stored sessions (one per evaluated plan: the page's links and downloads); oldest dropped first
    max_sessions: int = 500
    #: seconds a stored session lives
    session_ttl: int = 3600
    #: a user-supplied rule set (uploaded TOML files) is evaluated only when this is true
    allow_user_rules: bool = False
    #: Host header names accepted (lower case, IPv6 in brackets); None: any. ``pei-rules serve``
    #: on a loopback address accepts only the loopback names (no DNS rebinding)
    allowed_hosts: tuple[str, ...] | None = None


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
