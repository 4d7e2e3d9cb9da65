"""The server's operations on the library: evaluate, explain, audit, check, diff, rule sets.

Everything here is synchronous and CPU-bound; :func:`run` runs a call in a worker thread
(at most ``Settings.workers`` at once) inside a fresh context whose language is the
request's, so two requests in different languages never see each other's.

Rule sets are chosen by id among the sets the server found when it started (the search
path of :func:`pei_rules.ruleset.available`); a client never names a folder.
"""
from __future__ import annotations

import contextvars
import functools
import secrets
import shutil
import tempfile
import threading
import time
import tomllib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import anyio
from anyio import to_thread

from .. import api
from .._version import __version__
from ..audit import audit, audit_document
from ..check import check
from ..diffing import diff_evaluations
from ..errors import PeiError, UsageError
from ..evaluate import Evaluation, evaluate
from ..explain import explain_document
from ..i18n import set_lang, t
from ..plan import Plan, load_plan
from ..render import to_json_obj
from ..choice import pick_for_year
from ..ruleset import META, RuleSet, available, forget_rulesets_under, load_ruleset
from ..ruleset.discovery import _read_meta
from .errors import ServeError, library_errors
from .settings import Settings
from .uploads import PlanSource, convert_sheets

PERIODS = ("anual", "semestral")


@dataclass(frozen=True)
class Options:
    """What the client chose: year (None: the latest with values), rule set id (None: the one valid for the year)."""

    year: int | None = None
    rules: str | None = None
    period: str = "anual"
    semester: int | None = None
    #: a user-supplied rule set or override file: ((name, bytes), ...); only with Settings.allow_user_rules
    rule_files: tuple = ()


@dataclass
class RuleSetInfo:
    id: str
    title: str
    directive: str
    desde: int | None
    hasta: int | None
    anclado: bool
    folder: Path = field(repr=False)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "directive": self.directive,
            "vigencia": {"desde": self.desde, "hasta": self.hasta},
            "anclado": self.anclado,
        }

    def valid_for(self, year: int) -> bool:
        return (self.desde is None or self.desde <= year) and (self.hasta is None or year <= self.hasta)


def _rule_set_infos() -> dict[str, RuleSetInfo]:
    out = {}
    for rid, folder in available().items():
        meta = _read_meta(folder) or {}
        vig = meta.get("vigencia") if isinstance(meta.get("vigencia"), dict) else {}
        out[rid] = RuleSetInfo(
            id=rid,
            title=str(meta.get("titulo") or meta.get("title") or ""),
            directive=str(meta.get("directiva") or ""),
            desde=vig.get("desde") if isinstance(vig.get("desde"), int) else None,
            hasta=vig.get("hasta") if isinstance(vig.get("hasta"), int) else None,
            anclado=meta.get("anclado") is True,
            folder=folder,
        )
    return out


def default_year(plan: Plan) -> int:
    """The library's default year (:func:`pei_rules.api.default_year`); none is a 422."""
    try:
        return api.default_year(plan)
    except UsageError:
        raise ServeError(422, "serve_err_no_year", name=plan.path) from None


