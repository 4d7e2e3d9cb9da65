"""Errors the server reports: an HTTP status, a catalogue message, and the library's detail."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import PeiError
from ..i18n import t


class ServeError(Exception):
    """A request the server refuses: ``status`` (HTTP), ``key`` (message id) and its arguments."""

    def __init__(self, status: int, key: str, detail: PeiError | None = None, **args):
        super().__init__(key)
        self.status = status
        self.key = key
        self.args_ = args
        self.detail = detail

    def message(self, lang: str | None) -> str:
        return t(lang, self.key, **self.args_)

    def to_dict(self, lang: str | None) -> dict:
        """The API's error object (see the OpenAPI schema, ``Error``)."""
        d = {"status": self.status, "code": self.key.removeprefix("serve_err_"), "message": self.message(lang)}
        if self.detail is not None:
            d["detail"] = self.detail.to_dict()
            d["detail"]["text"] = str(self.detail)
        return {"error": d}


def from_library(exc: PeiError, name: str | None = None) -> ServeError:
    """A library error (bad plan, bad rule set, unknown figure...) as a 422 with its detail."""
    kind = getattr(exc, "kind", "error")
    key = {
        "input": "serve_err_input",
        "plan": "serve_err_plan",
        "import": "serve_err_import",
        "rule": "serve_err_rules",
        "expression": "serve_err_rules",
        "address": "serve_err_address",
        "usage": "serve_err_usage",
    }.get(kind, "serve_err_input")
    return ServeError(422, key, detail=exc, name=name or exc.file or "")


@contextmanager
def library_errors(name: str | None = None) -> Iterator[None]:
    """Library errors inside the block become :func:`from_library`'s 422."""
    try:
        yield
    except PeiError as exc:
        raise from_library(exc, name) from None
