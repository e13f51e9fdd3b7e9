"""Keep the outcome cards' rollup (``db.rollup_outcome``, per station and station-local day) in step
with the sessions table, like admin_web.rollup does for the dashboard's: every write to ``sessions``
adds (+1) or removes (-1) its rows here in the same transaction, retention drops whole days, and
:func:`rebuild` recomputes it. A separate module and table, so the dashboard rollups (migration 4)
never depend on the columns migration 10 adds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from admin_web import db

SUMS = (
    "low_quality",
    "rated",
    "stress_pre_sum",
    "stress_post_sum",
    "lower",
    "hr_n",
    "hr_sum",
    "rmssd_n",
    "rmssd_sum",
)
COLUMNS = (
    "station_id",
    "local_date",
    "quality_flagged",
    "quality_verdict",
    "stress_pre",
    "stress_post",
    "hr_change",
    "rmssd_change",
)


def low_quality(flagged: bool | None, verdict: str) -> bool:
    """A session whose physiology the outcome cards leave out: a sensor was lost, or the data red."""
    return bool(flagged) or verdict == "red"


def _contribution(r: Any) -> list[float]:
    """One session's share of each of SUMS."""
    if low_quality(r["quality_flagged"], r["quality_verdict"]):
        return [1, 0, 0, 0, 0, 0, 0.0, 0, 0.0]
    pre, post, hr, rmssd = r["stress_pre"], r["stress_post"], r["hr_change"], r["rmssd_change"]
    rated = pre is not None and post is not None
    return [
        0,
        int(rated),
        pre if rated else 0,
        post if rated else 0,
        int(rated and post < pre),
        int(hr is not None),
        hr or 0.0,
        int(rmssd is not None),
        rmssd or 0.0,
    ]


def add(conn: Connection, rows: Iterable[Any], sign: int = 1) -> None:
    """Add (sign +1) or remove (sign -1) the contribution of these session rows (mappings or Rows)."""
    days: dict[tuple[str, date], list[float]] = defaultdict(lambda: [0] * len(SUMS))
    for row in rows:
        r = row if isinstance(row, dict) else row._mapping
        total = days[(r["station_id"], r["local_date"])]
        for i, value in enumerate(_contribution(r)):
            total[i] += sign * value
    if not days:
        return
    table = db.rollup_outcome
    module = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = module.insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["station_id", "local_date"], set_={c: table.c[c] + stmt.excluded[c] for c in SUMS}
    )
    conn.execute(
        stmt,
        [{"station_id": s, "local_date": d, **dict(zip(SUMS, v, strict=True))} for (s, d), v in days.items()],
    )


def drop_before(conn: Connection, cutoff: date) -> None:
    """Forget the days before ``cutoff`` (retention deleted their sessions)."""
    conn.execute(delete(db.rollup_outcome).where(db.rollup_outcome.c.local_date < cutoff))


def rebuild(conn: Connection) -> None:
    """Recompute the rollup from the sessions table."""
    conn.execute(delete(db.rollup_outcome))
    batch: list[Any] = []
    for row in conn.execute(select(*(db.sessions.c[c] for c in COLUMNS))):
        batch.append(row)
        if len(batch) >= 20_000:
            add(conn, batch)
            batch = []
    add(conn, batch)
