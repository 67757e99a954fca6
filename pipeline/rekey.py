"""Recompute the stored dedupe keys of reports (after migration 0005, or a word-list change).

The keys (Report.problem, street_key, place_key, geo_cell) are computed when a report is stored,
from pipeline/data/complaint_words.txt and the stemmer; rows stored before migration 0005, or
before an edit of the word lists, carry old keys and meet new reports less well. Each row keeps
the version of what computed its keys (pipeline/keys_version.py), so only stale rows are redone.
Batches of rows in id order, each batch one transaction, so a long run can be stopped and
started again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update

from pipeline import blocking, keys_version
from pipeline.db import session_scope
from pipeline.models import Report

_REPORT = Report.__table__  # type: ignore[attr-defined]
_SOURCE = (  # the columns blocking.report_keys reads
    "description",
    "address_text",
    "street",
    "landmark",
    "kelurahan_code",
    "rt_rw",
    "lat",
    "lon",
)
_KEYS = ("problem", "street_key", "place_key", "geo_cell")


def _stale() -> Any:
    """Rows whose keys came from other word lists or another stemmer (or none at all)."""
    return or_(_REPORT.c.keys_version != keys_version.current(), _REPORT.c.problem.is_(None))


def stale_open_count() -> int:
    """How many open reports carry keys this code would not compute (worker start warns)."""
    states = [s.value for s in blocking.OPEN_STATES]
    query = select(func.count()).where(_REPORT.c.state.in_(states), _stale())
    with session_scope() as session:
        return int(session.execute(query).scalar_one())


def rekey(
    open_only: bool = True,
    batch: int = 500,
    progress: Callable[[int], None] | None = None,
    stale_only: bool = True,
) -> int:
    """Recompute the keys of open reports (every report with open_only=False), only where they
    are stale unless stale_only=False; returns the count."""
    columns = [_REPORT.c.id, *(_REPORT.c[name] for name in _SOURCE)]
    states = [s.value for s in blocking.OPEN_STATES]
    version = keys_version.current()
    stmt = (
        update(_REPORT)
        .where(_REPORT.c.id == bindparam("rid"))
        # bindparam names: a column's own name is reserved in an UPDATE's VALUES
        .values({k: bindparam(f"new_{k}") for k in _KEYS} | {"keys_version": version})
    )
    done, last = 0, 0
    while True:
        query = select(*columns).where(_REPORT.c.id > last).order_by(_REPORT.c.id).limit(batch)
        if stale_only:
            query = query.where(_stale())
        if open_only:
            query = query.where(_REPORT.c.state.in_(states))
        with session_scope() as session:
            rows = session.execute(query).all()
            if not rows:
                return done
            values = [
                {"rid": row.id, **{f"new_{k}": v for k, v in blocking.report_keys(row).items()}}
                for row in rows
            ]
            session.execute(stmt, values)
        done, last = done + len(rows), rows[-1].id
        if progress:
            progress(len(rows))
