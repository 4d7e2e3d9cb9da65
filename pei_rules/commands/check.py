"""``pei-rules check PLAN``: consistency findings on a plan's data."""
from __future__ import annotations

import json

from .. import api
from ..i18n import t
from ._common import emit

def run(args) -> int:
    res = api.check(args.plan, args.year, args.rules, overrides=not args.no_overrides)
    if args.format == "json":
        emit(json.dumps(res.document(), ensure_ascii=False, indent=2) + "\n", args.out)
    else:
        rules = res.rules
        lines = [
            f"{t(args.lang, 'chk_title')}: {res.plan.path} ({t(args.lang, 'chk_year')} {res.year}; {t(args.lang, 'chk_rules')} {rules.id} {rules.content_hash[:16]})",
            f"{res.errors} {t(args.lang, 'chk_errors')}, {res.warnings} {t(args.lang, 'chk_warnings')}",
            "",
        ]
        lines += [str(f) for f in res.findings] or [t(args.lang, "chk_none")]
        emit("\n".join(lines) + "\n", args.out)
    return res.exit_code
