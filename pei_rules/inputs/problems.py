"""Import problems and warnings: a message id of ``messages/import.toml`` plus where it happened.

Every problem names the file, the sheet (XLSX), the row, the column letter and the cell's
text, in the language in force (Spanish by default, English with ``--lang en``). The import
collects every problem before it stops, and writes nothing when there is any.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import PlanError
from ..i18n import msg


def col_letter(i: int) -> str:
    """0-based column index to the spreadsheet letter (0 → A, 26 → AA)."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


@dataclass
class Where:
    file: str
    sheet: str | None = None
    row: int | None = None  # 1-based, as the spreadsheet shows it
    col: int | None = None  # 0-based
    text: str | None = None  # the cell's text as written

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet is not None:
            parts.append(msg("imp_where_sheet", sheet=self.sheet))
        if self.row is not None:
            parts.append(msg("imp_where_row", row=self.row))
        if self.col is not None:
            parts.append(msg("imp_where_col", col=col_letter(self.col)))
        out = ", ".join(parts)
        if self.text not in (None, ""):
            shown = self.text if len(self.text) <= 60 else self.text[:60] + "…"
            shown = shown.replace("\n", " ⏎ ")
            out += " " + msg("imp_where_text", text=shown)
        return out


@dataclass
class Issue:
    where: Where
    id: str
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return msg(self.id, **self.args)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ImportProblems(PlanError):
    """Every problem found in the sheets; nothing was written."""

    kind = "import"
    where: Where | None = None

    def location(self) -> str:
        if self.where is None:
            return super().location()
        # self.file may have been rewritten (a server hides its temporary folder): it wins
        return str(replace(self.where, file=self.file or self.where.file))


class Collector:
    """Gathers problems (errors) and warnings (guessed values) during one import."""

    def __init__(self) -> None:
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []

    def error(self, where: Where, id: str, **args) -> None:
        self.errors.append(Issue(where, id, args))

    def warn(self, where: Where, id: str, **args) -> None:
        self.warnings.append(Issue(where, id, args))

    def raise_if_any(self) -> None:
        if self.errors:
            raise as_error(self.errors)


def as_error(errors: list[Issue]) -> ImportProblems:
    first = errors[0]
    more = len(errors) - 1
    text = first.message + " " + (msg("imp_nothing_written_more", n=more) if more else msg("imp_nothing_written"))
    w = first.where
    err = ImportProblems(text, file=w.file, line=w.row)
    err.where = w
    err.related = [str(p) for p in errors[1:50]]
    if len(errors) > 50:
        err.related.append(msg("imp_more_problems", n=len(errors) - 50))
    err.issues = errors  # type: ignore[attr-defined]
    return err