class Service:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.rule_sets = _rule_set_infos()
        self.limiter = anyio.CapacityLimiter(self.settings.workers)
        self.sessions = SessionStore(self.settings.max_sessions, self.settings.session_ttl)

    # --- running ----------------------------------------------------------------------

    async def run(self, lang: str, fn: Callable, *args, **kw) -> Any:
        """``fn(*args, **kw)`` in a worker thread, in a fresh context with ``lang`` in force."""

        def job():
            set_lang(lang)
            return fn(*args, **kw)

        ctx = contextvars.Context()
        return await to_thread.run_sync(functools.partial(ctx.run, job), limiter=self.limiter)

    # --- rule sets --------------------------------------------------------------------

    def rules_document(self, year: int | None = None, lang: str | None = None) -> dict:
        doc: dict[str, Any] = {
            "format": "pei-rules/rules",
            "format_version": 1,
            "pei_rules_version": __version__,
            "rule_sets": [i.to_dict() for i in self.rule_sets.values()],
        }
        if year is not None:
            try:
                rid, why = self.pick(year)
            except ServeError as exc:
                doc["year"] = year
                doc["picked"] = None
                doc["why"] = exc.message(lang)
                return doc
            doc["year"] = year
            doc["picked"] = rid
            doc["why"] = self.why_text(rid, year, lang)
            doc["why_engine"] = why
            for d in doc["rule_sets"]:
                d["valid_for_year"] = self.rule_sets[d["id"]].valid_for(year)
        return doc

    def pick(self, year: int) -> tuple[str, str]:
        """The id of the rule set valid for ``year`` (the engine's choice) and the engine's reason."""
        try:
            folder, why = pick_for_year(year)
        except PeiError:
            raise ServeError(422, "serve_err_no_rules_for_year", year=year) from None
        for rid, info in self.rule_sets.items():
            if info.folder.resolve() == Path(folder).resolve():
                return rid, why
        raise ServeError(422, "serve_err_no_rules_for_year", year=year)

    def why_text(self, rid: str, year: int, lang: str | None, receipt: bool = False) -> str:
        """Why ``rid`` is preselected (``receipt``: was picked) for ``year``, in ``lang``."""
        info = self.rule_sets[rid]
        key = "serve_why_picked" if receipt else "serve_why_valid"
        text = t(lang, key, id=rid, year=year, desde=info.desde or "…", hasta=info.hasta or "…")
        others = [i.id for i in self.rule_sets.values() if i.id != rid and i.valid_for(year)]
        if info.anclado:
            text += " " + t(lang, "serve_why_anchored")
        if others:
            text += " " + t(lang, "serve_why_others", others=", ".join(others))
        return text

    def ruleset(self, rid: str | None, year: int, lang: str | None = None, rule_files: tuple = ()) -> tuple[RuleSet, str]:
        """The rule set ``rid`` (None: the one valid for ``year``) and why, in ``lang``.

        With ``rule_files``: a whole rule set (a ``ruleset.toml`` among them) or an override
        file applied on top of ``rid`` — only when the server allows user rule sets."""
        if rule_files:
            return self.user_ruleset(rid, year, lang, rule_files)
        if rid:
            info = self.rule_sets.get(rid)
            if info is None:
                raise ServeError(422, "serve_err_unknown_rules", id=rid, known=", ".join(sorted(self.rule_sets)))
            try:
                picked = self.pick(year)[0]
            except ServeError:
                picked = None
            why = self.why_text(rid, year, lang, receipt=True) if rid == picked else t(lang, "serve_why_chosen", id=rid)
        else:
            rid, _ = self.pick(year)
            info = self.rule_sets[rid]
            why = self.why_text(rid, year, lang, receipt=True)
        with library_errors(rid):
            return load_ruleset(info.folder), why

    def user_ruleset(self, rid: str | None, year: int, lang: str | None, rule_files: tuple) -> tuple[RuleSet, str]:
        """A user-supplied rule set, loaded from a private temporary folder under the same
        sandbox as the server's (expressions checked against the allow-list when it loads).
        ``extends`` may name only one of the server's rule sets, by id."""
        if not self.settings.allow_user_rules:
            raise ServeError(403, "serve_err_user_rules")
        names = [n for n, _ in rule_files]
        whole = "ruleset.toml" in names
        for name, data in rule_files:
            if not name.endswith(".toml") or "/" in name or "\\" in name or name.startswith("."):
                raise ServeError(415, "serve_err_file_type", name=name)
            if whole and name == "ruleset.toml":
                self._check_extends(name, data)
        if not whole and len(rule_files) != 1:
            raise ServeError(422, "serve_err_user_rules_shape", names=", ".join(names))
        if not whole:
            base, why = self.ruleset(rid, year, lang)
        tmp = Path(tempfile.mkdtemp(prefix="reglas-usuario-"))  # mode 0700, a name the client never chooses
        folder = tmp / "reglas"
        folder.mkdir()
        try:
            for name, data in rule_files:
                (folder / name).write_bytes(data)
            with library_errors(names[0]):
                if whole:
                    rs = load_ruleset(folder)
                    why = t(lang, "serve_why_user", id=rs.id)
                else:
                    rs = load_ruleset(self.rule_sets[base.id].folder, overrides=[folder / names[0]])
                    why = why + " " + t(lang, "serve_why_user_override", name=names[0])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            forget_rulesets_under(tmp)
        return rs, why

    def _check_extends(self, name: str, data: bytes) -> None:
        try:
            meta = tomllib.loads(data.decode("utf-8")).get(META)
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
            return  # the loader reports it with file and line
        ext = meta.get("extends") if isinstance(meta, dict) else None
        if ext is not None and (not isinstance(ext, str) or ext not in self.rule_sets):
            raise ServeError(422, "serve_err_user_extends", value=str(ext)[:80], known=", ".join(sorted(self.rule_sets)))

    # --- plans ------------------------------------------------------------------------

    def load(self, source: PlanSource, strict: bool = True) -> Plan:
        with library_errors(source.name):
            convert_sheets(source)
            return load_plan(source.name, raw=source.toml, display=source.name, strict=strict)

    def evaluation(self, source: PlanSource, opts: Options, lang: str | None = None) -> Evaluation:
        plan = self.load(source)
        year = opts.year or default_year(plan)
        rules, why = self.ruleset(opts.rules, year, lang, opts.rule_files)
        if opts.period not in PERIODS:
            raise ServeError(422, "serve_err_period", period=opts.period)
        with library_errors(source.name):
            if opts.period == "anual" and opts.semester is None:
                return evaluate(plan, rules, year, why_rules=why)
            return evaluate(plan, rules, year, why_rules=why, period=opts.period, semester=opts.semester)

    # --- documents (the JSON formats of the command line) -------------------------------

    def evaluate_doc(self, source: PlanSource, opts: Options, lang: str | None = None) -> dict:
        return to_json_obj(self.evaluation(source, opts, lang))

    def explain_doc(self, ev: Evaluation, figure: str) -> dict:
        with library_errors(figure):
            return explain_document(ev, figure)

    def audit_doc(self, ev: Evaluation) -> dict:
        with library_errors():
            return audit_document(ev, audit(ev))

    def check_doc(self, source: PlanSource, opts: Options, lang: str | None = None) -> dict:
        plan = self.load(source, strict=False)
        year = opts.year or default_year(plan)
        rules, _why = self.ruleset(opts.rules, year, lang, opts.rule_files)
        with library_errors(source.name):
            findings = check(plan, rules, year)
        return api.CheckResult(plan, rules, year, findings).document()

    def diff_doc(self, source: PlanSource, opts: Options, rules_a: str, rules_b: str, lang: str | None = None) -> dict:
        ea = self.evaluation(source, Options(opts.year, rules_a, opts.period, opts.semester), lang)
        eb = self.evaluation(source, Options(ea.year, rules_b, opts.period, opts.semester, opts.rule_files), lang)
        with library_errors():
            rule_changes, figs = diff_evaluations(ea, eb)
        return api.DiffResult(source.name, ea.plan, ea.year, ea.period, ea.semester, ea, eb, rule_changes, figs).document()


