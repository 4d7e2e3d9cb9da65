"""``pei-rules explain PLAN FIGURE``: the derivation tree of one figure."""
from __future__ import annotations

import json

from ..explain import explain_document, render_text
from ._common import emit, evaluate_args


def run(args) -> int:
    ev = evaluate_args(args.plan, args)
    doc = explain_document(ev, args.figure)
    if args.format == "json":
        text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    else:
        text = render_text(doc, args.lang)
    emit(text, args.out)
    return 0
