"""CSV exports of whole tables, streamed in chunks; secrets (password, token and claim hashes) are
never exported and cells that a spreadsheet would read as a formula are defused."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Column, Engine, Table, select

from admin_web.audit_log import record
from admin_web.page_access import User, engine_of, require

NEVER_EXPORTED = frozenset({"password_hash", "token_hash", "claim_hash"})
FORMULA_STARTS = ("=", "+", "-", "@")


def csv_cell(value: Any) -> str:
    """A cell's text; one a spreadsheet would read as a formula (``= + - @`` first, after any leading
    whitespace, or a tab or carriage return first) gets a leading apostrophe (no formula injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.lstrip()[:1] in FORMULA_STARTS or text[:1] in ("\t", "\r") else text


def csv_chunks(engine: Engine, columns: list[Column[Any]]) -> Iterator[str]:
    """The header and then the rows of ``columns``, a few thousand rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.name for c in columns])
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=2000).execute(select(*columns))
        for partition in result.partitions():
            for row in partition:
                writer.writerow([csv_cell(v) for v in row])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def table_export(name: str, table: Table, roles: tuple[str, ...]) -> Callable[..., StreamingResponse]:
    """A route handler downloading ``table`` as ``oasis-<name>.csv``, for users with one of ``roles``."""
    allowed = Depends(require(*roles))

    def export(request: Request, user: User = allowed) -> StreamingResponse:
        engine = engine_of(request)
        with engine.begin() as conn:
            record(conn, user.name, "export", f"{name}.csv")
        columns = [c for c in table.columns if c.name not in NEVER_EXPORTED]
        return StreamingResponse(
            csv_chunks(engine, columns),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="oasis-{name}.csv"'},
        )

    export.__name__ = f"export_{name}"
    return export