# --- sessions: what the page links to ---------------------------------------------------------


@dataclass
class Session:
    """One evaluated plan (or one batch) the page shows, downloads and explains."""

    kind: str  # "plan" or "batch"
    lang: str
    source: PlanSource | None = None
    opts: Options = Options()
    ev: Evaluation | None = None
    error: ServeError | None = None
    members: list[str] = field(default_factory=list)  # batch: session tokens of the plans
    rows: list[dict] = field(default_factory=list)  # batch: summary rows
    created: float = field(default_factory=time.monotonic)


class SessionStore:
    """Sessions in memory, by unguessable token; oldest dropped beyond ``capacity`` or ``ttl``."""

    def __init__(self, capacity: int, ttl: int):
        self.capacity, self.ttl = capacity, ttl
        self._items: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, s: Session) -> str:
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._items[token] = s
            self._expire()
        return token

    def get(self, token: str) -> Session | None:
        with self._lock:
            self._expire()
            s = self._items.get(token)
            if s is not None:
                self._items.move_to_end(token)
            return s

    def _expire(self) -> None:
        now = time.monotonic()
        while self._items:
            token, s = next(iter(self._items.items()))
            if len(self._items) > self.capacity or now - s.created > self.ttl:
                self._items.popitem(last=False)
            else:
                break

    def __len__(self) -> int:
        return len(self._items)
