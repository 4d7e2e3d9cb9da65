"""The Starlette application: the page's routes, the JSON API, limits and error handling.

Every handler runs the library in a worker thread (:meth:`Service.run`), so the event loop
stays free and each request has its own language. Every failure becomes a catalogue
message: an HTML page with the message (page routes) or a JSON error object (``/api``),
never a stack trace; an unexpected one is logged on the server with its traceback and
answered with a generic message and status 500.
"""
from __future__ import annotations

import functools
import json
import logging
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .._version import __version__
from ..errors import PeiError
from ..explain import all_addresses
from ..html_report import render_html
from ..i18n import LANGS
from ..outputs.docx import render_docx
from ..outputs.informe import build_informe
from ..outputs.xlsx import workbook_bytes
from ..render import render_json
from . import page
from .errors import ServeError, from_library
from .openapi import openapi_schema
from .service import Options, Service, Session
from .settings import Settings
from .uploads import PlanSource, Upload, clean_name, expand, plan_sources

log = logging.getLogger("pei_rules.serve")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class BodyTooLarge(Exception):
    pass


#: the page needs nothing from elsewhere: the browser is told so, and enforces it
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; "
        b"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class Guard:
    """ASGI middleware in front of the app: the Host header (when the server listens on this
    machine only, a page elsewhere cannot reach it by a rebound DNS name), the body-size
    limit (declared or streamed), and security headers on every response."""

    def __init__(self, app, limit: int, allowed_hosts: tuple[str, ...] | None):
        self.app, self.limit, self.allowed_hosts = app, limit, allowed_hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        headers = dict(scope.get("headers", []))
        if self.allowed_hosts is not None:
            host = headers.get(b"host", b"").decode("latin-1").lower()
            name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
            if name not in self.allowed_hosts:
                return await _refuse(scope, send_with_headers, ServeError(400, "serve_err_host", host=host[:80]))
        try:
            declared = int(headers.get(b"content-length", b"0"))
        except ValueError:
            declared = 0
        if declared > self.limit:
            return await _refuse(scope, send_with_headers, ServeError(413, "serve_err_body_too_large", mib=f"{self.limit / 1048576:g}"))
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge()
            return message

        return await self.app(scope, limited, send_with_headers)


async def _refuse(scope, send, err: ServeError) -> None:
    lang = _lang_of_query(scope.get("query_string", b"").decode("latin-1"))
    if scope.get("path", "").startswith("/api/"):
        resp: Response = JSONResponse(err.to_dict(lang), status_code=err.status)
    else:
        resp = HTMLResponse(page.error_page(err, lang), status_code=err.status)
    await resp(scope, _drain_receive, send)


async def _drain_receive():
    return {"type": "http.disconnect"}


def _lang_of_query(q: str) -> str:
    for part in q.split("&"):
        if part.startswith("lang=") and part[5:] in LANGS:
            return part[5:]
    return "es"


def lang_of(request: Request, fallback: str | None = None) -> str:
    lang = request.query_params.get("lang") or fallback or "es"
    return lang if lang in LANGS else "es"


# --- error handling ---------------------------------------------------------------------------------


def _failure(exc: BaseException, settings: Settings | None = None) -> ServeError:
    if isinstance(exc, ServeError):
        return exc
    if isinstance(exc, PeiError):
        return from_library(exc)
    if isinstance(exc, BodyTooLarge):
        return ServeError(413, "serve_err_body_too_large", mib=f"{settings.max_body_bytes / 1048576:g}" if settings else "?")
    if isinstance(exc, (MultiPartException, HTTPException)):
        reason = getattr(exc, "detail", None) or getattr(exc, "message", None) or str(exc)
        if "Too many files" in str(reason):
            return ServeError(413, "serve_err_too_many_files", n=settings.max_files if settings else "?")
        return ServeError(400, "serve_err_multipart", reason=str(reason)[:200])
    if isinstance(exc, ClientDisconnect):
        return ServeError(400, "serve_err_disconnect")
    if isinstance(exc, RecursionError):
        return ServeError(422, "serve_err_too_deep")
    if isinstance(exc, MemoryError):
        return ServeError(413, "serve_err_memory")
    log.exception("internal error while serving a request")
    return ServeError(500, "serve_err_internal", kind=type(exc).__name__)


def html_endpoint(fn):
    @functools.wraps(fn)
    async def wrapper(request: Request) -> Response:
        try:
            return await fn(request)
        except Exception as exc:  # every failure becomes a page with a message, never a trace
            err = _failure(exc, request.app.state.service.settings)
            lang = lang_of(request)
            if err.status in (400, 413, 415, 422) and request.method == "POST":
                return HTMLResponse(page.home(request.app.state.service, lang, err), status_code=err.status)
            return HTMLResponse(page.error_page(err, lang), status_code=err.status)

    return wrapper


def api_endpoint(fn):
    @functools.wraps(fn)
    async def wrapper(request: Request) -> Response:
        try:
            return await fn(request)
        except Exception as exc:  # a JSON error object, never a trace
            err = _failure(exc, request.app.state.service.settings)
            return JSONResponse(err.to_dict(lang_of(request)), status_code=err.status)

    return wrapper


# --- reading requests ------------------------------------------------------------------------------


async def _uploads(request: Request) -> tuple[dict[str, list[Upload]], dict[str, list[str]]]:
    """Files (by field) and text fields of a multipart form; files read into memory, bounded."""
    s: Settings = request.app.state.service.settings
    async with request.form(max_files=s.max_files, max_fields=200, max_part_size=64 * 1024) as form:
        files: dict[str, list[Upload]] = {}
        fields: dict[str, list[str]] = {}
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if not value.filename and not value.size:
                    continue
                data = await value.read(s.max_file_bytes + 1)
                name = clean_name(value.filename)
                if len(data) > s.max_file_bytes:
                    raise ServeError(413, "serve_err_file_too_large", name=name, mib=f"{s.max_file_bytes / 1048576:g}")
                files.setdefault(key, []).append(Upload(name=name, data=data))
            else:
                fields.setdefault(key, []).append(value)
    return files, fields


def _rule_files(uploads: list[Upload]) -> tuple:
    return tuple((u.name, u.data) for u in uploads)


def _int(v: Any, name: str, lo: int, hi: int) -> int | None:
    if v in (None, ""):
        return None
    if isinstance(v, bool):
        raise ServeError(422, "serve_err_bad_number", name=name, value=v)
    try:
        n = int(str(v).strip())
    except ValueError:
        raise ServeError(422, "serve_err_bad_number", name=name, value=str(v)[:40]) from None
    if not lo <= n <= hi:
        raise ServeError(422, "serve_err_out_of_range", name=name, value=n, lo=lo, hi=hi)
    return n


def _options(get) -> Options:
    """The options of an API request (``get``: field name -> value)."""
    period = get("period") or "anual"
    if period not in ("anual", "semestral"):
        raise ServeError(422, "serve_err_period", period=str(period)[:40])
    rules = get("rules") or None
    if rules is not None and not isinstance(rules, str):
        raise ServeError(422, "serve_err_bad_field", name="rules")
    return Options(
        year=_int(get("year"), "year", 1900, 2200),
        rules=rules,
        period=period,
        semester=_int(get("semester"), "semester", 1, 2),
        rule_files=get("rules_files") or (),
    )


class ApiInput:
    """An API request: one plan (TOML text in JSON, or files in multipart) and options."""

    def __init__(self, source: PlanSource, values: dict[str, Any], lang: str, service: Service):
        self.source, self.values, self.lang, self.service = source, values, lang, service

    def get(self, key: str) -> Any:
        return self.values.get(key)


async def api_input(request: Request) -> ApiInput:
    service: Service = request.app.state.service
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        by_field, fields = await _uploads(request)
        values: dict[str, Any] = {k: (v[0] if len(v) == 1 else v) for k, v in fields.items()}
        values["rules_files"] = _rule_files(by_field.get("rules_files", []))
        uploads = expand(by_field.get("plan", []), service.settings)
    elif ctype.startswith("application/json") or not ctype:
        raw = await request.body()
        try:
            values = json.loads(raw or b"{}")
        except (ValueError, RecursionError):
            raise ServeError(400, "serve_err_json") from None
        if not isinstance(values, dict):
            raise ServeError(400, "serve_err_json")
        text = values.get("plan")
        if not isinstance(text, str):
            raise ServeError(422, "serve_err_plan_field")
        name = clean_name(values.get("plan_name") if isinstance(values.get("plan_name"), str) else "plan.toml")
        if not name.lower().endswith(".toml"):
            name += ".toml"
        data = text.encode("utf-8")
        if len(data) > service.settings.max_file_bytes:
            raise ServeError(413, "serve_err_file_too_large", name=name, mib=f"{service.settings.max_file_bytes / 1048576:g}")
        uploads = [Upload(name=name, data=data)]
        rf = values.get("rules_files") or {}
        if not isinstance(rf, dict) or not all(isinstance(v, str) for v in rf.values()):
            raise ServeError(422, "serve_err_bad_field", name="rules_files")
        values["rules_files"] = tuple((clean_name(k), v.encode("utf-8")) for k, v in rf.items())
    else:
        raise ServeError(415, "serve_err_content_type", ctype=ctype[:60])
    lang = request.query_params.get("lang") or values.get("lang") or "es"
    if lang not in LANGS:
        lang = "es"
    sources = plan_sources(uploads)
    if len(sources) != 1:
        raise ServeError(422, "serve_err_one_plan", n=len(sources))
    return ApiInput(sources[0], values, lang, service)


# --- API -----------------------------------------------------------------------------------------


def _json(doc: dict, status: int = 200) -> Response:
    return Response(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", status_code=status, media_type="application/json")


@api_endpoint
async def api_evaluate(request: Request) -> Response:
    inp = await api_input(request)
    service = inp.service
    return _json(await service.run(inp.lang, service.evaluate_doc, inp.source, _options(inp.get), inp.lang))


@api_endpoint
async def api_explain(request: Request) -> Response:
    inp = await api_input(request)
    service = inp.service
    figure = inp.get("figure")
    if not isinstance(figure, str) or not figure.strip():
        raise ServeError(422, "serve_err_figure_field")
    opts = _options(inp.get)

    def work():
        ev = service.evaluation(inp.source, opts, inp.lang)
        return service.explain_doc(ev, figure.strip())

    return _json(await service.run(inp.lang, work))


@api_endpoint
async def api_audit(request: Request) -> Response:
    inp = await api_input(request)
    service = inp.service
    opts = _options(inp.get)
    return _json(await service.run(inp.lang, lambda: service.audit_doc(service.evaluation(inp.source, opts, inp.lang))))


@api_endpoint
async def api_check(request: Request) -> Response:
    inp = await api_input(request)
    service = inp.service
    return _json(await service.run(inp.lang, service.check_doc, inp.source, _options(inp.get), inp.lang))


@api_endpoint
async def api_diff(request: Request) -> Response:
    inp = await api_input(request)
    service = inp.service
    pair = inp.get("rules")
    if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) and x for x in pair)):
        raise ServeError(422, "serve_err_diff_rules")
    opts = _options(lambda k: None if k == "rules" else inp.get(k))
    return _json(await service.run(inp.lang, service.diff_doc, inp.source, opts, pair[0], pair[1], inp.lang))


@api_endpoint
async def api_rules(request: Request) -> Response:
    service: Service = request.app.state.service
    year = _int(request.query_params.get("year"), "year", 1900, 2200)
    lang = lang_of(request)
    return _json(await service.run(lang, service.rules_document, year, lang))


@api_endpoint
async def api_openapi(request: Request) -> Response:
    return _json(openapi_schema(request.app.state.service.settings))


# --- the page ------------------------------------------------------------------------------------


@html_endpoint
async def home(request: Request) -> Response:
    return HTMLResponse(page.home(request.app.state.service, lang_of(request)))


def _evaluate_one(service: Service, source: PlanSource, opts: Options, lang: str) -> Session:
    ev = service.evaluation(source, opts, lang)
    return Session(kind="plan", lang=lang, source=source, opts=Options(ev.year, opts.rules, opts.period, opts.semester, opts.rule_files), ev=ev)


def _batch(service: Service, sources: list[PlanSource], opts: Options, lang: str) -> Session:
    rows = []
    members = []
    for i, src in enumerate(sources, 1):
        row: dict[str, Any] = {
            "n": i,
            "file": ", ".join(src.sheets) if src.sheets else src.name,
            "entity": src.name,
            "year": None,
            "rules": None,
            "figures": {},
            "labels": {},
            "token": None,
            "error": None,
            "error_detail": None,
        }
        try:
            s = _evaluate_one(service, src, opts, lang)
        except ServeError as exc:
            row["error"] = exc.message(lang)
            row["error_detail"] = str(exc.detail) if exc.detail is not None else None
            rows.append(row)
            continue
        token = service.sessions.put(s)
        members.append(token)
        ev = s.ev
        row.update(
            entity=f"{ev.plan.model.entidad.nombre} ({ev.plan.model.entidad.codigo})",
            year=ev.year,
            rules=ev.rules.id,
            figures={f.id: (None if f.value is None else str(f.value)) for f in ev.figures.values() if f.scope == "plan"},
            labels={f.id: f.label for f in ev.figures.values() if f.scope == "plan"},
            token=token,
        )
        rows.append(row)
    return Session(kind="batch", lang=lang, members=members, rows=rows)


@html_endpoint
async def submit(request: Request) -> Response:
    service: Service = request.app.state.service
    by_field, fields = await _uploads(request)
    one = lambda k: (fields.get(k) or [None])[0]
    lang = one("lang") if one("lang") in LANGS else lang_of(request)
    opts = Options(year=_int(one("anio"), "anio", 1900, 2200), rules=one("reglas") or None, rule_files=_rule_files(by_field.get("reglas_archivos", [])))
    uploads = expand(by_field.get("archivos", []), service.settings)
    sources = plan_sources(uploads)
    if len(sources) == 1:
        s = await service.run(lang, _evaluate_one, service, sources[0], opts, lang)
        token = service.sessions.put(s)
        return RedirectResponse(page.url(f"/informe/{token}", lang), status_code=303)
    s = await service.run(lang, _batch, service, sources, opts, lang)
    token = service.sessions.put(s)
    return RedirectResponse(page.url(f"/lote/{token}", lang), status_code=303)


def _session(request: Request, kind: str) -> tuple[str, Session]:
    token = request.path_params["token"]
    s = request.app.state.service.sessions.get(token)
    if s is None or s.kind != kind:
        raise ServeError(404, "serve_err_session")
    return token, s


@html_endpoint
async def report(request: Request) -> Response:
    service: Service = request.app.state.service
    token, s = _session(request, "plan")
    lang = lang_of(request, s.lang)

    def work():
        check_doc = check_error = None
        try:
            check_doc = service.check_doc(s.source, s.opts, lang)
        except ServeError as exc:
            check_error = exc
        audit_doc = service.audit_doc(s.ev)
        return page.report_page(token, s, lang, check_doc, audit_doc, all_addresses(s.ev), list(service.rule_sets), check_error)

    return HTMLResponse(await service.run(lang, work))


@html_endpoint
async def explain_view(request: Request) -> Response:
    service: Service = request.app.state.service
    token, s = _session(request, "plan")
    lang = lang_of(request, s.lang)
    figure = (request.query_params.get("cifra") or "").strip()
    if not figure:
        raise ServeError(422, "serve_err_figure_field")
    fragment = request.query_params.get("fragmento") == "1"

    def work():
        try:
            doc = service.explain_doc(s.ev, figure)
        except ServeError as exc:
            if fragment:
                return page.error_box(exc, lang), exc.status
            raise
        if fragment:
            return page.explanation_html(doc, lang), 200
        return page.explanation_page(token, doc, lang), 200

    text, status = await service.run(lang, work)
    return HTMLResponse(text, status_code=status)


@html_endpoint
async def diff_view(request: Request) -> Response:
    service: Service = request.app.state.service
    token, s = _session(request, "plan")
    lang = lang_of(request, s.lang)
    a, b = request.query_params.get("a") or "", request.query_params.get("b") or ""
    if not a or not b:
        raise ServeError(422, "serve_err_diff_rules")
    doc = await service.run(lang, service.diff_doc, s.source, s.opts, a, b, lang)
    return HTMLResponse(page.diff_page(token, doc, lang))


@html_endpoint
async def download(request: Request) -> Response:
    service: Service = request.app.state.service
    token, s = _session(request, "plan")
    lang = lang_of(request, s.lang)
    name = request.path_params["name"]
    stem = _safe_stem(s.ev)

    def work() -> tuple[str | bytes, str]:
        if name == "anexos.xlsx":
            return workbook_bytes(s.ev, lang), XLSX
        if name == "informe.docx":
            return render_docx(build_informe(s.ev, lang)), DOCX
        if name == "plan.toml":
            return s.source.toml.decode("utf-8"), "application/toml"
        if name == "resultado.json":
            return render_json(s.ev), "application/json"
        if name == "informe.html":
            return render_html(s.ev, lang), "text/html"
        if name == "verificacion.json":
            return json.dumps(service.check_doc(s.source, s.opts, lang), ensure_ascii=False, indent=2) + "\n", "application/json"
        if name == "auditoria.json":
            return json.dumps(service.audit_doc(s.ev), ensure_ascii=False, indent=2) + "\n", "application/json"
        raise ServeError(404, "serve_err_download", name=name[:60])

    body, media = await service.run(lang, work)
    filename = f"{stem}-{name}"
    if isinstance(body, str):
        media += "; charset=utf-8"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _safe_stem(ev) -> str:
    code = "".join(c if c.isalnum() or c in "-_." else "-" for c in ev.plan.model.entidad.codigo)[:40] or "plan"
    return f"{code}-{ev.year}"


@html_endpoint
async def batch_view(request: Request) -> Response:
    token, s = _session(request, "batch")
    return HTMLResponse(page.batch_page(token, s, lang_of(request, s.lang)))


@html_endpoint
async def batch_download(request: Request) -> Response:
    token, s = _session(request, "batch")
    if request.path_params["name"] != "lote.json":
        raise ServeError(404, "serve_err_download", name=request.path_params["name"][:60])
    rows = [{k: v for k, v in r.items() if k not in ("token", "labels")} for r in s.rows]
    doc = {"format": "pei-rules/serve-batch", "format_version": 1, "pei_rules_version": __version__, "entities": rows}
    return Response(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", media_type="application/json; charset=utf-8", headers={"Content-Disposition": 'attachment; filename="lote.json"'})


def _error(request: Request, err: ServeError) -> Response:
    """An error outside the endpoints: a JSON object under /api/, else a page."""
    if request.url.path.startswith("/api/"):
        return JSONResponse(err.to_dict(lang_of(request)), status_code=err.status)
    return HTMLResponse(page.error_page(err, lang_of(request)), status_code=err.status)


async def not_found(request: Request, exc: Exception) -> Response:
    return _error(request, ServeError(404, "serve_err_not_found"))


async def not_allowed(request: Request, exc: Exception) -> Response:
    return _error(request, ServeError(405, "serve_err_method", method=request.method))


async def server_error(request: Request, exc: Exception) -> Response:
    return _error(request, _failure(exc, request.app.state.service.settings))


API_ROUTES = [
    Route("/api/evaluate", api_evaluate, methods=["POST"]),
    Route("/api/explain", api_explain, methods=["POST"]),
    Route("/api/audit", api_audit, methods=["POST"]),
    Route("/api/check", api_check, methods=["POST"]),
    Route("/api/diff", api_diff, methods=["POST"]),
    Route("/api/rules", api_rules, methods=["GET"]),
    Route("/api/openapi.json", api_openapi, methods=["GET"]),
]


def create_app(settings: Settings | None = None) -> Starlette:
    service = Service(settings)
    routes = API_ROUTES + [
        Route("/", home, methods=["GET"]),
        Route("/evaluar", submit, methods=["POST"]),
        Route("/informe/{token}", report, methods=["GET"]),
        Route("/informe/{token}/explicar", explain_view, methods=["GET"]),
        Route("/informe/{token}/comparar", diff_view, methods=["GET"]),
        Route("/informe/{token}/descargar/{name}", download, methods=["GET"]),
        Route("/lote/{token}", batch_view, methods=["GET"]),
        Route("/lote/{token}/descargar/{name}", batch_download, methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_allowed, 500: server_error})
    app.state.service = service
    return GuardedApp(app, service.settings.max_body_bytes, service.settings.allowed_hosts)


class GuardedApp(Guard):
    """The application behind the body-size limit; ``.state`` and ``.routes`` as Starlette's."""

    @property
    def state(self):
        return self.app.state

    @property
    def routes(self):
        return self.app.routes
